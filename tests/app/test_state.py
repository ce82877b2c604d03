"""The value types widgets display: a dataset summary grows by one episode without a reload."""

from __future__ import annotations

import numpy as np

import bc
from bc.data.trajectory import EpisodeSummary
from recorder_app.state import DatasetSummary, EnvInfo, SavedEpisode
from tests.tiny_envs import TinyEnv, constant_expert


def test_a_summary_with_one_more_episode_equals_the_reloaded_file(tmp_path):
    env = TinyEnv("vector", "box")
    path = tmp_path / "s.npz"
    bc.generate_expert_traj(constant_expert(env), path, env, n_episodes=2, seed=2)
    before = DatasetSummary.of(bc.load(path))
    bc.generate_expert_traj(constant_expert(env), path, env, n_episodes=1, seed=5, append=True)
    after = bc.load(path)
    last = after.episode(2)
    saved = SavedEpisode(
        EpisodeSummary(2, last.length, last.ret, last.terminated, last.seed),
        last.actions,
        float(after.episode_created[2]),
    )
    grown = before.with_episode(saved)
    assert grown.rows == DatasetSummary.of(after).rows
    np.testing.assert_array_equal(grown.actions, after.actions)
    assert grown.n_episodes == 3 and grown.n_steps == after.n_steps
    np.testing.assert_allclose(grown.episode_returns, after.episode_returns)


def test_env_info_says_image_and_discrete():
    info = EnvInfo("Tiny", {}, TinyEnv("image3").observation_space, TinyEnv().action_space, 30.0)
    assert info.is_image and info.discrete
    box = EnvInfo(
        "Tiny", {}, TinyEnv().observation_space, TinyEnv("vector", "box").action_space, None
    )
    assert not box.is_image and not box.discrete
