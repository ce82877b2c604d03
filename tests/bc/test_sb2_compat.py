"""Our files through SB2's loading steps.

SB2 (TensorFlow 1) cannot be installed here, so these tests replay, step by step, what SB2's
`ExpertDataset.__init__` and `DataLoader._make_batch_element` do with a file (numpy and OpenCV
calls only), from the dataset's folder as SB2 requires.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

import bc
from tests.tiny_envs import TinyEnv, constant_expert


def sb2_load(path):
    """The array handling of SB2's ExpertDataset.__init__ (traj_limitation=-1)."""
    traj_data = np.load(path, allow_pickle=True)
    episode_starts = traj_data["episode_starts"]
    observations = traj_data["obs"][: len(traj_data["obs"])]
    actions = traj_data["actions"][: len(traj_data["obs"])]
    if len(observations.shape) > 2:
        observations = np.reshape(observations, [-1, np.prod(observations.shape[1:])])
    if len(actions.shape) > 2:
        actions = np.reshape(actions, [-1, np.prod(actions.shape[1:])])
    returns = traj_data["episode_returns"]
    assert len(observations) == len(actions)
    return observations, actions, returns, int(np.sum(episode_starts))


def sb2_image(path):
    """SB2's DataLoader._make_batch_element."""
    image = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if len(image.shape) == 2:
        image = image[:, :, np.newaxis]
    if image.shape[-1] == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    return image.reshape((1, *image.shape))


@pytest.mark.parametrize("obs_kind", ["vector", "discrete"])
def test_vector_files_load_in_sb2(tmp_path, obs_kind):
    env = TinyEnv(obs_kind, "box")
    out = bc.generate_expert_traj(constant_expert(env), tmp_path / "x", env, n_episodes=3, seed=0)
    obs, actions, returns, n_traj = sb2_load(tmp_path / "x.npz")
    np.testing.assert_array_equal(obs, out["obs"])
    np.testing.assert_array_equal(actions, out["actions"])
    assert n_traj == 3 and len(returns) == 3
    assert sum(returns) / len(returns) == pytest.approx(out["episode_returns"].mean())


@pytest.mark.parametrize("obs_kind", ["image1", "image3", "image4"])
def test_image_files_load_in_sb2(tmp_path, monkeypatch, obs_kind):
    env = TinyEnv(obs_kind)
    bc.generate_expert_traj(constant_expert(env), tmp_path / "img", env, n_episodes=2, seed=0)
    monkeypatch.chdir(tmp_path)  # SB2 resolves image paths against the working directory
    obs, _, _, _ = sb2_load("img.npz")
    batch = np.concatenate([sb2_image(p) for p in obs[:4]], axis=0)
    replay = TinyEnv(obs_kind)
    frames = [replay.reset(seed=0)[0]] + [replay.step(1)[0] for _ in range(2)]
    frames.append(replay.reset(seed=1)[0])
    np.testing.assert_array_equal(batch, np.stack(frames))
