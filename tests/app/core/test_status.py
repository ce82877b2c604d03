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
