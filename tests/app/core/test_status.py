"""The runner's heads-up status (core.status): what it shows and what it never asks."""

from __future__ import annotations

import numpy as np

from recorder_app.core.status import control_of, describe_action
from recorder_app.state import IDLE, RUNNING
from tests.app.core.runner_kit import STEPS, FakeClock, Pusher, make_runner, tick


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


class TakeOver:
    """A policy-driven expert the human took over at the last step, or not."""

    def __init__(self, human: bool) -> None:
        self.last_intervention = human
        self.last_policy_action = 0

    def __call__(self, obs):
        return 0


def test_actions_read_as_the_expert_names_them_else_as_numbers():
    assert describe_action(Pusher(), np.array([1])) == "push 1"
    assert describe_action(lambda obs: 0, np.int64(3)) == "3"
    assert describe_action(None, np.array([0.5, -1.0])) == "[ 0.5 -1. ]"


def test_control_says_who_drives_a_policy_that_can_be_taken_over():
    assert control_of(Pusher()) == ""  # the human plays: no take-over to show
    assert control_of(TakeOver(human=False)) == "policy"
    assert control_of(TakeOver(human=True)) == "human"


class ScriptedTakeover:
    """A policy pushing right that a scripted "human" takes over at some steps (HasTakeover)."""

    def __init__(self, human_steps: set[int]) -> None:
        self.human_steps = human_steps
        self.calls = 0
        self.last_intervention = False
        self.last_policy_action = None

    def __call__(self, obs):
        self.last_policy_action = 1
        self.last_intervention = self.calls in self.human_steps
        self.calls += 1
        return 0 if self.last_intervention else 1


def test_status_publishes_the_open_episodes_take_over_runs(tmp_path):
    from bc.data.archive import load
    from recorder_app.core.runner import EnvRunner
    from recorder_app.state import RecordingRequest

    clock = FakeClock()
    runner = EnvRunner(fps=50, countdown=0.0, seed=3, clock=clock)
    runner.open_env("CartPole-v1", {"max_episode_steps": 8})
    runner.set_expert(ScriptedTakeover({1, 2, 5}))
    path = tmp_path / "c.npz"
    runner.toggle_recording(RecordingRequest(path, append=False))
    seen = []
    for _ in range(7):
        tick(runner, clock)
        status = runner.status()
        seen.append((status.step, status.control, status.takeover_runs))
    assert seen[0] == (1, "policy", ())
    assert seen[2] == (3, "human", ((1, 3),))
    assert seen[3] == (4, "policy", ((1, 3),))
    assert seen[6] == (7, "policy", ((1, 3), (5, 6)))
    tick(runner, clock)  # step 8 ends the episode: a new one starts with no runs
    assert runner.status().takeover_runs == () and runner.status().step == 0
    runner.stop_recording()
    data = load(path)
    took = data.interventions[data.episode_slice(0)]
    assert np.flatnonzero(took).tolist() == [1, 2, 5]  # the file says what the status said
