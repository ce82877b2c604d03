"""The one expert-step-record loop shared by recording, evaluation and the app's runner."""

from __future__ import annotations

import numpy as np
import pytest

from bc.errors import ExpertError
from bc.rollout import Describes, EpisodeCollector, Expert, HasInput, Rollout, as_expert
from tests.tiny_envs import ACT_KINDS, TinyEnv, constant_expert


@pytest.mark.parametrize("act_kind", ACT_KINDS)
def test_an_episode_is_stepped_and_collected_with_its_end_kind(act_kind):
    env = TinyEnv("vector", act_kind)
    collector = EpisodeCollector(env.observation_space)
    rollout = Rollout(env, constant_expert(env), collector)
    for seed in (2, 3):  # 2: 5 steps, terminated; 3: 6 steps, truncated
        last = rollout.run_episode(seed)
        assert last.done and last.summary is not None
        assert last.summary.seed == seed and last.summary.length == rollout.length
    first, second = collector.episodes
    assert (first.length, first.terminated) == (5, True)
    assert (second.length, second.terminated) == (6, False)
    assert first.obs[0, 0] == 2 and list(first.obs[:, 1]) == [0, 1, 2, 3, 4]
    assert rollout.ret == pytest.approx(second.ret)


def test_without_a_sink_it_only_counts():
    env = TinyEnv()
    rollout = Rollout(env, lambda obs: 2)
    last = rollout.run_episode(0)
    assert last.summary is None and last.terminated
    assert rollout.length == 3 and rollout.ret == 9.0
    with pytest.raises(ExpertError, match="records nothing"):
        rollout.end_episode()


def test_a_bad_action_or_a_failing_expert_is_an_expert_error():
    env = TinyEnv()
    rollout = Rollout(env, lambda obs: 7)
    rollout.reset(0)
    with pytest.raises(ExpertError, match="invalid action"):
        rollout.step()

    def broken(obs):
        raise RuntimeError("sensor unplugged")

    rollout.expert = broken
    # the message gives what the expert was handed, so an expert for another env shows it
    with pytest.raises(ExpertError, match=r"shape \(3,\).*Discrete\(3\).*sensor unplugged"):
        rollout.step()


def test_as_expert_reads_predict_and_passes_deterministic():
    calls = []

    class Model:
        def predict(self, obs, deterministic=False):
            calls.append(deterministic)
            return 1, None

    assert as_expert(Model(), deterministic=True)(None) == 1
    assert as_expert(Model())(None) == 1
    assert calls == [True, False]
    with pytest.raises(ExpertError, match="callable"):
        as_expert(42)


def test_optional_methods_are_protocols():
    class Person:
        def __call__(self, obs):
            return 0

        def has_input(self) -> bool:
            return True

        def describe(self, action) -> str:
            return "left"

    person, script = Person(), (lambda obs: 0)
    assert isinstance(person, Expert) and isinstance(script, Expert)
    assert isinstance(person, HasInput) and isinstance(person, Describes)
    assert not isinstance(script, HasInput) and not isinstance(script, Describes)
    assert np.asarray(Rollout(TinyEnv(), person).expert(None)) == 0
