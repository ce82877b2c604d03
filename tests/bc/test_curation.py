"""Curation: per-episode tags, notes and flags in the file; undo; the shared episode selection."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

import bc
from bc import curation, selection
from bc.cli import main
from bc.data.archive import load
from bc.data.concat import concatenate
from bc.data.editing import delete_episodes
from bc.data.image_checks import check_image_files
from bc.data.schema import SB2_KEYS
from bc.dataset import ExpertDataset
from bc.envs import make_env
from bc.errors import DatasetError
from bc.experts import cartpole_balance
from bc.selection import EpisodeSelection
from tests.tiny_envs import TinyEnv, constant_expert


@pytest.fixture
def five(tmp_path):
    """Five CartPole episodes of lengths 10, 20, ..., 50 (returns equal the lengths)."""
    path = tmp_path / "five.npz"
    for i, n in enumerate((10, 20, 30, 40, 50)):
        env = make_env("CartPole-v1", render_mode=None, max_episode_steps=n)
        bc.generate_expert_traj(cartpole_balance, path, env, n_episodes=1, seed=i, append=i > 0)
        env.close()
    return path


def test_labels_round_trip_and_sb2_keys_stay_untouched(five):
    before = load(five)
    assert list(before.episode_flag) == [0] * 5 and list(before.episode_notes) == [""] * 5
    assert [curation.tags_of(before, i) for i in range(5)] == [[]] * 5
    curation.label_episodes(five, [1, 3], add_tags=["expert", " bad  start "], flag=1)
    curation.label_episodes(five, [3], remove_tags=["bad start"], note="clean run\nno wobble")
    curation.label_episodes(five, [4], flag=-1)
    data = load(five)
    assert list(data.episode_flag) == [0, 1, 0, 1, -1]
    assert curation.tags_of(data, 1) == ["expert", "bad start"]
    assert curation.tags_of(data, 3) == ["expert"]
    assert data.episode_notes[3] == "clean run\nno wobble"
    assert curation.all_tags(data) == ["bad start", "expert"]
    # SB2 sees its five keys exactly as before; the labels are extra keys it ignores
    with np.load(five) as npz:
        assert json.loads(str(npz["episode_tags"][1])) == ["expert", "bad start"]
        assert npz["episode_flag"].dtype == np.int8
        for key in SB2_KEYS:
            np.testing.assert_array_equal(npz[key], before.to_arrays()[key])
    # labels follow their episodes through select, concatenate and delete
    picked = data.select_episodes([3, 1])
    assert list(picked.episode_flag) == [1, 1] and picked.episode_notes[0].startswith("clean")
    joined = concatenate([data, picked])
    assert joined.n_episodes == 7 and list(joined.episode_flag[-2:]) == [1, 1]
    after = delete_episodes(five, [0])
    assert list(after.episode_flag) == [1, 0, 1, -1]


def test_bad_labels_in_a_file_are_reported(five, tmp_path):
    arrays = load(five).to_arrays()
    arrays["episode_tags"] = np.array(['["a"]', "not json", "[]", "[]", "[]"])
    arrays["episode_flag"] = np.array([0, 0, 5, 0, 0], dtype=np.int8)
    bad = tmp_path / "bad.npz"
    np.savez(bad, **arrays)
    with pytest.raises(DatasetError) as err:
        load(bad)
    assert "'episode_tags'[1] is not a JSON list of strings" in str(err.value)
    assert "'episode_flag' must hold only -1, 0 and 1" in str(err.value)
    with pytest.raises(DatasetError, match="flag must be 1, -1 or 0"):
        curation.label_episodes(five, [0], flag=2)
    with pytest.raises(DatasetError, match=r"no episode \[9\]"):
        curation.label_episodes(five, [9], flag=1)


def test_sb2_files_read_with_no_labels(sb2_cartpole):
    data = load(sb2_cartpole)
    assert data.n_episodes > 0 and not data.episode_flag.any()
    assert selection.counts(data, EpisodeSelection()) == (data.n_episodes, data.n_steps)


def test_undo_down_to_an_empty_dataset_that_records_again(tmp_path):
    env = TinyEnv("vector")
    path = tmp_path / "u.npz"
    bc.generate_expert_traj(constant_expert(env), path, env, n_episodes=2, seed=0)
    assert curation.undo_last_episode(path).n_episodes == 1
    empty = curation.undo_last_episode(path)
    assert empty.n_episodes == 0 and load(path).n_steps == 0
    with pytest.raises(DatasetError, match="no episode to undo"):
        curation.undo_last_episode(path)
    bc.generate_expert_traj(constant_expert(env), path, env, n_episodes=1, seed=5, append=True)
    again = load(path)
    assert again.n_episodes == 1 and list(again.episode_seeds) == [5]


def test_selection_filters_combine_then_first_n(five):
    curation.label_episodes(five, [1, 2, 4], add_tags=["expert"])
    curation.label_episodes(five, [2, 3], flag=1)
    curation.label_episodes(five, [4], flag=-1)
    data = load(five)
    pick = selection.selected_indices
    assert pick(data, EpisodeSelection()) == [0, 1, 2, 3, 4]
    assert pick(data, EpisodeSelection(tags=("expert",))) == [1, 2, 4]
    assert pick(data, EpisodeSelection(flags=(1,))) == [2, 3]
    assert pick(data, EpisodeSelection(flags=(0,))) == [0, 1]
    assert pick(data, EpisodeSelection(min_return=30)) == [2, 3, 4]
    assert pick(data, EpisodeSelection(tags=("expert",), min_return=25, first_n=1)) == [2]
    assert pick(data, EpisodeSelection(first_n=2)) == [0, 1]
    assert pick(data, EpisodeSelection(kinds=("demonstration",))) == [0, 1, 2, 3, 4]
    assert pick(data, EpisodeSelection(kinds=("correction",))) == []
    assert selection.counts(data, EpisodeSelection(flags=(1,))) == (2, 70)
    chosen = selection.apply(data, EpisodeSelection(tags=("expert",), flags=(1,)))
    assert chosen.n_episodes == 1 and chosen.n_steps == 30
    with pytest.raises(DatasetError, match=r"no episode matches the selection \(tag nope\)"):
        selection.apply(data, EpisodeSelection(tags=("nope",)))
    assert selection.from_options("expert, x", "good,bad", 3.0, "correction", 4) == (
        EpisodeSelection(("expert", "x"), (1, -1), 3.0, ("correction",), 4)
    )
    with pytest.raises(ValueError, match="unknown flag"):
        selection.from_options(flag="great")


def test_expert_dataset_uses_the_selection(five):
    curation.label_episodes(five, [3, 4], flag=1)
    ds = ExpertDataset(five, verbose=0, train_fraction=1.0, selection=EpisodeSelection(flags=(1,)))
    assert ds.num_traj == 2 and ds.num_transition == 90
    assert list(ds.returns) == [40.0, 50.0]
    ds.close()
    ds = ExpertDataset(
        five,
        verbose=0,
        train_fraction=1.0,
        selection=EpisodeSelection(min_return=20),
        traj_limitation=2,
    )
    assert list(ds.returns) == [20.0, 30.0]
    ds.close()


def test_cli_label_info_and_train_selection(five, tmp_path, capsys):
    assert main(["label", str(five), "--episode", "1,-1", "--flag", "good", "--tag", "expert"]) == 0
    assert main(["label", str(five), "--episode", "2", "--note", "slow start"]) == 0
    capsys.readouterr()
    assert main(["info", str(five), "--episodes"]) == 0
    lines = capsys.readouterr().out.splitlines()
    table = lines[lines.index(next(li for li in lines if li.strip().startswith("episode "))) :]
    assert "flag" in table[0] and "tags / note" in table[0]
    assert table[2].rstrip().endswith("good  expert")
    assert table[3].rstrip().endswith("-     / slow start")
    assert table[5].rstrip().endswith("good  expert")
    out = tmp_path / "p.zip"
    args = ["train", str(five), "--out", str(out), "--epochs", "1", "--train-fraction", "1.0"]
    assert main([*args, "--flag", "good"]) == 0
    assert out.is_file()
    assert main([*args, "--tag", "nope"]) == 1  # no episode left to train on: a failure
    assert "no episode matches the selection (tag nope)" in capsys.readouterr().err
    assert main([*args, "--flag", "great"]) == 2


def test_image_dataset_labels_survive_undo(tmp_path):
    env = TinyEnv("image3")
    path = tmp_path / "img.npz"
    bc.generate_expert_traj(constant_expert(env), path, env, n_episodes=2, seed=0)
    curation.label_episodes(path, [0], add_tags=["keep"], flag=1)
    data = curation.undo_last_episode(path)
    assert data.n_episodes == 1 and curation.tags_of(data, 0) == ["keep"]
    check_image_files(data)
    shutil.rmtree(tmp_path / "img_images")  # the dataset's own image folder


def test_cli_export_scaled_with_captions(five, tmp_path, capsys):
    from PIL import Image

    plain, big = tmp_path / "a.gif", tmp_path / "b.gif"
    assert main(["export", str(five), "--episode", "0", "--out", str(plain)]) == 0
    args = ["export", str(five), "--episode", "0", "--out", str(big), "--scale", "2"]
    assert main([*args, "--captions"]) == 0
    with Image.open(plain) as a, Image.open(big) as b:
        assert b.size[0] == 2 * a.size[0] and b.size[1] > 2 * a.size[1]
    assert main([*args[:-1], "9"]) == 2
    assert "--scale must be 1 to 8" in capsys.readouterr().err
