"""The env runner without Qt: a real CartPole, a fake clock, real recording to disk."""

from __future__ import annotations

import numpy as np
import pytest

from bc.data.archive import load
from recorder_app.core.runner import EnvRunner
from recorder_app.core.seeds import EpisodeSeeds
from recorder_app.state import COUNTDOWN, IDLE, PAUSED, RUNNING, WAITING, RecordingRequest

STEPS = 5


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


class Pusher:
    """Always pushes right; `held` says whether a key is down (for turn-by-turn play)."""

    def __init__(self) -> None:
        self.held = True

    def __call__(self, obs):
        return 1

    def has_input(self) -> bool:
        return self.held

    def describe(self, action) -> str:
        return f"push {int(np.asarray(action).reshape(-1)[0])}"


def make_runner(clock: FakeClock, seed: int = 7, countdown: float = 0.0) -> tuple[EnvRunner, list]:
    runner = EnvRunner(fps=50, countdown=countdown, seed=seed, clock=clock)
    events: list = []
    runner.env_opened.connect(lambda info: events.append(("opened", info.env_id)))
    runner.recording_changed.connect(lambda on: events.append(("recording", on)))
    runner.episode_ended.connect(lambda s: events.append(("ended", s)))
    runner.failed.connect(lambda what, m: events.append(("failed", what, m)))
    runner.open_env("CartPole-v1", {"max_episode_steps": STEPS})
    return runner, events


def tick(runner: EnvRunner, clock: FakeClock, n: int = 1) -> int:
    stepped = 0
    for _ in range(n):
        clock.t += runner.period
        stepped += runner.tick(clock.t, clock.t + runner.period)
        runner.frames.take()  # the GUI took the frame
    return stepped


def test_idle_until_an_expert_then_steps_and_describes():
    clock = FakeClock()
    runner, events = make_runner(clock)
    assert events == [("opened", "CartPole-v1")]
    assert runner.phase(clock()) == IDLE and not runner.wants_ticks()
    runner.set_expert(Pusher())
    assert runner.wants_ticks() and runner.phase(clock()) == RUNNING
    assert tick(runner, clock, 3) == 3
    status = runner.status()
    assert status.step == 3 and status.ret == 3.0 and status.action == "push 1"
    assert status.env_id == "CartPole-v1" and not status.recording


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


def test_practice_never_shares_a_seed_with_recordings():
    seeds = EpisodeSeeds(5)
    practice = [seeds.take(recording=False) for _ in range(3)]
    recorded = [seeds.take(recording=True) for _ in range(3)]
    assert recorded == [5, 6, 7]
    assert not set(practice) & set(recorded)


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


def test_the_runner_never_asks_who_plays():
    # an expert's `device` may ask SDL (a pad's name): only the GUI thread may, on pad changes
    class Watched(Pusher):
        reads = 0

        @property
        def device(self) -> str:
            Watched.reads += 1
            return "gamepad: pad"

    clock = FakeClock()
    runner, _ = make_runner(clock)
    runner.set_expert(Watched())
    tick(runner, clock, 2 * STEPS)
    assert Watched.reads == 0 and runner.status().device == ""


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
