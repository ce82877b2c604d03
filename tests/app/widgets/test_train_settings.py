"""The Train panel's settings form: every field lands in the TrainSettings it returns."""

from __future__ import annotations

from pathlib import Path

import pytest

from bc.selection import EpisodeSelection
from recorder_app.widgets.episode_selection import EpisodeSelector
from recorder_app.widgets.train_settings import TrainSettingsForm, spin_box
from tests.app.conftest import QT_MARKS

pytestmark = QT_MARKS


def test_the_form_returns_what_it_shows(qtbot):
    form = TrainSettingsForm(EpisodeSelector())
    qtbot.addWidget(form)
    form.preset.setCurrentText("cnn")
    form.epochs.setValue(7)
    form.learning_rate.setValue(0.01)
    form.batch_size.setValue(32)
    form.val_fraction.setValue(0.25)
    form.split.setCurrentText("sample")
    form.seed.setValue(9)
    form.eval_episodes.setValue(0)
    form.device.setCurrentText("cpu")
    chosen = EpisodeSelection(flags=(1,))
    s = form.settings(Path("d.npz"), "CartPole-v1", {"max_episode_steps": 60}, chosen)
    assert (s.dataset, s.env_id, s.env_kwargs) == (
        Path("d.npz"),
        "CartPole-v1",
        {"max_episode_steps": 60},
    )
    assert (s.preset, s.n_epochs, s.batch_size, s.split, s.seed) == ("cnn", 7, 32, "sample", 9)
    assert s.learning_rate == pytest.approx(0.01) and s.train_fraction == pytest.approx(0.75)
    assert (s.eval_episodes, s.device, s.selection) == (0, "cpu", chosen)
    everything = form.settings(Path("d.npz"), "CartPole-v1", {}, EpisodeSelection())
    assert everything.selection is None  # every episode: no selection to apply


def test_spin_box_holds_its_range():
    box = spin_box(2, 5, 3)
    assert (box.minimum(), box.maximum(), box.value()) == (2, 5, 3)
    box.setValue(99)
    assert box.value() == 5


def test_the_settings_fold_behind_a_line_that_sums_them_up(qtbot):
    form = TrainSettingsForm(EpisodeSelector())
    qtbot.addWidget(form)
    form.show()
    assert not form.expanded and not form.epochs.isVisible()  # folded: the plots get the room
    form.epochs.setValue(12)
    form.learning_rate.setValue(0.0005)
    assert "12 epochs" in form.fold.text() and "lr 0.0005" in form.fold.text()
    assert "seed 0" in form.fold.toolTip()  # the whole summary
    folded_height = form.sizeHint().height()
    form.fold.click()
    assert form.expanded and form.epochs.isVisible() and form.device.isVisible()
    assert form.fold.text() == "Settings"
    assert form.sizeHint().height() > folded_height + 100
    form.fold.click()
    assert not form.device.isVisible()
