"""Hole 5: each image dataset has its own folder; no frame is overwritten; `check` sees it."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

import bc
from bc.data.images import read_image, write_image
from bc.data.recorder import Recorder
from bc.errors import BCError
from tests.safety.conftest import run_bc
from tests.tiny_envs import TinyEnv


def _frames(path):
    data = bc.load(path)
    return [read_image(p) for p in data.image_paths()]


def test_two_datasets_in_one_folder_keep_their_own_frames(tmp_path):
    env = TinyEnv("image3")
    bc.generate_expert_traj(lambda o: 1, tmp_path / "a", env, n_episodes=2, seed=0)
    frames_a = _frames(tmp_path / "a.npz")
    bc.generate_expert_traj(lambda o: 1, tmp_path / "b", env, n_episodes=2, seed=7)
    after = _frames(tmp_path / "a.npz")
    assert all(np.array_equal(x, y) for x, y in zip(frames_a, after, strict=True))
    assert (tmp_path / "a_images").is_dir() and (tmp_path / "b_images").is_dir()
    proc = run_bc("check", tmp_path / "a.npz")
    assert proc.returncode == 0, proc.stderr


def test_a_folder_holding_another_datasets_frames_is_refused(tmp_path):
    env = TinyEnv("image3")
    bc.generate_expert_traj(lambda o: 1, tmp_path / "a", env, n_episodes=1, seed=0)
    folder = bc.load(tmp_path / "a.npz").image_path(0).parent  # a's own image folder
    before = sorted(p.name for p in folder.iterdir())
    with pytest.raises(BCError, match=rf"{folder.name} holds the frames of a\.npz"):
        Recorder(tmp_path / "b", env.observation_space, env.action_space, image_folder=folder)
    assert sorted(p.name for p in folder.iterdir()) == before
    assert not (tmp_path / "b.npz.lock").exists()  # the refused writer let go of its lock


def test_check_detects_frames_that_do_not_match(tmp_path):
    env = TinyEnv("image3")
    bc.generate_expert_traj(lambda o: 1, tmp_path / "a", env, n_episodes=2, seed=0)
    # another dataset's frame (a valid PNG of the right size) lands on one of a's files
    write_image(tmp_path / "other.png", np.full((6, 8, 3), 99, dtype=np.uint8))
    shutil.copy(tmp_path / "other.png", bc.load(tmp_path / "a.npz").image_path(4))
    proc = run_bc("check", tmp_path / "a.npz")
    assert proc.returncode == 1
    assert "1 of 7 frame files differ" in proc.stderr and "_images/4.png (step 4)" in proc.stderr


def test_check_detects_final_observation_frames_that_do_not_match(tmp_path):
    env = TinyEnv("image3")
    bc.generate_expert_traj(lambda o: 1, tmp_path / "a", env, n_episodes=2, seed=0)
    data = bc.load(tmp_path / "a.npz")
    assert data.has_final_obs and data.episode_final_crc32.size == 2
    final = data.root / str(data.episode_final_obs[1])
    assert final.name.endswith("_final.png") and final.parent.name == "a_images"
    assert run_bc("check", tmp_path / "a.npz").returncode == 0
    write_image(tmp_path / "other.png", np.full((6, 8, 3), 99, dtype=np.uint8))
    shutil.copy(tmp_path / "other.png", final)
    proc = run_bc("check", tmp_path / "a.npz")
    assert proc.returncode == 1
    assert "1 of 2 final-observation frame files differ" in proc.stderr
    assert f"{final.name} (episode 1)" in proc.stderr


def test_sb2_style_recorded_images_keep_loading_and_appending(tmp_path):
    folder = tmp_path / "recorded_images"
    folder.mkdir()
    paths = []
    for i in range(4):
        write_image(folder / f"{i}.png", np.full((6, 8, 3), i, dtype=np.uint8))
        paths.append(f"recorded_images/{i}.png")
    np.savez(
        tmp_path / "sb2.npz",
        obs=np.array(paths),
        actions=np.ones((4, 1), dtype=np.int64),
        rewards=np.ones(4),
        episode_returns=np.array([2.0, 2.0]),
        episode_starts=np.array([True, False, True, False]),
    )
    assert bc.load(tmp_path / "sb2.npz").n_episodes == 2
    env = TinyEnv("image3")
    bc.generate_expert_traj(lambda o: 1, tmp_path / "sb2", env, n_episodes=1, seed=0, append=True)
    data = bc.load(tmp_path / "sb2.npz")
    assert data.n_episodes == 3 and str(data.obs[-1]).startswith("recorded_images/")
    assert read_image(folder / "0.png")[0, 0, 0] == 0  # old frames untouched
