"""`episode_final_obs`: written by every recorder, kept by load, append, journal merge and delete."""

from __future__ import annotations

import logging

import numpy as np
import pytest

import bc
from bc.data.archive import load
from bc.data.arrays import DatasetArrays
from bc.data.editing import delete_episodes
from bc.data.image_checks import check_image_files
from bc.data.images import read_image
from bc.data.recorder import Recorder
from bc.errors import DatasetError
from tests.bc.test_sb2_compat import sb2_load
from tests.tiny_envs import TinyEnv, constant_expert


def _simulated_finals(obs_kind, act_kind, seeds):
    """The observation TinyEnv returns with each episode's end, played by constant_expert."""
    env = TinyEnv(obs_kind, act_kind)
    expert = constant_expert(env)
    finals = []
    for seed in seeds:
        obs, _ = env.reset(seed=seed)
        done = False
        while not done:
            obs, _, terminated, truncated, _ = env.step(expert(obs))
            done = terminated or truncated
        finals.append(np.asarray(obs))
    return finals


@pytest.mark.parametrize("obs_kind", ["vector", "discrete", "image1", "image3", "image4"])
def test_generate_expert_traj_stores_each_final_observation(tmp_path, obs_kind):
    env = TinyEnv(obs_kind, "box")
    bc.generate_expert_traj(constant_expert(env), tmp_path / "f", env, n_episodes=3, seed=4)
    data = load(tmp_path / "f.npz")
    assert data.has_final_obs and len(data.episode_final_obs) == 3
    expected = _simulated_finals(obs_kind, "box", [4, 5, 6])
    for i, want in enumerate(expected):
        if data.is_image:
            stored = str(data.episode_final_obs[i])
            last_step = data.episode_slice(i).stop - 1
            assert stored == f"f_images/{last_step}_final.png"
            got = read_image(tmp_path / stored)
            np.testing.assert_array_equal(got, want)
        else:
            np.testing.assert_array_equal(data.episode_final_obs[i].reshape(-1), want.reshape(-1))
            assert data.episode_final_obs.dtype == data.obs.dtype
            # the final observation is not the last stored one
            assert not np.array_equal(
                data.episode_final_obs[i], data.obs[data.episode_slice(i)][-1]
            )


def test_end_episode_and_close_without_final_obs_keep_the_last_seen(tmp_path):
    env = TinyEnv("vector")
    rec = Recorder(tmp_path / "r", env.observation_space, env.action_space)
    rows = [np.array([1, i, 2], dtype=np.float32) for i in range(3)]
    for row in rows:
        rec.add_step(row, 1, 1.0)
    rec.end_episode(terminated=False)  # stopped by the user, no final observation given
    rec.add_step(rows[0], 0, 1.0)
    rec.end_episode(True, final_obs=np.array([9, 9, 9], dtype=np.float64))
    rec.add_step(rows[1], 0, 1.0)  # left open: close() keeps it as truncated
    data = rec.close()
    assert data is not None
    np.testing.assert_array_equal(data.episode_final_obs, [rows[2], [9, 9, 9], rows[1]])
    assert data.episode_final_obs.dtype == np.float32  # coerced to the space's dtype


def test_sb2_loading_steps_still_read_the_files(tmp_path):
    env = TinyEnv("vector", "discrete")
    out = bc.generate_expert_traj(constant_expert(env), tmp_path / "s", env, n_episodes=2, seed=0)
    with np.load(tmp_path / "s.npz", allow_pickle=False) as npz:
        assert "episode_final_obs" in npz.files
        assert npz["episode_final_obs"].shape == (2, 3)
    obs, actions, returns, n_traj = sb2_load(tmp_path / "s.npz")
    np.testing.assert_array_equal(obs, out["obs"])
    np.testing.assert_array_equal(actions, out["actions"])
    assert n_traj == 2 and len(returns) == 2


@pytest.mark.parametrize("obs_kind", ["vector", "image3"])
def test_append_journal_merge_and_delete_keep_the_key_consistent(tmp_path, obs_kind):
    env = TinyEnv(obs_kind)
    path = tmp_path / "a.npz"
    bc.generate_expert_traj(constant_expert(env), path, env, n_episodes=2, seed=0)
    rec = Recorder(path, env.observation_space, env.action_space, append=True)
    for seed in (2, 3):
        obs, _ = env.reset(seed=seed)
        rec.start_episode(seed)
        done = False
        while not done:
            rec.add_step(obs, 1, 1.0)
            obs, _, terminated, truncated, _ = env.step(1)
            done = terminated or truncated
        rec.end_episode(terminated, final_obs=obs)
    rec.flush()
    # before the merge, the two new episodes are journal files: load joins them
    mid = load(path)
    assert mid.pending_episodes == 2 and mid.has_final_obs and len(mid.episode_final_obs) == 4
    merged = rec.close()
    assert merged is not None and merged.has_final_obs
    finals = _simulated_finals(obs_kind, "discrete", [0, 1, 2, 3])
    if merged.is_image:
        for stored, want in zip(merged.episode_final_obs, finals, strict=True):
            np.testing.assert_array_equal(read_image(merged.root / str(stored)), want)
    else:
        np.testing.assert_array_equal(merged.episode_final_obs, np.stack(finals))
    after = delete_episodes(path, [1, 2])
    assert after.n_episodes == 2 and len(after.episode_final_obs) == 2
    np.testing.assert_array_equal(after.episode_final_obs, merged.episode_final_obs[[0, 3]])
    if after.is_image:
        assert not (merged.root / str(merged.episode_final_obs[1])).exists()
        check_image_files(after)  # the kept episodes' final images are still there


def test_append_to_a_file_without_the_key_leaves_it_out_with_a_warning(tmp_path, caplog):
    env = TinyEnv("vector")
    path = tmp_path / "old.npz"
    bc.generate_expert_traj(constant_expert(env), path, env, n_episodes=2, seed=0)
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files if k != "episode_final_obs"}
    np.savez(path, **arrays)
    with caplog.at_level(logging.WARNING):
        bc.generate_expert_traj(constant_expert(env), path, env, n_episodes=1, seed=5, append=True)
    data = load(path)
    assert data.n_episodes == 3 and not data.has_final_obs
    with np.load(path) as npz:
        assert "episode_final_obs" not in npz.files
    assert "some episodes have no final observation" in caplog.text
    assert "convert" in caplog.text


def test_final_obs_that_disagree_with_obs_are_reported(tmp_path):
    env = TinyEnv("vector")
    out = bc.generate_expert_traj(constant_expert(env), tmp_path / "b", env, n_episodes=2, seed=0)
    with pytest.raises(DatasetError, match=r"'episode_final_obs' has 1 rows, expected 2"):
        DatasetArrays(**out, episode_final_obs=np.zeros((1, 3), dtype=np.float32))
    with pytest.raises(DatasetError, match=r"'episode_final_obs' is float32 \(4,\), expected rows"):
        DatasetArrays(**out, episode_final_obs=np.zeros((2, 4), dtype=np.float32))


def test_a_missing_final_image_is_named(tmp_path):
    env = TinyEnv("image3")
    bc.generate_expert_traj(constant_expert(env), tmp_path / "m", env, n_episodes=2, seed=0)
    (tmp_path / "m_images" / "6_final.png").unlink()
    with pytest.raises(bc.MissingImagesError, match=r"6_final.png \(episode 1\)"):
        load(tmp_path / "m.npz")


def test_info_says_whether_final_observations_are_stored(tmp_path, capsys, sb2_cartpole):
    import json

    from bc.cli import main

    env = TinyEnv("vector")
    bc.generate_expert_traj(constant_expert(env), tmp_path / "i", env, n_episodes=1, seed=0)
    assert main(["info", str(tmp_path / "i.npz"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["final_obs"] is True
    assert main(["info", str(sb2_cartpole), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["final_obs"] is False
