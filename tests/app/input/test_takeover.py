"""Policy with take-over: who controls each step, the hand-back hold-off, the policy's proposals."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from bc.rollout import EpisodeCollector, HasTakeover, Rollout
from recorder_app.input import HumanExpert, load_bindings
from recorder_app.input.takeover import PolicyWithTakeover
from recorder_app.state import RUNNING, HudStatus
from recorder_app.widgets.hud import badge_for

CARTPOLE = gym.spaces.Discrete(2)


class PushRight:
    def predict(self, obs, deterministic=True):
        return 1, None


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_hold_off_keeps_the_human_in_control_after_release():
    human = HumanExpert(load_bindings("CartPole-v1", CARTPOLE), CARTPOLE)
    clock = Clock()
    expert = PolicyWithTakeover(PushRight(), human, holdoff=0.5, clock=clock)
    assert isinstance(expert, HasTakeover)
    assert expert(None) == 1 and not expert.last_intervention
    human.press("Left")
    assert int(np.asarray(expert(None))) == 0 and expert.last_intervention
    assert expert.last_policy_action == 1  # the policy is asked while the human drives
    human.release("Left")
    clock.now = 0.1
    expert(None)
    assert expert.last_intervention  # within the hold-off: still the human's
    clock.now = 0.4
    expert(None)
    assert expert.last_intervention
    clock.now = 0.7
    assert expert(None) == 1 and not expert.last_intervention  # handed back


def test_a_rollout_records_who_drove_and_what_the_policy_proposed():
    env = gym.make("CartPole-v1")
    human = HumanExpert(load_bindings("CartPole-v1", env.action_space), env.action_space)
    expert = PolicyWithTakeover(PushRight(), human)
    sink = EpisodeCollector(env.observation_space)
    rollout = Rollout(env, expert, sink)
    rollout.reset(0)
    rollout.step()
    human.press("Left")
    rollout.step()
    rollout.step()
    human.release("Left")
    rollout.step()
    rollout.end_episode()
    [ep] = sink.episodes
    assert ep.interventions.tolist() == [False, True, True, False]
    assert ep.policy_actions[:, 0].tolist() == [1, 1, 1, 1]
    assert ep.actions[:, 0].tolist() == [1, 0, 0, 1] and ep.kind == "correction"
    env.close()


@pytest.mark.parametrize(
    ("status", "badge", "style"),
    [
        (HudStatus(phase=RUNNING, control="policy"), "POLICY DRIVING", "policy"),
        (HudStatus(phase=RUNNING, control="human", recording=True), "● REC · YOU HAVE CONTROL",
         "takeover"),
    ],
)  # fmt: skip
def test_badge_says_who_is_in_control(status, badge, style):
    assert badge_for(status) == (badge, style)
