"""The runner's recording (core.recording): real recording to disk on a fake clock."""

from __future__ import annotations

import numpy as np

from bc.data.archive import load
from recorder_app.state import RecordingRequest
from tests.app.core.runner_kit import STEPS, FakeClock, Pusher, make_runner, tick


def test_recorded_seeds_start_at_the_seed_whatever_practice_ran(tmp_path):
    clock = FakeClock()
    runner, events = make_runner(clock, seed=7)
    runner.set_expert(Pusher())
    tick(runner, clock, 3 * STEPS)  # three practice episodes
    assert runner.practice_episode == 3
    runner.toggle_recording(RecordingRequest(tmp_path / "d.npz", append=False))
    tick(runner, clock, 2 * STEPS)
    runner.stop_recording()
    data = load(tmp_path / "d.npz")
    assert list(data.episode_seeds[:2]) == [7, 8]
    assert list(data.episode_lengths[:2]) == [STEPS, STEPS]
    assert np.all(data.actions == 1)
    ended = [e[1] for e in events if e[0] == "ended"]
    assert [s.seed for s in ended[:2]] == [7, 8]
    # step times come from the injected clock: one period apart, from 0
    times = data.step_times[:STEPS]
    assert times[0] == 0.0 and np.allclose(np.diff(times), runner.period)


def test_discard_restarts_from_the_same_seed_and_end_keeps_a_truncated_episode(tmp_path):
    clock = FakeClock()
    runner, _ = make_runner(clock, seed=40)
    runner.set_expert(Pusher())
    runner.toggle_recording(RecordingRequest(tmp_path / "r.npz", append=False))
    tick(runner, clock, 2)
    runner.restart_episode()
    assert runner.seed == 40 and runner.status().step == 0
    tick(runner, clock, 2)
    runner.end_episode()
    runner.stop_recording()
    data = load(tmp_path / "r.npz")
    assert list(data.episode_seeds) == [40] and list(data.episode_lengths) == [2]
    assert not data.episode_terminated[0]
