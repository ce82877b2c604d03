"""Hole 2 and `bc delete`: deleting episodes unlinks only frames in the dataset's own folder."""

from __future__ import annotations

import os

import numpy as np
import pytest

import bc
from bc.data.archive import load
from bc.data.editing import delete_episodes
from tests.safety.conftest import one_line_error, run_bc
from tests.tiny_envs import TinyEnv


def _image_dataset(folder, n_episodes=3):
    env = TinyEnv("image3")
    path = folder / "img.npz"
    bc.generate_expert_traj(lambda o: 1, path, env, n_episodes=n_episodes, seed=0)
    return path


def _point_episode_at(path, episode, targets):
    """Rewrite the obs of one episode so its image paths name `targets` (a hostile file)."""
    data = load(path)
    obs = data.obs.astype(object)
    rows = range(data.n_steps)[data.episode_slice(episode)]
    for row, target in zip(rows, targets, strict=False):
        obs[row] = target
    arrays = data.to_arrays() | {"obs": np.array(obs.tolist())}
    np.savez(path, **arrays)


@pytest.mark.parametrize("how", ["app", "cli"])
def test_delete_never_unlinks_files_outside_the_image_folder(tmp_path, victims, how):
    path = _image_dataset(tmp_path)
    own = load(path).image_paths()[0].parent
    link = own / "999.png"
    os.symlink(victims[1], link)  # a symlink in the folder leads out of it
    hostile = ["victim.txt", "../victim.txt", str(victims[1]), f"{own.name}/999.png"]
    # victim.txt sits beside the archive; the rest climb out of or link out of the folder
    _point_episode_at(path, 1, hostile)
    if how == "app":
        delete_episodes(path, [1])  # what the app's Delete episode runs
    else:
        proc = run_bc("delete", path, "1")
        assert proc.returncode == 0, proc.stderr
    assert all(v.read_text() == "precious" for v in victims)
    assert link.is_symlink()
    data = load(path)
    assert data.n_episodes == 2 and list(data.episode_seeds) == [0, 2]
    # the frames of kept episodes are all still there
    assert all(p.is_file() for p in data.image_paths())


def test_delete_removes_the_deleted_episodes_own_frames(tmp_path):
    path = _image_dataset(tmp_path)
    before = load(path)
    gone = [before.image_path(i) for i in range(before.n_steps)[before.episode_slice(1)]]
    finals = [before.root / str(p) for p in before.episode_final_obs]
    assert all(p.is_file() for p in finals)
    proc = run_bc("delete", path, "1", "2")
    assert proc.returncode == 0, proc.stderr
    assert "3 -> 1 episodes" in proc.stdout
    assert not any(p.exists() for p in gone)
    # the final-observation frames (`<n>_final.png`) go with their episodes, and only theirs
    assert finals[0].is_file() and not finals[1].exists() and not finals[2].exists()
    assert load(path).n_episodes == 1


def test_delete_command_errors_are_one_line(tmp_path):
    path = _image_dataset(tmp_path, 2)
    assert "no episode [7]" in one_line_error(run_bc("delete", path, "7"))
    assert "no such file" in one_line_error(run_bc("delete", tmp_path / "none.npz", "0"))
    assert load(path).n_episodes == 2
