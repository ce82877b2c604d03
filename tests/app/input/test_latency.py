"""Key-to-action latency: measured per step, recorded as `step_latency`, shown in the panel."""

from __future__ import annotations

import math
import time

import gymnasium as gym
import numpy as np
from PyQt6.QtCore import Qt

from bc.data.archive import load
from bc.data.recorder import Recorder
from recorder_app.input import HumanExpert, load_bindings
from recorder_app.input.latency import summarise
from recorder_app.widgets.dataset_panel import totals_text
from tests.app.conftest import QT_MARKS, SB2_DATA
from tests.app.controllers.test_recording import shortcut, stop_recording, wait_saved

CARTPOLE = gym.spaces.Discrete(2)


def _human() -> HumanExpert:
    return HumanExpert(load_bindings("CartPole-v1", CARTPOLE), CARTPOLE)


def test_latency_runs_from_the_earliest_new_input_to_the_step_that_uses_it():
    human = _human()
    human(None)
    assert math.isnan(human.last_latency)  # nothing pressed
    t0 = time.perf_counter()
    human.press("Right", at=t0 - 0.030)
    human.release("Right", at=t0 - 0.010)
    human.press("Left", at=t0 - 0.005)
    assert human(None) == 0
    assert human.last_latency >= 0.030  # the earliest input waited longest
    human(None)
    assert math.isnan(human.last_latency)  # held, but nothing new
    human.press("Left")  # already held: not a new input
    human(None)
    assert math.isnan(human.last_latency)


def test_input_while_not_stepping_is_not_counted():
    human = _human()
    human.press("Right", at=time.perf_counter() - 5.0)  # pressed during a pause
    human.input_idle()  # the runner did not step
    human(None)
    assert math.isnan(human.last_latency)


def test_step_latency_is_an_optional_key_on_disk(tmp_path):
    rec = Recorder(tmp_path / "d.npz", gym.spaces.Box(-1, 1, (2,)), CARTPOLE)
    for i, latency in enumerate([0.012, None, float("nan"), 0.020]):
        rec.add_step(np.zeros(2, np.float32), i % 2, 1.0, latency=latency)
    rec.end_episode(terminated=True)
    rec.close()
    with np.load(tmp_path / "d.npz", allow_pickle=False) as f:
        assert f["step_latency"].dtype == np.float64 and f["step_latency"].shape == (4,)
    data = load(tmp_path / "d.npz")
    np.testing.assert_array_equal(data.step_latency, [0.012, np.nan, np.nan, 0.020])
    summary = summarise(data.step_latency)
    assert summary.n == 2 and summary.median == 0.016
    assert "input latency 16 ms median" in totals_text(data)
    sb2 = load(SB2_DATA / "expert_cartpole.npz")  # SB2's own file: no such key
    assert np.isnan(sb2.step_latency).all() and sb2.step_latency.shape == (sb2.n_steps,)
    assert summarise(sb2.step_latency) is None and "latency" not in totals_text(sb2)


@QT_MARKS[0]
@QT_MARKS[1]
def test_key_presses_through_the_window_are_recorded_with_their_latency(open_window, qtbot):
    win = open_window("CartPole-v1", env_kwargs={"max_episode_steps": 40}, fps=100.0)
    with qtbot.waitSignal(win.session.recording.recording_changed, timeout=20_000):
        shortcut(qtbot, win, Qt.Key.Key_R)
    presses = 0
    for key in (Qt.Key.Key_Right, Qt.Key.Key_Left, Qt.Key.Key_Right):
        st = win.session.recording.last_status
        qtbot.keyPress(win, key)
        qtbot.waitUntil(
            lambda e=st.episode, s=st.step: (
                win.session.recording.last_status.episode > e
                or win.session.recording.last_status.step > s + 2
            )
        )
        qtbot.keyRelease(win, key)
        presses += 2
    wait_saved(qtbot, win, 1)
    stop_recording(qtbot, win)
    data = load(win.session.dataset.path)
    latency = data.episode(0).step_latency
    measured = latency[np.isfinite(latency)]
    assert 1 <= len(measured) <= presses  # one per new input at most; NaN elsewhere
    assert np.all(measured >= 0)
    assert np.isnan(latency).sum() >= len(latency) - presses
    win.session.dataset.reload()
    qtbot.waitUntil(lambda: "input latency" in win.dataset_panel.totals_label.text())


def test_a_release_handing_back_to_the_policy_is_not_counted_at_the_next_takeover():
    from recorder_app.input.takeover import PolicyWithTakeover

    class Zero:
        def predict(self, obs, deterministic=True):
            return 0, None

    human = _human()
    expert = PolicyWithTakeover(Zero(), human)
    human.press("Right")
    assert expert(None) == 1 and expert.last_latency >= 0
    human.release("Right", at=time.perf_counter() - 10.0)  # handed back long ago
    assert expert(None) == 0 and math.isnan(expert.last_latency)  # the policy's step
    human.press("Right")
    expert(None)
    assert expert.last_latency < 1.0  # from this press, not from the old release
