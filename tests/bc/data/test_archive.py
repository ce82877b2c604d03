"""The archive on disk: validation errors, SB2 files, deleting episodes, episode boundaries."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bc
from bc.data.archive import load, save
from bc.data.arrays import DatasetArrays
from bc.data.editing import delete_episodes
from bc.errors import DatasetError, MissingImagesError
from tests.tiny_envs import TinyEnv, constant_expert


def _sb2_arrays(lengths=(3, 2)):
    n = sum(lengths)
    starts = np.zeros(n, dtype=bool)
    starts[np.cumsum((0, *lengths[:-1]))] = True
    return {
        "obs": np.arange(n * 2, dtype=np.float32).reshape(n, 2),
        "actions": (np.arange(n) % 2).reshape(n, 1).astype(np.int64),
        "rewards": np.ones(n),
        "episode_returns": np.array(lengths, dtype=np.float64),
        "episode_starts": starts,
    }


def test_real_sb2_files_load(sb2_cartpole, sb2_pendulum):
    cp = load(sb2_cartpole)
    assert (cp.n_episodes, cp.n_steps) == (100, 49_527)
    assert cp.episode_returns.mean() == pytest.approx(495.27)
    assert cp.metadata == {} and np.all(cp.episode_seeds == -1)
    assert str(cp.action_space()) == "Discrete(2)"
    pe = load(sb2_pendulum)
    assert (pe.n_episodes, pe.n_steps) == (100, 20_000)
    assert pe.action_space().shape == (1,)
    assert np.all(pe.episode_lengths == 200)


def test_hand_built_sb2_file_round_trips(tmp_path):
    arrays = _sb2_arrays()
    np.savez(tmp_path / "h.npz", **arrays)
    data = load(tmp_path / "h")
    assert data.n_episodes == 2 and list(data.episode_lengths) == [3, 2]
    save(tmp_path / "h2", data)
    again = load(tmp_path / "h2.npz")
    for key, value in arrays.items():
        np.testing.assert_array_equal(getattr(again, key), value)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(DatasetError, match=r"nope\.npz: no such file"):
        load(tmp_path / "nope.npz")
    (tmp_path / "d.npz").mkdir()
    with pytest.raises(DatasetError, match=r"is a folder, expected an \.npz archive"):
        load(tmp_path / "d.npz")


def test_corrupt_truncated_and_foreign_files(tmp_path):
    (tmp_path / "text.npz").write_text("hello")
    with pytest.raises(DatasetError, match=r"text\.npz: not an \.npz archive \(does not start"):
        load(tmp_path / "text.npz")
    (tmp_path / "empty.npz").write_bytes(b"")
    with pytest.raises(DatasetError, match=r"not an \.npz archive \(empty file\)"):
        load(tmp_path / "empty.npz")
    np.savez(tmp_path / "full.npz", **_sb2_arrays())
    blob = (tmp_path / "full.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(blob[: len(blob) // 2])
    with pytest.raises(DatasetError, match=r"cut\.npz: .*(corrupt or truncated)"):
        load(tmp_path / "cut.npz")
    np.savez(tmp_path / "foreign.npz", weights=np.zeros(3), bias=np.zeros(1))
    with pytest.raises(
        DatasetError,
        match=r"missing key\(s\) obs, actions, rewards, episode_returns, episode_starts \(found: weights, bias\)",
    ):
        load(tmp_path / "foreign.npz")
    np.save(tmp_path / "single.npy", np.zeros(3))
    (tmp_path / "single.npz").write_bytes((tmp_path / "single.npy").read_bytes())
    with pytest.raises(DatasetError, match="not an .npz archive"):
        load(tmp_path / "single.npz")


def test_pickled_arrays_are_refused_not_unpickled(tmp_path):
    arrays = _sb2_arrays()
    arrays["obs"] = np.array([object()] * 5, dtype=object)
    np.savez(tmp_path / "p.npz", **arrays)
    with pytest.raises(
        DatasetError, match="'obs' holds pickled Python objects; refusing to unpickle"
    ):
        load(tmp_path / "p.npz")


def test_every_problem_of_a_file_is_reported_together(tmp_path):
    arrays = _sb2_arrays()
    arrays["actions"] = arrays["actions"][:-1]
    arrays["episode_starts"] = np.zeros(5, dtype=bool)
    arrays["episode_returns"] = np.zeros(4)
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(DatasetError) as info:
        load(tmp_path / "bad.npz")
    message = str(info.value)
    assert "3 problems" in message
    assert "'actions' has 4 rows but 'obs' has 5" in message
    assert "'episode_starts' must be True at step 0" in message
    assert "'episode_returns' has 4 entries but 'episode_starts' marks 0 episodes" in message
    assert "\n" not in message


def test_bad_metadata_and_extra_lengths(tmp_path):
    arrays = _sb2_arrays()
    np.savez(tmp_path / "m.npz", **arrays, metadata=np.array("{not json"))
    with pytest.raises(DatasetError, match="'metadata' is not valid JSON"):
        load(tmp_path / "m.npz")
    np.savez(tmp_path / "e.npz", **arrays, episode_seeds=np.zeros(7, dtype=np.int64))
    with pytest.raises(DatasetError, match="'episode_seeds' has 7 entries, expected 2"):
        load(tmp_path / "e.npz")


def test_missing_images_are_counted_and_named(tmp_path):
    env = TinyEnv("image3")
    bc.generate_expert_traj(constant_expert(env), tmp_path / "i", env, n_episodes=2, seed=0)
    for step in (1, 4, 5, 6):
        (tmp_path / "i_images" / f"{step}.png").unlink()
    with pytest.raises(
        MissingImagesError,
        match=r"4 of 7 image files missing: i_images/1\.png \(step 1\), "
        r"i_images/4\.png \(step 4\), i_images/5\.png \(step 5\) and 1 more",
    ):
        load(tmp_path / "i.npz")
    assert load(tmp_path / "i.npz", check_images=False).n_steps == 7


def test_sb2_style_cwd_relative_image_paths(tmp_path, monkeypatch):
    """SB2 stored image paths relative to the working directory at record time."""
    env = TinyEnv("image3")
    sub = tmp_path / "run" / "data"
    bc.generate_expert_traj(constant_expert(env), sub / "x", env, n_episodes=1, seed=0)
    data = load(sub / "x.npz")
    rewritten = np.array([f"run/data/{p}" for p in data.obs])
    arrays = data.sb2_dict() | {"obs": rewritten}
    np.savez(sub / "sb2.npz", **arrays)
    monkeypatch.chdir(tmp_path)
    loaded = load(sub / "sb2.npz")
    assert loaded.image_path(0).samefile(sub / "x_images" / "0.png")


def test_delete_episodes_rewrites_and_removes_images(tmp_path):
    env = TinyEnv("image3")
    bc.generate_expert_traj(constant_expert(env), tmp_path / "del", env, n_episodes=3, seed=0)
    data = delete_episodes(tmp_path / "del.npz", [1])
    assert data.n_episodes == 2 and list(data.episode_lengths) == [3, 5]
    np.testing.assert_array_equal(data.episode_seeds, [0, 2])
    names = {p.name for p in (tmp_path / "del_images").glob("*.png")}
    # the deleted episode's final observation (6_final.png) went with its steps
    assert names == {f"{i}.png" for i in [0, 1, 2, 7, 8, 9, 10, 11]} | {
        "2_final.png",
        "11_final.png",
    }
    assert list(data.episode_final_obs) == [
        "del_images/2_final.png",
        "del_images/11_final.png",
    ]
    # recording more never overwrites a kept image
    bc.generate_expert_traj(
        constant_expert(env), tmp_path / "del", env, n_episodes=1, seed=0, append=True
    )
    after = load(tmp_path / "del.npz")
    assert after.obs[-1] == "del_images/14.png"
    assert len(set(after.obs)) == after.n_steps
    with pytest.raises(DatasetError, match=r"no episode \[5\] \(dataset has 3\)"):
        delete_episodes(tmp_path / "del.npz", [5])
    # deleting every episode leaves an empty dataset, which can be recorded into again
    empty = delete_episodes(tmp_path / "del.npz", [0, 1, 2])
    assert empty.n_episodes == 0 and empty.n_steps == 0
    assert load(tmp_path / "del.npz").n_episodes == 0
    assert not any((tmp_path / "recorded_images").glob("*.png"))
    bc.generate_expert_traj(
        constant_expert(env), tmp_path / "del", env, n_episodes=1, seed=0, append=True
    )
    again = load(tmp_path / "del.npz")
    assert again.n_episodes == 1 and again.image_path(0).is_file()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=9), min_size=1, max_size=12), st.data())
def test_episode_boundaries(lengths, draw):
    starts = np.zeros(sum(lengths), dtype=bool)
    starts[np.cumsum([0, *lengths[:-1]])] = True
    data = DatasetArrays(
        obs=np.arange(sum(lengths), dtype=np.float32).reshape(-1, 1),
        actions=np.zeros((sum(lengths), 1), dtype=np.int64),
        rewards=np.ones(sum(lengths)),
        episode_returns=np.array(lengths, dtype=np.float64),
        episode_starts=starts,
    )
    assert list(data.episode_lengths) == lengths
    for i, n in enumerate(lengths):
        sl = data.episode_slice(i)
        assert sl.stop - sl.start == n and starts[sl.start]
        assert data.episode(i).ret == n
    keep = draw.draw(st.lists(st.integers(0, len(lengths) - 1), min_size=1, unique=True))
    sub = data.select_episodes(keep)
    assert list(sub.episode_lengths) == [lengths[i] for i in keep]
    assert sub.episode_starts[0]
    for j, i in enumerate(keep):
        np.testing.assert_array_equal(
            sub.obs[sub.episode_slice(j)], data.obs[data.episode_slice(i)]
        )


def test_metadata_is_plain_json(tmp_path):
    bc.generate_expert_traj(
        lambda o: 0,
        tmp_path / "meta",
        "CartPole-v1",
        n_episodes=1,
        seed=0,
        metadata={"fps": 30, "input": "keyboard"},
    )
    with np.load(tmp_path / "meta.npz", allow_pickle=False) as npz:
        meta = json.loads(str(npz["metadata"]))
    assert meta["env_id"] == "CartPole-v1" and meta["fps"] == 30
    assert meta["action_space"] == {"type": "Discrete", "n": 2, "start": 0}
    assert zipfile.is_zipfile(tmp_path / "meta.npz")
