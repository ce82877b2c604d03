"""The first-input gate (core.input_gate): a recorded episode waits for the human's input."""

from __future__ import annotations

from bc.data.archive import load
from recorder_app.state import WAITING, RecordingRequest
from tests.app.core.runner_kit import STEPS, FakeClock, Pusher, make_runner, tick


def test_start_on_first_key_press_and_no_held_key_into_the_next_episode(tmp_path):
    clock = FakeClock()
    runner, events = make_runner(clock, countdown=3.0)
    pusher = Pusher()
    pusher.held = False
    runner.set_expert(pusher)
    runner.set_start_on_input(True)
    runner.toggle_recording(RecordingRequest(tmp_path / "k.npz", append=False))
    # the env waits at its first frame (no countdown: the key press is the start signal)
    assert runner.phase(clock()) == WAITING and tick(runner, clock, 5) == 0
    pusher.held = True  # first key press: the episode starts
    assert tick(runner, clock, STEPS) == STEPS
    assert any(e[0] == "ended" for e in events)
    # the key is still held as the next episode begins: it must be let go first
    assert runner.status().step == 0 and tick(runner, clock, 3) == 0
    pusher.held = False
    assert tick(runner, clock, 2) == 0  # released: waiting for a new press
    pusher.held = True
    assert tick(runner, clock, 2) == 2
    runner.stop_recording()


def test_turn_by_turn_held_key_does_not_run_into_the_next_episode(tmp_path):
    clock = FakeClock()
    runner, _events = make_runner(clock)
    pusher = Pusher()
    runner.set_expert(pusher)
    runner.set_wait_for_input(True)
    pusher.held = False
    runner.toggle_recording(RecordingRequest(tmp_path / "t.npz", append=False))
    tick(runner, clock)
    pusher.held = True
    assert tick(runner, clock, STEPS) == STEPS  # held all along: the whole episode
    assert tick(runner, clock, 3) == 0  # still held: the next episode does not start
    pusher.held = False
    tick(runner, clock)
    pusher.held = True
    assert tick(runner, clock, 2) == 2
    runner.stop_recording(keep_partial=False)
    data = load(tmp_path / "t.npz")
    assert data.n_episodes == 1  # the partial second episode was dropped on stop


def test_a_policy_never_waits_for_a_key(tmp_path):
    clock = FakeClock()
    runner, _ = make_runner(clock)
    runner.set_expert(lambda obs: 0)
    runner.set_start_on_input(True)
    runner.toggle_recording(RecordingRequest(tmp_path / "p.npz", append=False))
    assert tick(runner, clock, 3) == 3
    runner.stop_recording()
