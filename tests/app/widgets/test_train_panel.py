"""The Train panel: one click trains, plots every epoch, saves and evaluates; Cancel; Watch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PyQt6.QtCore import Qt

import bc
from bc.envs import make_env
from bc.experts import cartpole_balance
from bc.train.policies import Policy
from recorder_app.state import TrainSettings, policy_path_for
from recorder_app.workers.train_worker import TrainJob
from tests.app.conftest import QT_MARKS

pytestmark = QT_MARKS


@pytest.fixture
def cartpole_dataset(app_home: Path) -> Path:
    """Five short CartPole episodes by the balance controller."""
    path = app_home / "expert_cartpole.npz"
    env = make_env("CartPole-v1", render_mode=None, max_episode_steps=60)
    bc.generate_expert_traj(cartpole_balance, str(path), env, n_episodes=5, seed=0)
    env.close()
    return path


def test_one_click_pretrain_plots_every_epoch_saves_and_evaluates(
    open_window, qtbot, cartpole_dataset
):
    win = open_window(env_kwargs={"max_episode_steps": 60}, dataset=cartpole_dataset)
    panel = win.train_panel
    qtbot.waitUntil(lambda: panel.pretrain_button.isEnabled(), timeout=10_000)
    assert panel.human_mean == pytest.approx(60.0)
    panel.epochs.setValue(4)
    panel.eval_episodes.setValue(2)
    with qtbot.waitSignal(panel.evaluated, timeout=60_000) as evaluated:
        qtbot.mouseClick(panel.pretrain_button, Qt.MouseButton.LeftButton)
        assert not panel.pretrain_button.isEnabled() and panel.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: panel.pretrain_button.isEnabled())
    curves = panel.curves
    assert curves.epoch_x == [1, 2, 3, 4] and curves.val_x == [1, 2, 3, 4]
    assert len(curves.batch_x) >= 4 and all(np.isfinite(curves.batch_smoothed))
    assert all(0.0 <= a <= 1.0 for a in curves.val_metric)  # accuracy, a Discrete env
    x, y = panel.val_curve.getData()  # the plot itself received every epoch
    assert list(x) == [1, 2, 3, 4] and np.allclose(y, curves.val_loss)
    path = policy_path_for(cartpole_dataset)
    assert path.is_file() and panel.result is not None and panel.result.path == path
    loaded = Policy.load(path)
    obs = bc.load(cartpole_dataset).obs[:16]
    np.testing.assert_array_equal(loaded.predict(obs)[0], panel.result.policy.predict(obs)[0])
    result = evaluated.args[0]
    assert len(result.returns) == 2
    assert "Policy:" in panel.score_label.text() and "you: 60.0" in panel.score_label.text()
    assert panel.settings().device == "auto"
    panel.device.setCurrentText("cpu")
    assert panel.settings().device == "cpu"


def test_cancel_keeps_and_saves_the_best_weights(open_window, qtbot, cartpole_dataset):
    win = open_window(env_kwargs={"max_episode_steps": 60}, dataset=cartpole_dataset)
    panel = win.train_panel
    qtbot.waitUntil(lambda: panel.pretrain_button.isEnabled(), timeout=10_000)
    panel.epochs.setValue(100_000)
    with qtbot.waitSignal(panel.trained, timeout=60_000) as trained:
        qtbot.mouseClick(panel.pretrain_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: len(panel.curves.epoch_x) >= 2, timeout=30_000)
        qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    result = trained.args[0]
    assert result.cancelled and len(result.history.epochs) < 100_000
    assert result.path.is_file()
    qtbot.waitUntil(lambda: panel.pretrain_button.isEnabled())
    assert not panel.cancel_button.isEnabled()
    # a cancelled run is not evaluated: the panel must not promise it, nor claim 100 %
    assert "Evaluating" not in panel.score_label.text()
    assert "cancelled" in panel.score_label.text()
    assert panel.progress.value() < panel.progress.maximum()


def test_cancel_stops_within_one_batch(qtbot, cartpole_dataset):
    settings = TrainSettings(
        dataset=cartpole_dataset, env_id="CartPole-v1", n_epochs=50, batch_size=8, eval_episodes=0
    )
    job = TrainJob(settings)
    seen = []

    def on_batch(report):  # runs on the training thread, as a click would land mid-batch
        seen.append(report)
        if len(seen) == 3:
            job.cancel()

    job.batch.connect(on_batch, Qt.ConnectionType.DirectConnection)
    with qtbot.waitSignal(job.done, timeout=60_000):
        job.start()
    assert job.wait(5)
    assert len(seen) == 3  # no batch after the one during which Cancel was pressed


def test_watch_lets_the_policy_play_and_the_human_take_over(open_window, qtbot, cartpole_dataset):
    win = open_window(env_kwargs={"max_episode_steps": 60}, dataset=cartpole_dataset)
    panel = win.train_panel
    qtbot.waitUntil(lambda: panel.pretrain_button.isEnabled(), timeout=10_000)
    panel.epochs.setValue(2)
    panel.eval_episodes.setValue(0)
    with qtbot.waitSignal(panel.trained, timeout=60_000):
        panel.pretrain_button.click()
    qtbot.waitUntil(lambda: panel.watch_button.isEnabled())
    panel.watch_button.click()
    qtbot.waitUntil(lambda: win.session.recording.last_status.device == "policy", timeout=10_000)
    qtbot.keyPress(win.view, Qt.Key.Key_Left)
    qtbot.waitUntil(lambda: "took over" in win.session.recording.last_status.device, timeout=10_000)
    qtbot.keyRelease(win.view, Qt.Key.Key_Left)
    qtbot.waitUntil(lambda: win.session.recording.last_status.device == "policy", timeout=10_000)
    panel.watch_button.click()
    qtbot.waitUntil(lambda: win.session.recording.last_status.device == "keyboard", timeout=10_000)


def test_evaluation_reports_each_episode_and_can_be_cancelled(qtbot, cartpole_dataset):
    settings = TrainSettings(
        dataset=cartpole_dataset,
        env_id="CartPole-v1",
        env_kwargs={"max_episode_steps": 60},
        n_epochs=1,
        eval_episodes=50,
    )
    job = TrainJob(settings)
    progress: list[tuple[int, int, float]] = []
    evaluated: list[object] = []

    def on_progress(k: int, n: int, mean: float) -> None:
        progress.append((k, n, mean))
        if k == 3:
            job.cancel()

    job.eval_progress.connect(on_progress)
    job.evaluated.connect(evaluated.append)
    with qtbot.waitSignal(job.done, timeout=60_000):
        job.start()
    assert [p[:2] for p in progress[:3]] == [(1, 50), (2, 50), (3, 50)]
    assert 3 <= len(progress) < 50  # cancel stops between episodes
    (result,) = evaluated
    assert len(result.returns) == len(progress)
    assert result.mean_return == pytest.approx(progress[-1][2])


def test_validation_markers_differ_from_training_ones(qtbot):
    from recorder_app.widgets.train_panel import TrainPanel

    panel = TrainPanel()
    qtbot.addWidget(panel)
    train = panel.train_curve.opts["symbolBrush"]
    val = panel.val_curve.opts["symbolBrush"]
    assert train != val


def test_the_dock_chooses_episodes_and_counts_them_before_training(
    open_window, qtbot, cartpole_dataset
):
    from bc import curation

    curation.label_episodes(cartpole_dataset, [1, 3], add_tags=["expert"], flag=1)
    curation.label_episodes(cartpole_dataset, [4], flag=-1)
    win = open_window(env_kwargs={"max_episode_steps": 60}, dataset=cartpole_dataset)
    panel = win.train_panel
    qtbot.waitUntil(lambda: panel.pretrain_button.isEnabled(), timeout=10_000)
    qtbot.waitUntil(lambda: panel.sel_tag.count() == 2)  # "any tag" and the dataset's one
    assert panel.selection_label.text() == "5 of 5 episodes · 300 steps"
    panel.sel_flag.setCurrentText("good")
    assert panel.selection_label.text() == "2 of 5 episodes · 120 steps"
    panel.sel_flag.setCurrentText("good or unset")
    panel.sel_first_n.setValue(3)
    assert panel.selected_counts() == (3, 180)
    panel.sel_first_n.setValue(0)
    panel.sel_flag.setCurrentText("any flag")
    panel.sel_tag.setCurrentText("expert")
    assert panel.selected_counts() == (2, 120)
    panel.sel_use_return.setChecked(True)
    panel.sel_min_return.setValue(1000.0)
    assert panel.selection_label.text() == "0 of 5 episodes · 0 steps"
    assert not panel.pretrain_button.isEnabled()  # nothing to train on
    panel.sel_use_return.setChecked(False)
    settings = panel.settings()
    assert settings.selection is not None and settings.selection.tags == ("expert",)
    panel.epochs.setValue(1)
    panel.eval_episodes.setValue(0)
    with qtbot.waitSignal(panel.trained, timeout=60_000) as trained:
        qtbot.mouseClick(panel.pretrain_button, Qt.MouseButton.LeftButton)
    assert not trained.args[0].cancelled
    # label changes in the dataset panel update the count
    win.dataset_panel.set_flag(1, [0])
    qtbot.waitUntil(lambda: panel.sel_tag.count() == 2)
    panel.sel_tag.setCurrentText("any tag")
    panel.sel_flag.setCurrentText("good")
    qtbot.waitUntil(lambda: panel.selected_counts() == (3, 180), timeout=20_000)


def test_the_score_line_says_what_to_do_next(open_window, qtbot, cartpole_dataset):
    from bc.train.loop import History
    from recorder_app.state import TrainResult

    win = open_window(env_kwargs={"max_episode_steps": 60}, dataset=cartpole_dataset)
    panel = win.train_panel
    qtbot.waitUntil(lambda: panel.pretrain_button.isEnabled(), timeout=10_000)
    assert panel.score_label.text() == "Click Pretrain to train a policy on the episodes above."
    policy = TrainResult(None, cartpole_dataset.with_suffix(".zip"), History(), False)
    panel.set_policy(policy)  # a policy is here: not "Record a few episodes" any more
    assert panel.score_label.text().startswith("Policy expert_cartpole.zip loaded")
    assert panel.correct_button.isEnabled() and panel.watch_button.isEnabled()
    panel.set_episodes(None)  # the selection changes: the policy's line stays
    assert "loaded" in panel.score_label.text()


def test_no_pretrain_while_recording_into_the_dataset(open_window, qtbot, cartpole_dataset):
    win = open_window(env_kwargs={"max_episode_steps": 60}, dataset=cartpole_dataset)
    panel, rec = win.train_panel, win.session.recording
    qtbot.waitUntil(lambda: panel.pretrain_button.isEnabled(), timeout=10_000)
    with qtbot.waitSignal(rec.recording_changed, timeout=20_000):
        win.actions_by_name["record"].trigger()
    # the episodes being recorded are only in the journal: training now would miss them
    assert not panel.pretrain_button.isEnabled()
    assert panel.pretrain_button.toolTip().startswith("Stop recording first")
    panel.start_training()  # a programmatic click is refused too
    assert not panel.running
    with qtbot.waitSignal(rec.recording_changed, timeout=20_000):
        win.actions_by_name["record"].trigger()
    qtbot.waitUntil(lambda: panel.pretrain_button.isEnabled(), timeout=10_000)
    assert panel.pretrain_button.toolTip() == ""
