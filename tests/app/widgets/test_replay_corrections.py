"""Replay of a correction episode: take-over bands, who drove each step, the policy's proposal."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PyQt6.QtCore import Qt

import bc
from tests.app.conftest import QT_MARKS
from tests.app.dagger_data import make_corrected

pytestmark = QT_MARKS


@pytest.fixture
def corrected_dataset(app_home: Path) -> Path:
    """Two CartPole demonstrations and two HG-DAgger correction episodes (scripted expert)."""
    return make_corrected(app_home / "corrected.npz")


def test_replay_of_a_correction_shows_who_drove_and_the_policy_beside_the_human(
    open_window, qtbot, corrected_dataset
):
    data = bc.load(corrected_dataset)
    index = int(np.flatnonzero(data.episode_kind == "correction")[0])
    rows = data.episode_slice(index)
    took = data.interventions[rows]
    assert took.any() and not took.all()  # the gate took over somewhere, not everywhere
    win = open_window(env_kwargs={"max_episode_steps": 60}, dataset=corrected_dataset)
    qtbot.waitUntil(lambda: win.dataset_panel.table.rowCount() == data.n_episodes, timeout=10_000)
    # a demonstration first: no take-over strip, the plain caption
    win.replay_episode(0)
    panel = win.replay_panel
    qtbot.waitUntil(lambda: panel.check is not None and panel.index == 0, timeout=20_000)
    assert panel.takeovers is None and panel.takeover_strip.isHidden()
    assert "human " in panel.info_label.text() and "in control" not in panel.info_label.text()
    # then the correction
    win.replay_episode(index)
    qtbot.waitUntil(lambda: panel.check is not None and panel.index == index, timeout=20_000)
    assert panel.check.deterministic  # HG episodes replay from their seed
    assert not panel.takeover_strip.isHidden()
    np.testing.assert_array_equal(panel.takeover_strip.marks, took)
    human_step = int(np.flatnonzero(took)[0])
    policy_step = int(np.flatnonzero(~took)[0])
    panel.seek(human_step)
    qtbot.waitUntil(lambda: panel.shown_step == human_step, timeout=10_000)
    text = panel.info_label.text()
    human = panel.describe(int(data.actions[rows][human_step, 0]))
    proposed = panel.describe(int(data.policy_actions[rows][human_step, 0]))
    assert human != proposed  # the gate took over where they disagreed
    assert f"human: {human} · policy: {proposed} · human in control" in text
    assert panel.view.control() == "human"  # the orange border on the frame
    panel.seek(policy_step)
    qtbot.waitUntil(lambda: panel.shown_step == policy_step, timeout=10_000)
    proposed = panel.describe(int(data.policy_actions[rows][policy_step, 0]))
    assert f"human: — · policy: {proposed} · policy in control" in panel.info_label.text()
    assert panel.view.control() == "policy"
    # the strip paints orange bands where the human drove (sampled from the widget)
    strip = panel.takeover_strip
    image = strip.grab().toImage()
    x = int((human_step + 0.5) * strip.width() / len(took))
    assert image.pixelColor(x, strip.height() // 2).red() == 255
    x = int((policy_step + 0.5) * strip.width() / len(took))
    assert image.pixelColor(x, strip.height() // 2).green() == 230
    qtbot.mouseClick(panel.forward_button, Qt.MouseButton.LeftButton)


def test_export_captions_of_a_correction_say_who_drove(open_window, qtbot, corrected_dataset):
    from PIL import Image

    from recorder_app.workers.replay_worker import episode_captions

    data = bc.load(corrected_dataset)
    index = int(np.flatnonzero(data.episode_kind == "correction")[0])
    rows = data.episode_slice(index)
    took = data.interventions[rows]
    n = int(data.episode_lengths[index])
    captions = episode_captions(data, index, n)
    human_step, policy_step = int(np.flatnonzero(took)[0]), int(np.flatnonzero(~took)[0])
    first, second = captions[human_step]
    assert first.endswith("human in control")
    assert second == (
        f"human: {data.actions[rows][human_step, 0]}   "
        f"policy: {data.policy_actions[rows][human_step, 0]}"
    )
    first, second = captions[policy_step]
    assert first.endswith("policy in control") and second.startswith("human: —   policy: ")
    demo = episode_captions(data, 0, 3)  # a demonstration: as before, no control, no policy
    assert demo[0][1] == f"human: {data.actions[0, 0]}" and "control" not in demo[0][0]
    # the panel's export writes every frame of the episode with its caption band
    win = open_window(env_kwargs={"max_episode_steps": 60}, dataset=corrected_dataset)
    qtbot.waitUntil(lambda: win.dataset_panel.table.rowCount() == data.n_episodes, timeout=10_000)
    win.replay_episode(index)
    panel = win.replay_panel
    qtbot.waitUntil(lambda: panel.check is not None and panel.index == index, timeout=20_000)
    panel.export_overlay.setChecked(True)
    target = corrected_dataset.with_name("correction.gif")
    panel.export(target)
    qtbot.waitUntil(lambda: "Exported" in panel.status_label.text(), timeout=60_000)
    with Image.open(target) as gif:
        assert gif.n_frames == n and gif.size[1] > 400  # CartPole's 400 rows plus the band
