"""Recording through the window: keys in, SB2 datasets out; pause, step, discard, end, close."""

from __future__ import annotations

import itertools
import json
import resource
import signal
from pathlib import Path

import numpy as np
import pytest
from PyQt6.QtCore import Qt, QTimer
from PyQt6.QtWidgets import QApplication, QMessageBox

from bc.data.archive import load
from recorder_app.state import COUNTDOWN, PAUSED, RUNNING, WAITING
from tests.app.conftest import QT_MARKS

pytestmark = QT_MARKS
CTRL = Qt.KeyboardModifier.ControlModifier
SHORT_CARTPOLE = {"max_episode_steps": 5}


def shortcut(qtbot, win, key: Qt.Key) -> None:
    """Press Ctrl+key on the window, as a user would."""
    qtbot.keyClick(win, key, CTRL)


def wait_saved(qtbot, win, n: int) -> None:
    qtbot.waitUntil(lambda: len(win.session.recording.saved) >= n, timeout=20_000)


def stop_recording(qtbot, win) -> None:
    with qtbot.waitSignal(win.session.recording.recording_changed, timeout=20_000):
        shortcut(qtbot, win, Qt.Key.Key_R)
    assert not win.session.recording.active


def check_format(path: Path, obs_shape: tuple, obs_dtype, action_shape: tuple, action_kind: str):
    """Check an archive against FORMAT.md; return its arrays."""
    with np.load(path, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    for key in ("obs", "actions", "rewards", "episode_returns", "episode_starts"):
        assert key in arrays
    n, e = len(arrays["rewards"]), len(arrays["episode_returns"])
    assert arrays["obs"].shape == (n, *obs_shape) and arrays["obs"].dtype == obs_dtype
    assert arrays["actions"].shape == (n, *action_shape)
    assert arrays["actions"].dtype.kind == action_kind
    assert arrays["rewards"].dtype == np.float64
    assert arrays["episode_returns"].dtype == np.float64
    starts = arrays["episode_starts"]
    assert starts.dtype == bool and starts[0] and starts.sum() == e
    bounds = np.append(np.flatnonzero(starts), n)
    sums = [arrays["rewards"][a:b].sum() for a, b in itertools.pairwise(bounds)]
    np.testing.assert_allclose(sums, arrays["episode_returns"])
    assert arrays["episode_terminated"].shape == (e,) and arrays["episode_terminated"].dtype == bool
    assert arrays["episode_seeds"].shape == (e,) and arrays["episode_seeds"].dtype == np.int64
    assert arrays["step_times"].shape == (n,)
    final = arrays["episode_final_obs"]
    assert final.shape == (e, *obs_shape) and final.dtype == obs_dtype
    json.loads(str(arrays["metadata"]))
    return arrays


def resimulated_final_obs(data, index: int, env_id: str, **kwargs) -> np.ndarray:
    """Replay episode `index` from its seed and actions; return the last observation."""
    import gymnasium as gym

    env = gym.make(env_id, **kwargs)
    obs, _ = env.reset(seed=int(data.episode_seeds[index]))
    for action in data.actions[data.episode_slice(index)]:
        obs, *_ = env.step(int(action[0]))
    env.close()
    return obs


def test_record_two_cartpole_episodes_with_the_keyboard(open_window, qtbot):
    win = open_window(env_kwargs=SHORT_CARTPOLE, seed=10)
    qtbot.keyPress(win, Qt.Key.Key_Right)  # held all along: every action is "push right"
    with qtbot.waitSignal(win.session.recording.recording_changed, timeout=20_000):
        shortcut(qtbot, win, Qt.Key.Key_R)
    assert win.session.recording.active
    qtbot.waitUntil(lambda: "● REC" in win.hud.text())
    wait_saved(qtbot, win, 2)
    qtbot.keyRelease(win, Qt.Key.Key_Right)
    stop_recording(qtbot, win)
    path = win.session.dataset.path
    assert path == Path.cwd() / "expert_cartpole_v1.npz"
    arrays = check_format(path, (4,), np.float32, (1,), "i")
    data = load(path)
    assert data.n_episodes >= 2
    assert list(data.episode_lengths[:2]) == [5, 5]
    assert np.all(data.actions[:10] == 1)
    assert list(data.episode_returns[:2]) == [5.0, 5.0]
    assert not data.episode_terminated[:2].any()  # ended by max_episode_steps: truncated
    assert list(data.episode_seeds[:2]) == [
        10,
        11,
    ]  # recordings start at --seed, after practice too
    for i in range(2):  # the observation returned with the episode's end
        want = resimulated_final_obs(data, i, "CartPole-v1", **SHORT_CARTPOLE)
        np.testing.assert_array_equal(data.episode_final_obs[i], want)
    assert np.all(np.diff(arrays["step_times"][:5]) > 0)
    meta = data.metadata
    assert meta["env_id"] == "CartPole-v1" and meta["env_kwargs"] == SHORT_CARTPOLE
    assert meta["fps"] == 200 and meta["input_device"]
    # the panel followed along
    qtbot.waitUntil(lambda: win.dataset_panel.table.rowCount() == data.n_episodes)


def test_pause_and_single_step(open_window, qtbot):
    win = open_window(env_id="MountainCar-v0", fps=50)
    session = win.session
    with qtbot.waitSignal(session.recording.paused_changed):
        shortcut(qtbot, win, Qt.Key.Key_P)
    assert session.recording.paused and win.actions_by_name["pause"].isChecked()
    qtbot.waitUntil(lambda: session.recording.last_status.phase == PAUSED)
    assert win.view.overlay() == "Paused"
    with qtbot.waitSignal(session.recording.recording_changed, timeout=20_000):
        shortcut(qtbot, win, Qt.Key.Key_R)  # a fresh episode; recording resumes a user pause
    shortcut(qtbot, win, Qt.Key.Key_P)
    qtbot.waitUntil(
        lambda: (
            session.recording.last_status.phase == PAUSED
            and session.recording.last_status.recording
        )
    )
    start = session.recording.last_status.step
    for i in range(1, 4):
        shortcut(qtbot, win, Qt.Key.Key_Period)
        qtbot.waitUntil(lambda i=i: session.recording.last_status.step == start + i)
    assert session.recording.last_status.phase == PAUSED
    with qtbot.waitSignal(session.recording.episode_saved, timeout=20_000) as blocker:
        shortcut(qtbot, win, Qt.Key.Key_E)  # end now: kept, truncated
    summary = blocker.args[0].summary
    assert summary.length == start + 3 and not summary.terminated
    shortcut(qtbot, win, Qt.Key.Key_P)
    qtbot.waitUntil(lambda: session.recording.last_status.phase == RUNNING)


def wait_question(qtbot, win):
    """The visible question box over the window."""
    found: list[QMessageBox] = []

    def visible() -> bool:
        found[:] = [b for b in win.findChildren(QMessageBox) if b.isVisible()]
        return bool(found)

    qtbot.waitUntil(visible)
    return found[0]


def test_discard_restarts_the_episode_from_the_same_seed(open_window, qtbot):
    win = open_window(env_id="MountainCar-v0", env_kwargs={"max_episode_steps": 40}, seed=100)
    session = win.session
    with qtbot.waitSignal(session.recording.recording_changed, timeout=20_000):
        shortcut(qtbot, win, Qt.Key.Key_R)
    qtbot.waitUntil(
        lambda: session.recording.last_status.recording and session.recording.last_status.step >= 10
    )
    shortcut(qtbot, win, Qt.Key.Key_D)
    box = wait_question(qtbot, win)
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: session.recording.last_status.step < 10)
    wait_saved(qtbot, win, 2)
    stop_recording(qtbot, win)
    data = load(session.dataset.path)
    assert list(data.episode_seeds[:2]) == [100, 101]  # 100 was discarded once, re-recorded
    assert list(data.episode_lengths[:2]) == [40, 40]


def test_discard_asks_first_and_no_keeps_the_episode(open_window, qtbot):
    win = open_window(env_id="MountainCar-v0", env_kwargs={"max_episode_steps": 5000}, seed=7)
    session = win.session
    with qtbot.waitSignal(session.recording.recording_changed, timeout=20_000):
        shortcut(qtbot, win, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: session.recording.last_status.step >= 10)
    shortcut(qtbot, win, Qt.Key.Key_D)
    box = wait_question(qtbot, win)
    assert "Discard the episode" in box.text()
    before = session.recording.last_status.step
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.No), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: session.recording.last_status.step >= before + 20)
    assert not session.recording.saved  # nothing restarted, nothing ended


def test_end_episode_early_keeps_it_as_truncated(open_window, qtbot):
    win = open_window(env_id="MountainCar-v0")
    session = win.session
    with qtbot.waitSignal(session.recording.recording_changed, timeout=20_000):
        shortcut(qtbot, win, Qt.Key.Key_R)
    qtbot.waitUntil(
        lambda: session.recording.last_status.recording and session.recording.last_status.step >= 3
    )
    with qtbot.waitSignal(session.recording.episode_saved, timeout=20_000) as blocker:
        shortcut(qtbot, win, Qt.Key.Key_E)
    summary = blocker.args[0].summary
    assert 3 <= summary.length < 200 and not summary.terminated and summary.index == 0
    stop_recording(qtbot, win)
    data = load(session.dataset.path)
    assert data.episode_lengths[0] == summary.length and not data.episode_terminated[0]
    # ended by the user: the final observation is the one after the last recorded step
    want = resimulated_final_obs(data, 0, "MountainCar-v0")
    np.testing.assert_array_equal(data.episode_final_obs[0], want)


def test_wait_for_input_steps_only_while_a_key_is_held(open_window, qtbot):
    win = open_window(env_id="MountainCar-v0")
    session = win.session
    shortcut(qtbot, win, Qt.Key.Key_I)
    assert win.actions_by_name["wait_for_input"].isChecked()
    with qtbot.waitSignal(session.recording.recording_changed, timeout=20_000):
        shortcut(qtbot, win, Qt.Key.Key_R)
    qtbot.waitUntil(
        lambda: (
            session.recording.last_status.phase == WAITING
            and session.recording.last_status.recording
        )
    )
    assert session.recording.last_status.step == 0
    qtbot.keyPress(win, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: session.recording.last_status.step >= 3)
    qtbot.keyRelease(win, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: session.recording.last_status.phase == WAITING)
    held = session.recording.last_status.step
    # still waiting a few status updates later: no step without input
    seen = session.recording.last_status
    qtbot.waitUntil(lambda: session.recording.last_status is not seen)
    assert session.recording.last_status.step == held and "turn-by-turn" in win.hud.text()


def test_countdown_before_each_recorded_episode(open_window, qtbot):
    win = open_window(countdown=1.0)
    session = win.session
    with qtbot.waitSignal(session.recording.recording_changed, timeout=20_000):
        shortcut(qtbot, win, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: session.recording.last_status.phase == COUNTDOWN)
    assert session.recording.last_status.step == 0
    qtbot.waitUntil(lambda: win.view.overlay() == "1")
    qtbot.waitUntil(lambda: session.recording.last_status.phase == RUNNING, timeout=5_000)
    assert win.view.overlay() == ""


def test_fps_control_sets_the_tick(open_window, qtbot):
    win = open_window(fps=200)
    win.controls.fps_box.setValue(20)
    assert win.session.recording.fps == 20
    qtbot.waitUntil(lambda: win.session.recording.last_status.target_fps == 20)
    shortcut(qtbot, win, Qt.Key.Key_Minus)
    assert win.session.recording.fps == 15 and win.controls.fps_box.value() == 15
    shortcut(qtbot, win, Qt.Key.Key_0)
    assert win.session.recording.fps == 50  # CartPole's render_fps
    win.controls.fps_box.setValue(1)  # slow motion
    qtbot.waitUntil(lambda: win.session.recording.last_status.target_fps == 1)


def test_append_to_an_sb2_file(open_window, qtbot, sb2_cartpole_copy):
    before = load(sb2_cartpole_copy)
    win = open_window(env_kwargs=SHORT_CARTPOLE, dataset=sb2_cartpole_copy)
    qtbot.waitUntil(lambda: win.dataset_panel.table.rowCount() == before.n_episodes)
    assert win.dataset_panel.warning_label.isHidden()
    with qtbot.waitSignal(win.session.recording.recording_changed, timeout=20_000):
        shortcut(qtbot, win, Qt.Key.Key_R)
    wait_saved(qtbot, win, 1)
    stop_recording(qtbot, win)
    after = load(sb2_cartpole_copy)
    assert after.n_episodes >= before.n_episodes + 1
    np.testing.assert_array_equal(after.obs[: before.n_steps], before.obs)
    np.testing.assert_array_equal(after.actions[: before.n_steps], before.actions)
    assert after.episode_starts[before.n_steps]
    assert after.episode_lengths[before.n_episodes] == 5
    with np.load(sb2_cartpole_copy, allow_pickle=False) as f:  # still readable as SB2 reads it
        assert f["obs"].shape[1:] == (4,) and f["actions"].shape[1:] == (1,)


def test_a_dataset_that_does_not_fit_the_env_is_refused_with_a_dialog(open_window, qtbot, app_home):
    import shutil

    from tests.app.conftest import SB2_DATA

    pendulum = app_home / "pendulum.npz"
    shutil.copy(SB2_DATA / "expert_pendulum.npz", pendulum)
    n_before = load(pendulum).n_episodes
    win = open_window(dataset=pendulum)
    qtbot.waitUntil(lambda: win.dataset_panel.warning_label.isVisibleTo(win.dataset_panel))
    assert "Does not fit CartPole-v1" in win.dataset_panel.warning_label.text()
    with qtbot.waitSignal(win.errors.error_shown, timeout=20_000) as blocker:
        shortcut(qtbot, win, Qt.Key.Key_R)
    assert blocker.args[0] == "Cannot record" and "cannot append" in blocker.args[1]
    assert not win.session.recording.active
    step = win.session.recording.last_status.step
    qtbot.waitUntil(lambda: win.session.recording.last_status.step != step)  # still playing
    assert load(pendulum).n_episodes == n_before  # untouched


def _answer_close_question(button: QMessageBox.StandardButton) -> None:
    def answer() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox), box
        assert "Keep what was recorded" in box.text()
        box.button(button).click()

    QTimer.singleShot(0, answer)


@pytest.mark.parametrize("keep", [True, False])
def test_closing_mid_episode_asks_whether_to_keep_it(open_window, qtbot, keep):
    win = open_window(env_id="MountainCar-v0")
    session = win.session
    with qtbot.waitSignal(session.recording.recording_changed, timeout=20_000):
        shortcut(qtbot, win, Qt.Key.Key_R)
    qtbot.waitUntil(
        lambda: session.recording.episode_in_progress and session.recording.last_status.step >= 5
    )
    _answer_close_question(
        QMessageBox.StandardButton.Save if keep else QMessageBox.StandardButton.Discard
    )
    with qtbot.waitSignal(session.recording.closed, timeout=20_000):
        win.close()
    qtbot.waitUntil(lambda: not win.isVisible())
    if keep:
        data = load(session.dataset.path)
        assert data.n_episodes == 1 and not data.episode_terminated[0]
        assert data.episode_lengths[0] >= 5
    else:
        assert not session.dataset.path.exists()


def test_closing_with_cancel_keeps_recording(open_window, qtbot):
    win = open_window(env_id="MountainCar-v0")
    session = win.session
    with qtbot.waitSignal(session.recording.recording_changed, timeout=20_000):
        shortcut(qtbot, win, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: session.recording.episode_in_progress)
    _answer_close_question(QMessageBox.StandardButton.Cancel)
    win.close()
    assert win.isVisible() and session.recording.active and not session.recording.is_closed
    step = session.recording.last_status.step
    qtbot.waitUntil(lambda: session.recording.last_status.step > step)


def test_a_full_disk_shows_a_dialog_and_loses_nothing(open_window, qtbot):
    win = open_window(env_kwargs=SHORT_CARTPOLE)
    session = win.session
    with qtbot.waitSignal(session.recording.recording_changed, timeout=20_000):
        shortcut(qtbot, win, Qt.Key.Key_R)
    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, hard))  # every write past 0 bytes fails
    try:
        with qtbot.waitSignal(session.recording.write_trouble, timeout=20_000) as blocker:
            pass
        # no junk episodes pile up behind the dialog
        qtbot.waitUntil(lambda: session.recording.paused)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, old_handler)
    assert "not saved yet" in blocker.args[0] and "File too large" in blocker.args[0]
    assert session.recording.pause_reason == "cannot save"
    assert win.isVisible() and win.write_trouble.isVisible()
    assert not [t for t, _ in win.errors.history if "save" in t.lower()]  # one dialog, no stack
    ended_before_stop = session.recording.last_status.episode
    win.write_trouble.later_button.click()  # the user closes the dialog, back in the window
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win)
    stop_recording(qtbot, win)  # close() retries every episode kept in memory
    data = load(session.dataset.path)
    assert data.n_episodes >= max(1, ended_before_stop)
    assert np.all(data.episode_lengths[:-1] == 5)
