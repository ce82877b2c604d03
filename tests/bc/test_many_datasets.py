"""Many datasets as one: ExpertDataset and train() over several files, and the merge command."""

from __future__ import annotations

import json
import os
from dataclasses import replace

import numpy as np
import pytest
import torch

import bc
from bc import sources
from bc.cli import main
from bc.data.archive import load, save
from bc.errors import DatasetError
from bc.train import TrainConfig, train
from tests.tiny_envs import TinyEnv


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


def _record(tmp_path, name, obs_kind="vector", act_kind="discrete", episodes=3, seed=0):
    env = TinyEnv(obs_kind, act_kind)

    def expert(obs):
        return env.action_space.sample() if act_kind == "box" else 1

    bc.generate_expert_traj(expert, tmp_path / name, env, n_episodes=episodes, seed=seed)
    return tmp_path / f"{name}.npz"


def test_several_files_and_globs_load_as_one_with_each_episode_tagged(tmp_path):
    a = _record(tmp_path, "alice", episodes=3, seed=0)
    b = _record(tmp_path, "bob", episodes=4, seed=10)
    ds = bc.ExpertDataset([a, b], verbose=0, seed=0, train_fraction=0.5)
    assert ds.num_traj == 7
    assert list(ds.episode_source) == ["alice.npz"] * 3 + ["bob.npz"] * 4
    summary = ds.source_summary()
    assert list(summary) == ["alice.npz", "bob.npz"] and summary["bob.npz"][0] == 4
    # episodes stay whole: each episode's rows are all on one side of the split
    train_rows = set(ds.train_indices.tolist())
    for e in range(ds.num_traj):
        rows = set(range(ds.data.n_steps)[ds.data.episode_slice(e)])
        assert rows <= train_rows or not (rows & train_rows)
    globbed = bc.ExpertDataset(str(tmp_path / "*.npz"), verbose=0)
    assert globbed.num_traj == 7 and list(globbed.episode_source[:3]) == ["alice.npz"] * 3
    single = bc.ExpertDataset(a, verbose=0)
    np.testing.assert_array_equal(single.observations, ds.observations[: single.num_transition])
    for d in (ds, globbed, single):
        d.close()


def test_files_that_do_not_match_are_refused_naming_both(tmp_path):
    a = _record(tmp_path, "a", act_kind="discrete")
    b = _record(tmp_path, "b", act_kind="box")
    with pytest.raises(
        DatasetError, match=r"b\.npz has action space Box.*a\.npz has Discrete\(3\)"
    ):
        bc.ExpertDataset([a, b], verbose=0)
    with pytest.raises(DatasetError, match="the pattern matches no file"):
        bc.ExpertDataset(str(tmp_path / "nothing*.npz"), verbose=0)
    c = _record(tmp_path, "c")
    data = load(c)
    meta = dict(data.metadata, env_id="Other-v0")
    save(tmp_path / "d.npz", replace(data, metadata=meta))
    meta_a = load(a).metadata
    if meta_a.get("env_id"):
        with pytest.raises(DatasetError, match="was recorded in"):
            bc.ExpertDataset([a, tmp_path / "d.npz"], verbose=0)


def test_train_takes_several_datasets(tmp_path):
    a = _record(tmp_path, "a", episodes=3)
    b = _record(tmp_path, "b", episodes=3, seed=5)
    result = train([a, b], TrainConfig(epochs=2, device="cpu"), out=tmp_path / "p.zip")
    assert result.path is not None and result.path.is_file()
    record = json.loads((tmp_path / "p.history.json").read_text())
    assert record["config"]["epochs"] == 2 and len(record["history"]["train_loss"]) == 2


def test_merge_writes_one_image_dataset_with_its_own_folder_and_keeps_the_inputs(tmp_path):
    a = _record(tmp_path, "a", obs_kind="image3", episodes=2)
    b = _record(tmp_path, "b", obs_kind="image3", episodes=3, seed=7)
    before = {p: p.read_bytes() for p in (a, b)}
    inputs = [load(a), load(b)]
    out = tmp_path / "merged" / "all.npz"
    out.parent.mkdir()
    assert main(["merge", str(a), str(b), "--out", str(out)]) == 0
    merged = load(out)
    assert merged.n_episodes == 5 and list(merged.episode_source) == ["a.npz"] * 2 + ["b.npz"] * 3
    assert all(str(p).startswith("all_images/") for p in merged.obs)
    frames = merged.image_paths()
    assert all(p.parent == out.parent / "all_images" for p in frames)
    originals = inputs[0].image_paths() + inputs[1].image_paths()
    assert len(frames) == len(originals)
    for new, old in zip(frames, originals, strict=True):
        assert old.is_file() and new.read_bytes() == old.read_bytes()
        assert os.stat(new).st_ino == os.stat(old).st_ino  # hard-linked, not moved
    assert {p: p.read_bytes() for p in (a, b)} == before
    again = tmp_path / "merged" / "again.npz"
    assert main(["merge", str(out), str(a), "--out", str(again), "--copy"]) == 0
    twice = load(again)
    assert list(twice.episode_source) == ["a.npz"] * 2 + ["b.npz"] * 3 + ["a.npz"] * 2
    assert os.stat(twice.image_paths()[0]).st_ino != os.stat(frames[0]).st_ino  # copied
    # an existing output is refused, nothing changes
    assert main(["merge", str(a), str(b), "--out", str(out)]) == 1
    assert load(out).n_episodes == 5


def test_merge_refuses_an_existing_image_folder(tmp_path):
    a = _record(tmp_path, "a", obs_kind="image3", episodes=2)
    (tmp_path / "new_images").mkdir()
    (tmp_path / "new_images" / "keep.txt").write_text("someone else's")
    with pytest.raises(DatasetError, match="image folder .* already exists"):
        sources.merge([a], tmp_path / "new.npz")
    assert not (tmp_path / "new.npz").exists()
    assert (tmp_path / "new_images" / "keep.txt").read_text() == "someone else's"
