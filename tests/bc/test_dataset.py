"""ExpertDataset: SB2's API on real and hand-built files, traj_limitation, splits, bad input."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bc
from bc.envs import make_env
from bc.errors import BCError, DatasetError, MissingImagesError, SpaceMismatchError
from tests.tiny_envs import TinyEnv, constant_expert


def _traj(lengths, obs_dim=2):
    n = sum(lengths)
    starts = np.zeros(n, dtype=bool)
    starts[np.cumsum([0, *lengths[:-1]])] = True
    episode = np.repeat(np.arange(len(lengths)), lengths)
    return {
        "obs": np.stack([episode, np.arange(n)], axis=1).astype(np.float32)[:, :obs_dim],
        "actions": (episode % 3).reshape(-1, 1).astype(np.int64),
        "rewards": np.ones(n),
        "episode_returns": np.array(lengths, dtype=np.float64),
        "episode_starts": starts,
    }


def test_real_sb2_file_with_the_seeds_example(sb2_cartpole, capsys):
    ds = bc.ExpertDataset(expert_path=str(sb2_cartpole), traj_limitation=1, batch_size=128)
    assert ds.num_traj == 1 and ds.num_transition == 500
    assert ds.avg_ret == ds.returns[0] and len(ds.returns) == 1
    assert "Total trajectories: 1" in capsys.readouterr().out  # printed, as SB2's verbose=1
    obs, actions = ds.get_next_batch("train")
    assert obs.shape == (128, 4) and actions.shape == (128, 1) and actions.dtype == np.int64
    assert str(ds.action_space) == "Discrete(2)"
    ds.close()


def test_traj_limitation_keeps_exactly_k_whole_episodes():
    ds = bc.ExpertDataset(traj_data=_traj([3, 4, 5, 6]), traj_limitation=2, verbose=0, seed=0)
    assert ds.num_traj == 2 and ds.num_transition == 7  # SB2 kept most of episode 3 too
    np.testing.assert_array_equal(ds.returns, [3, 4])
    assert ds.avg_ret == 3.5
    assert set(ds.observations[:, 0]) == {0, 1}


def test_episode_split_keeps_episodes_whole_and_is_seeded():
    data = _traj([5] * 10)
    a = bc.ExpertDataset(traj_data=data, train_fraction=0.7, verbose=0, seed=3)
    b = bc.ExpertDataset(traj_data=data, train_fraction=0.7, verbose=0, seed=3)
    np.testing.assert_array_equal(a.train_indices, b.train_indices)
    train_eps = set(a.observations[a.train_indices, 0])
    val_eps = set(a.observations[a.val_indices, 0])
    assert len(train_eps) == 7 and len(val_eps) == 3 and not train_eps & val_eps
    assert sorted(np.concatenate([a.train_indices, a.val_indices])) == list(range(50))


def test_sample_split_is_sb2s():
    ds = bc.ExpertDataset(
        traj_data=_traj([10] * 3), split="sample", train_fraction=0.6, verbose=0, seed=1
    )
    assert len(ds.train_indices) == 18 and len(ds.val_indices) == 12
    assert not set(ds.train_indices) & set(ds.val_indices)


def test_one_episode_falls_back_to_sample_split(caplog):
    ds = bc.ExpertDataset(traj_data=_traj([20]), verbose=0, seed=0)
    assert ds.split == "sample" and len(ds.val_indices) == 6
    assert "cannot be split by episode" in caplog.text


def test_epoch_yields_every_training_sample_once():
    ds = bc.ExpertDataset(traj_data=_traj([7] * 9), batch_size=10, verbose=0, seed=0)
    rows = np.concatenate([obs[:, 1] for obs, _ in ds.train_loader])
    assert sorted(rows.astype(int)) == sorted(ds.train_indices)
    sizes = [len(o) for o, _ in ds.train_loader]
    assert all(s > 0 for s in sizes) and sum(sizes) == len(ds.train_indices)
    ds.close()


@pytest.mark.parametrize("obs_kind", ["image1", "image3", "image4"])
def test_image_datasets_yield_frames(tmp_path, obs_kind):
    env = TinyEnv(obs_kind)
    bc.generate_expert_traj(constant_expert(env), tmp_path / "img", env, n_episodes=4, seed=0)
    ds = bc.ExpertDataset(tmp_path / "img.npz", batch_size=4, verbose=0, seed=0, split="sample")
    assert ds.is_image and ds.observation_space == env.observation_space
    seen = {}
    for obs, _ in ds.train_loader:
        assert obs.dtype == np.uint8 and obs.shape[1:] == env.observation_space.shape
        for frame in obs:
            seen[int(frame[3, 3, 0])] = frame
    replay = TinyEnv(obs_kind)
    for seed in range(4):
        frame, _ = replay.reset(seed=seed)
        if int(frame[3, 3, 0]) in seen:  # the training side of the split
            np.testing.assert_array_equal(seen[int(frame[3, 3, 0])], frame)
    ds.close()


def test_sb2_jpeg_dataset_with_cwd_relative_paths(tmp_path, monkeypatch):
    """As SB2's generate_expert_traj wrote it: JPEGs, paths relative to the working directory."""
    import cv2

    folder = tmp_path / "data" / "recorded_images"
    folder.mkdir(parents=True)
    paths = []
    for i in range(6):
        frame = np.full((8, 8, 3), (i * 30, 100, 200), dtype=np.uint8)
        cv2.imwrite(str(folder / f"{i}.jpg"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
        paths.append(f"data/recorded_images/{i}.jpg")
    traj = _traj([3, 3])
    np.savez(tmp_path / "data" / "expert.npz", **{**traj, "obs": np.array(paths)})
    monkeypatch.chdir(tmp_path)
    ds = bc.ExpertDataset("data/expert.npz", batch_size=6, train_fraction=0.5, verbose=0, seed=0)
    obs, _ = ds.get_next_batch("train")
    assert obs.shape == (3, 8, 8, 3)
    assert abs(int(obs[0, 4, 4, 2]) - 200) < 8  # RGB order survives (JPEG is lossy)
    ds.close()


def test_errors(tmp_path, sb2_cartpole):
    with pytest.raises(BCError, match="not both"):
        bc.ExpertDataset(expert_path="a.npz", traj_data={})
    with pytest.raises(BCError, match="give expert_path"):
        bc.ExpertDataset()
    with pytest.raises(DatasetError, match=r"missing\.npz: no such file"):
        bc.ExpertDataset(tmp_path / "missing.npz")
    with pytest.raises(DatasetError, match="traj_data lacks key"):
        bc.ExpertDataset(traj_data={"obs": np.zeros(3)})
    bad = _traj([3, 3])
    bad["episode_starts"][0] = False
    with pytest.raises(DatasetError, match="must be True at step 0"):
        bc.ExpertDataset(traj_data=bad)
    with pytest.raises(DatasetError, match="leaves 0 training"):
        bc.ExpertDataset(traj_data=_traj([1, 1]), split="sample", train_fraction=0.1, verbose=0)
    env = TinyEnv("image3")
    bc.generate_expert_traj(constant_expert(env), tmp_path / "i", env, n_episodes=2, seed=0)
    (tmp_path / "i_images" / "2.png").unlink()
    with pytest.raises(
        MissingImagesError, match=r"1 of 7 image files missing: i_images/2\.png \(step 2\)"
    ):
        bc.ExpertDataset(tmp_path / "i.npz")
    ds = bc.ExpertDataset(sb2_cartpole, traj_limitation=2, verbose=0)
    with pytest.raises(SpaceMismatchError, match=r"observations are \(4,\), the env's are \(3,\)"):
        ds.check_env(make_env("Pendulum-v1"))
    ds.check_env(make_env("CartPole-v1"))
    with pytest.raises(BCError, match="init_dataloader"):
        ds.get_next_batch(None)
    with pytest.raises(BCError, match="split must be None"):
        ds.get_next_batch("test")


def test_unreadable_image_is_named_in_the_consumer(tmp_path):
    env = TinyEnv("image3")
    bc.generate_expert_traj(constant_expert(env), tmp_path / "i", env, n_episodes=2, seed=0)
    (tmp_path / "i_images" / "4.png").write_bytes(b"not a png")
    ds = bc.ExpertDataset(tmp_path / "i.npz", verbose=0, batch_size=100, train_fraction=1.0)
    with pytest.raises(
        MissingImagesError, match=r"i_images/4\.png \(step 4\) is missing or unreadable"
    ):
        list(ds.train_loader)
    ds.close()


def test_init_dataloader_and_pickling():
    ds = bc.ExpertDataset(traj_data=_traj([4] * 5), verbose=0, seed=0)
    ds.init_dataloader(batch_size=6)
    obs, _ = ds.get_next_batch()
    assert len(obs) == 6
    clone = pickle.loads(pickle.dumps(ds))
    assert clone.dataloader is None
    assert len(clone.get_next_batch("train")[0]) == len(ds.train_indices) == 16
    threads = [ds.dataloader.process, clone.train_loader.process]
    assert all(t is not None and t.is_alive() for t in threads)
    ds.close()
    clone.close()
    assert not any(t.is_alive() for t in threads)
    assert ds.dataloader.process is None


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(1, 8), min_size=2, max_size=10), st.integers(2, 12), st.floats(0.2, 0.9)
)
def test_limitation_and_episode_split_invariants(lengths, k, fraction):
    ds = bc.ExpertDataset(
        traj_data=_traj(lengths),
        traj_limitation=k,
        train_fraction=fraction,
        verbose=0,
        seed=0,
        sequential_preprocessing=True,
    )
    kept = lengths[: min(k, len(lengths))]
    assert ds.num_traj == len(kept) and ds.num_transition == sum(kept)
    if len(kept) >= 2:
        train_eps = set(ds.observations[ds.train_indices, 0])
        val_eps = set(ds.observations[ds.val_indices, 0])
        assert train_eps and val_eps and not train_eps & val_eps
        for e in train_eps:  # whole episodes only
            assert np.count_nonzero(ds.observations[ds.train_indices, 0] == e) == lengths[int(e)]
