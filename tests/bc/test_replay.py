"""Replaying episodes: re-simulation from seed + actions, image files, divergence, disagreement, export."""

from __future__ import annotations

import numpy as np
import pytest

import bc
from bc.data.archive import load
from bc.data.arrays import DatasetArrays
from bc.envs import make_env
from bc.errors import BCError
from bc.experts import cartpole_balance
from bc.export import export_frames, rollout_frames
from bc.replay import EpisodeReplay, policy_disagreement
from tests.tiny_envs import TinyEnv, constant_expert


def test_cartpole_replay_reproduces_stored_rewards_and_frames(tmp_path):
    bc.generate_expert_traj(cartpole_balance, tmp_path / "cp", "CartPole-v1", n_episodes=2, seed=3)
    data = load(tmp_path / "cp.npz")
    env = make_env("CartPole-v1")
    replay = EpisodeReplay(data, 1, env)
    assert len(replay) == 500 and replay.seed == 4
    check = replay.check()
    assert check.deterministic and "matches all 500" in check.describe()
    # frames are what the env showed: seeking back and forth gives the same pictures
    f10 = replay.frame(10)
    replay.frame(200)
    assert np.array_equal(replay.frame(10), f10)
    for step in (11, 12, 300, 5):
        replay.frame(step)
        np.testing.assert_allclose(env.unwrapped.state, data.obs[500 + step], rtol=1e-5)
    assert replay.returns[-1] == pytest.approx(data.episode_returns[1])


def test_divergence_is_reported_at_its_step(tmp_path):
    bc.generate_expert_traj(cartpole_balance, tmp_path / "cp", "CartPole-v1", n_episodes=1, seed=0)
    data = load(tmp_path / "cp.npz")
    rewards = data.rewards.copy()
    rewards[37] = 0.5  # as if the env had been non-deterministic there
    changed = DatasetArrays(
        **{**data.sb2_dict(), "rewards": rewards},
        episode_seeds=data.episode_seeds,
        metadata=data.metadata,
    )
    check = EpisodeReplay(changed, 0, make_env("CartPole-v1")).check()
    assert check.diverged_at == 37
    assert check.describe() == "re-simulation diverged at step 37: stored reward 0.5, simulated 1"


def test_sb2_episodes_without_seed_cannot_be_resimulated(sb2_cartpole):
    data = load(sb2_cartpole)
    with pytest.raises(BCError, match="episode 0 has no stored seed"):
        EpisodeReplay(data, 0, make_env("CartPole-v1"))


def test_image_episodes_replay_from_files(tmp_path):
    env = TinyEnv("image3")
    bc.generate_expert_traj(constant_expert(env), tmp_path / "i", env, n_episodes=2, seed=0)
    data = load(tmp_path / "i.npz")
    replay = EpisodeReplay(data, 1)
    assert replay.from_images and len(replay) == 4
    fresh = TinyEnv("image3")
    np.testing.assert_array_equal(replay.frame(0), fresh.reset(seed=1)[0])


def test_policy_disagreement_marks_the_right_steps(tmp_path):
    bc.generate_expert_traj(cartpole_balance, tmp_path / "cp", "CartPole-v1", n_episodes=1, seed=0)
    data = load(tmp_path / "cp.npz")
    space = data.action_space()
    always_left = lambda obs: np.zeros((len(obs), 1), dtype=np.int64)  # noqa: E731
    _, disagree = policy_disagreement(always_left, data, 0, space)
    np.testing.assert_array_equal(disagree, data.actions[:, 0] != 0)
    env = TinyEnv("vector", "box")
    bc.generate_expert_traj(constant_expert(env), tmp_path / "b", env, n_episodes=1, seed=0)
    boxes = load(tmp_path / "b.npz")
    near = lambda obs: np.tile([0.55, -0.5], (len(obs), 1))  # noqa: E731  within 10% of range 2
    far = lambda obs: np.tile([0.5, 0.0], (len(obs), 1))  # noqa: E731
    assert not policy_disagreement(near, boxes, 0, env.action_space)[1].any()
    assert policy_disagreement(far, boxes, 0, env.action_space)[1].all()


@pytest.mark.parametrize("suffix", [".gif", ".mp4"])
def test_export_episode_and_rollout(tmp_path, suffix):
    import imageio.v3 as iio

    env = make_env("CartPole-v1")
    frames = list(rollout_frames(cartpole_balance, env, seed=0, max_steps=20))
    assert len(frames) == 21
    out = export_frames(frames, tmp_path / f"roll{suffix}", fps=20)
    assert out.stat().st_size > 1000
    distinct = [np.full((16, 24, 3), 10 * i, dtype=np.uint8) for i in range(7)]
    out = export_frames(distinct, tmp_path / f"ramp{suffix}", fps=10)
    if suffix == ".gif":
        assert iio.imread(out).shape == (7, 16, 24, 3)
    with pytest.raises(BCError, match="use a .gif or .mp4"):
        export_frames(frames, tmp_path / "x.avi")
