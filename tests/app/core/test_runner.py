"""The env runner without Qt: a real CartPole, a fake clock; ticks, pause, countdown, frames."""

from __future__ import annotations

import pytest

from bc.data.archive import load
from recorder_app.state import COUNTDOWN, PAUSED, WAITING, RecordingRequest
from tests.app.core.runner_kit import FakeClock, Pusher, make_runner, tick


def test_countdown_then_running_on_the_fake_clock(tmp_path):
    clock = FakeClock()
    runner, _ = make_runner(clock, countdown=2.0)
    runner.set_expert(Pusher())
    runner.toggle_recording(RecordingRequest(tmp_path / "c.npz", append=False))
    assert runner.phase(clock()) == COUNTDOWN
    assert tick(runner, clock, 10) == 0  # 10 ticks of 20 ms: still counting down
    assert runner.status().countdown == pytest.approx(2.0 - 10 * runner.period)
    clock.t += 2.0
    assert tick(runner, clock) == 1
    runner.shutdown(keep_partial=True)
    assert not runner.alive
    assert load(tmp_path / "c.npz").n_episodes == 1


def test_pause_single_step_and_turn_by_turn():
    clock = FakeClock()
    runner, _ = make_runner(clock)
    pusher = Pusher()
    runner.set_expert(pusher)
    runner.toggle_pause()
    assert runner.phase(clock()) == PAUSED and not runner.wants_ticks()
    runner.step_once()
    assert tick(runner, clock) == 1 and runner.status().step == 1
    assert not runner.wants_ticks()
    runner.toggle_pause()
    runner.set_wait_for_input(True)
    pusher.held = False
    assert runner.phase(clock()) == WAITING and tick(runner, clock) == 0
    pusher.held = True
    assert tick(runner, clock) == 1


def test_an_expert_that_raises_pauses_with_one_failure():
    clock = FakeClock()
    runner, events = make_runner(clock)

    def broken(obs):
        raise RuntimeError("boom")

    runner.set_expert(broken)
    assert tick(runner, clock) == 0
    assert runner.paused and runner.pause_reason == "error"
    failures = [e for e in events if e[0] == "failed"]
    assert len(failures) == 1 and failures[0][1] == "The env failed" and "boom" in failures[0][2]


def test_frames_are_newest_wins():
    clock = FakeClock()
    runner, _ = make_runner(clock)
    shown = []
    runner.frame_ready.connect(lambda: shown.append(1))
    runner.set_expert(Pusher())
    runner.frames.take()  # the GUI took the first frame
    for _ in range(5):  # the GUI takes nothing: one notification, four dropped frames
        clock.t += runner.period
        runner.tick(clock.t, clock.t + runner.period)
    assert len(shown) == 1 and runner.frames.dropped >= 4
