"""`bc.convert` and `convert`: our .npz <-> Minari <-> Hugging Face (imitation's layout)."""

from __future__ import annotations

import json
import logging

import gymnasium as gym
import numpy as np
import pytest

import bc
from bc.cli import main
from bc.convert import format_of, hf
from bc.data.archive import load
from bc.data.images import read_image
from bc.errors import ConversionError
from tests.tiny_envs import TinyEnv, constant_expert

OBS_KINDS = ["vector", "discrete", "image1", "image3", "image4"]
FORMATS = ["npz", "hf", "minari"]


def _env_id(obs_kind: str, act_kind: str) -> str:
    """Register TinyEnv of this kind under an id, so files name an env to re-simulate in."""
    env_id = f"BcTestTiny-{obs_kind}-{act_kind}-v0"
    if env_id not in gym.registry:
        gym.register(
            env_id,
            entry_point="tests.tiny_envs:TinyEnv",
            kwargs={"obs_kind": obs_kind, "act_kind": act_kind},
            disable_env_checker=True,
        )
    return env_id


@pytest.fixture(autouse=True)
def minari_home(tmp_path, monkeypatch):
    """Minari datasets go to a folder of the test's own."""
    monkeypatch.setenv("MINARI_DATASETS_PATH", str(tmp_path / "minari"))


def _record(path, obs_kind, act_kind, n=3, seed=0, **kwargs):
    env_id = _env_id(obs_kind, act_kind)
    env = gym.make(env_id)
    try:
        bc.generate_expert_traj(constant_expert(env), path, env, n_episodes=n, seed=seed, **kwargs)
    finally:
        env.close()
    return load(path)


def _target(tmp_path, fmt, name):
    return {"npz": tmp_path / f"{name}.npz", "hf": tmp_path / f"{name}.hf"}.get(
        fmt, f"minari:tests/{name}-v0"
    )


def _frames(data):
    """Observation rows with image paths decoded, and the final observations likewise."""
    if not data.is_image:
        return data.obs, data.episode_final_obs
    obs = np.stack([read_image(p) for p in data.image_paths()])
    finals = np.stack([read_image(data.root / str(p)) for p in data.episode_final_obs])
    return obs, finals


def assert_same_dataset(a, b):
    obs_a, fin_a = _frames(a)
    obs_b, fin_b = _frames(b)
    np.testing.assert_array_equal(obs_a, obs_b)
    np.testing.assert_array_equal(fin_a, fin_b)
    assert obs_a.dtype == obs_b.dtype and fin_a.dtype == fin_b.dtype
    for key in ("actions", "rewards", "episode_returns", "episode_starts"):
        np.testing.assert_array_equal(getattr(a, key), getattr(b, key))
        assert getattr(a, key).dtype == getattr(b, key).dtype, key
    for key in ("episode_terminated", "episode_seeds", "step_times", "episode_created"):
        np.testing.assert_array_equal(getattr(a, key), getattr(b, key))
    ignored = {"converted_from", "image_folder", "journal_merged"}
    meta_a = {k: v for k, v in a.metadata.items() if k not in ignored}
    meta_b = {k: v for k, v in b.metadata.items() if k not in ignored}
    assert meta_a == meta_b
    assert str(a.observation_space()) == str(b.observation_space())
    assert str(a.action_space()) == str(b.action_space())


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("act_kind", ["discrete", "box"])
@pytest.mark.parametrize("obs_kind", OBS_KINDS)
def test_round_trip_is_lossless(tmp_path, fmt, obs_kind, act_kind):
    original = _record(tmp_path / "orig.npz", obs_kind, act_kind, n=4, seed=1)
    assert original.metadata["env_id"] == _env_id(obs_kind, act_kind)
    middle = _target(tmp_path, fmt, "middle")
    bc.convert(tmp_path / "orig.npz", middle)
    bc.convert(middle, tmp_path / "back.npz")
    back = load(tmp_path / "back.npz")
    assert back.has_final_obs
    assert_same_dataset(original, back)
    if back.is_image:
        assert str(back.obs[0]).startswith("back_images/")


def test_minari_dataset_is_minari_s_own(tmp_path):
    import minari

    data = _record(tmp_path / "m.npz", "vector", "box", n=3, seed=2)
    bc.convert(tmp_path / "m.npz", "minari:tests/tiny-v0")
    dataset = minari.load_dataset("tests/tiny-v0")
    assert dataset.total_episodes == 3 and dataset.total_steps == data.n_steps == 5 + 6 + 3
    assert dataset.env_spec.id == _env_id("vector", "box")
    assert dataset.storage.metadata["jpeg_encoding"] is False
    seeds = [m["seed"] for m in dataset.storage.get_episode_metadata([0, 1, 2])]
    assert seeds == [2, 3, 4]
    episode = dataset[1]
    assert len(episode.observations) == len(episode.actions) + 1
    # seed 3 truncates, seed 2 and 4 terminate (TinyEnv's rule)
    assert episode.truncations[-1] and not episode.terminations[-1]
    assert dataset[0].terminations[-1] and not dataset[0].truncations[-1]
    env = dataset.recover_environment()
    assert env.observation_space == dataset.observation_space
    env.close()
    with pytest.raises(ConversionError, match="exists; choose another id"):
        bc.convert(tmp_path / "m.npz", "minari:tests/tiny-v0")


def test_hf_folder_has_imitation_s_layout(tmp_path):
    import datasets

    _record(tmp_path / "h.npz", "discrete", "discrete", n=2, seed=0)
    bc.convert(tmp_path / "h.npz", tmp_path / "h.hf")
    dataset = datasets.load_from_disk(str(tmp_path / "h.hf"))
    assert sorted(dataset.column_names) == sorted(hf.COLUMNS)
    # imitation's TrajectoryDatasetSequence: a numpy transform, then each row as keyword args
    rows = dataset.with_transform(lambda b: {k: np.asarray(v) for k, v in b.items()})
    first = rows[0]
    assert set(first) == {"obs", "acts", "infos", "terminal", "rews"}
    assert first["obs"].shape == (4,) and first["acts"].shape == (3,)  # Discrete: plain ints
    assert first["rews"].shape == (3,) and bool(first["terminal"]) is True
    assert json.loads(first["infos"][0]).keys() <= {"step_time"}
    assert bool(rows[1]["terminal"]) is False  # seed 1 truncates
    description = json.loads(dataset.info.description)["demo_recorder"]
    assert description["env_id"] == _env_id("discrete", "discrete")
    assert description["episode_seeds"] == [0, 1]


def _strip_final_obs(path, drop_env_id=False):
    """Make the file look like one written before `episode_final_obs` existed."""
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files if k != "episode_final_obs"}
    if drop_env_id:
        meta = json.loads(str(arrays["metadata"]))
        meta.pop("env_id")
        arrays["metadata"] = np.array(json.dumps(meta))
    np.savez(path, **arrays)


@pytest.mark.parametrize("obs_kind", ["vector", "image3"])
def test_old_files_get_final_obs_by_resimulation(tmp_path, caplog, obs_kind):
    original = _record(tmp_path / "old.npz", obs_kind, "box", n=3, seed=0)
    _strip_final_obs(tmp_path / "old.npz")
    assert not load(tmp_path / "old.npz").has_final_obs
    with caplog.at_level(logging.WARNING):
        bc.convert(tmp_path / "old.npz", tmp_path / "new.npz")
    assert "re-simulated" not in caplog.text and not caplog.records
    assert_same_dataset(original, load(tmp_path / "new.npz"))


def test_an_env_given_by_hand_re_simulates_a_file_that_names_none(tmp_path, caplog):
    original = _record(tmp_path / "old.npz", "vector", "discrete", n=2, seed=0)
    _strip_final_obs(tmp_path / "old.npz", drop_env_id=True)
    with caplog.at_level(logging.WARNING):
        bc.convert(tmp_path / "old.npz", tmp_path / "new.hf", env=TinyEnv("vector", "discrete"))
    assert not caplog.records
    back = bc.convert(tmp_path / "new.hf", tmp_path / "back.npz")
    np.testing.assert_array_equal(
        np.stack([ep.obs[-1] for ep in back.episodes]), original.episode_final_obs
    )


def test_without_an_env_the_last_transition_is_dropped_with_a_warning(tmp_path, caplog):
    original = _record(tmp_path / "old.npz", "vector", "discrete", n=3, seed=0)
    _strip_final_obs(tmp_path / "old.npz", drop_env_id=True)
    with caplog.at_level(logging.WARNING):
        bc.convert(tmp_path / "old.npz", tmp_path / "new.npz")
    assert "3 of 3 episode(s) could not be re-simulated" in caplog.text
    assert "the file names no env id" in caplog.text
    assert "last transition is dropped" in caplog.text
    new = load(tmp_path / "new.npz")
    np.testing.assert_array_equal(new.episode_lengths, original.episode_lengths - 1)
    assert not new.episode_terminated.any()  # each now ends early: truncated
    for i in range(3):
        kept = original.obs[original.episode_slice(i)]
        np.testing.assert_array_equal(new.obs[new.episode_slice(i)], kept[:-1])
        np.testing.assert_array_equal(new.episode_final_obs[i], kept[-1])


def test_a_resimulation_that_disagrees_is_caught(tmp_path, caplog):
    _record(tmp_path / "old.npz", "vector", "discrete", n=2, seed=0)
    _strip_final_obs(tmp_path / "old.npz")
    with np.load(tmp_path / "old.npz") as npz:
        arrays = dict(npz)
    arrays["obs"][4] += 1.0  # episode 1, step 1: no longer what the env gives
    np.savez(tmp_path / "old.npz", **arrays)
    with caplog.at_level(logging.WARNING):
        episodes = bc.convert(tmp_path / "old.npz", tmp_path / "new.npz")
    assert "1 of 2 episode(s) could not be re-simulated" in caplog.text
    assert "episode 1: the observation after step 0 differs" in caplog.text
    assert [ep.length for ep in episodes.episodes] == [3, 3]  # 3 kept, 4 lost its last step


def test_sb2_s_own_file_converts_with_its_last_transitions_dropped(tmp_path, sb2_cartpole, caplog):
    sb2 = load(sb2_cartpole)
    with caplog.at_level(logging.WARNING):
        episodes = bc.convert(sb2_cartpole, tmp_path / "cartpole.hf")
    assert "no stored seed" in caplog.text or "names no env id" in caplog.text
    assert len(episodes.episodes) == sb2.n_episodes
    back = bc.convert(tmp_path / "cartpole.hf", tmp_path / "back.npz")
    assert [ep.length for ep in back.episodes] == list(sb2.episode_lengths - 1)
    np.testing.assert_array_equal(
        load(tmp_path / "back.npz").actions,
        np.delete(sb2.actions, sb2.episode_start_indices[1:] - 1, axis=0)[:-1],
    )


def test_format_names():
    assert format_of("a.npz") == "npz"
    assert format_of("minari:ns/x-v0") == "minari"
    assert format_of("dir/out.hf") == format_of("dir/out.hf/") == "hf"
    for bad in ("a.h5", "minari:", ".hf", "data"):
        with pytest.raises(ConversionError, match="cannot tell the format|dataset id after"):
            format_of(bad)


def test_existing_targets_are_kept_unless_forced(tmp_path):
    _record(tmp_path / "s.npz", "vector", "box", n=2)
    for target in (tmp_path / "t.npz", tmp_path / "t.hf"):
        bc.convert(tmp_path / "s.npz", target)
        with pytest.raises(ConversionError, match="exists; choose another name"):
            bc.convert(tmp_path / "s.npz", target)
        bc.convert(tmp_path / "s.npz", target, overwrite=True)
    with pytest.raises(ConversionError, match="is the source"):
        bc.convert(tmp_path / "s.npz", tmp_path / "s.npz")


def test_cli_convert(tmp_path, capsys):
    _record(tmp_path / "c.npz", "vector", "discrete", n=2, seed=0)
    assert main(["convert", str(tmp_path / "c.npz"), str(tmp_path / "c.hf")]) == 0
    out = capsys.readouterr().out
    assert (
        out.strip() == f"converted 2 episodes, 7 steps: {tmp_path / 'c.npz'} -> {tmp_path / 'c.hf'}"
    )
    code = main(["convert", str(tmp_path / "c.npz"), str(tmp_path / "c.csv")])
    err = capsys.readouterr().err
    assert code != 0 and err.count("\n") == 1 and "cannot tell the format of" in err
    code = main(["convert", str(tmp_path / "c.npz"), str(tmp_path / "c.hf")])
    assert code != 0 and "exists" in capsys.readouterr().err
    assert main(["convert", str(tmp_path / "c.npz"), str(tmp_path / "c.hf"), "--force"]) == 0
    _strip_final_obs(tmp_path / "c.npz", drop_env_id=True)
    argv = [
        "convert",
        str(tmp_path / "c.npz"),
        "minari:cli/c-v0",
        "--env",
        _env_id("vector", "discrete"),
    ]
    assert main(argv) == 0
    assert "converted 2 episodes, 7 steps" in capsys.readouterr().out


def test_python_m_bc_convert_runs(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = TinyEnv("vector", "box")
    bc.generate_expert_traj(constant_expert(env), tmp_path / "p", env, n_episodes=1, seed=0)
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run(
        [sys.executable, "-m", "bc", "convert", str(tmp_path / "p.npz"), str(tmp_path / "p.hf")],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(root)),
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "converted 1 episodes, 3 steps" in proc.stdout
    # no env id in the file (TinyEnv made by hand), but the final observation was recorded
    assert "could not be re-simulated" not in proc.stderr


def test_a_minari_dataset_made_by_minari_in_arrow_converts(tmp_path):
    import minari
    from minari.data_collector import EpisodeBuffer

    rng = np.random.default_rng(0)
    buffers = []
    for i, n in enumerate((4, 6)):
        buffers.append(
            EpisodeBuffer(
                id=i,
                seed=100 + i,
                observations=rng.normal(size=(n + 1, 4)).astype(np.float32),
                actions=rng.integers(0, 2, size=n),
                rewards=[1.0] * n,
                terminations=[False] * (n - 1) + [i == 0],
                truncations=[False] * (n - 1) + [i == 1],
                infos={},
            )
        )
    with pytest.warns(UserWarning):  # Minari asks for an author, a permalink...
        minari.create_dataset_from_buffers(
            "foreign/cartpole-v0", buffers, env="CartPole-v1", data_format="arrow"
        )
    episodes = bc.convert("minari:foreign/cartpole-v0", tmp_path / "f.npz")
    data = load(tmp_path / "f.npz")
    assert data.metadata["env_id"] == "CartPole-v1"
    assert list(data.episode_lengths) == [4, 6] and list(data.episode_seeds) == [100, 101]
    assert list(data.episode_terminated) == [True, False]
    np.testing.assert_array_equal(data.obs[:4], buffers[0].observations[:4])
    np.testing.assert_array_equal(data.episode_final_obs[1], buffers[1].observations[-1])
    assert data.actions.shape == (10, 1) and data.actions.dtype == np.int64
    assert np.isnan(data.step_times).all()
    assert str(data.action_space()) == "Discrete(2)"
    assert len(episodes.episodes) == 2


def test_an_hf_folder_made_elsewhere_gets_its_spaces_inferred(tmp_path):
    import datasets

    rng = np.random.default_rng(1)
    columns = {
        "obs": [
            rng.normal(size=(4, 3)).astype(np.float32),
            rng.normal(size=(3, 3)).astype(np.float32),
        ],
        "acts": [
            rng.uniform(-1, 1, size=(3, 2)).astype(np.float32),
            rng.uniform(-1, 1, size=(2, 2)).astype(np.float32),
        ],
        "infos": [["{}"] * 3, ["{}"] * 2],
        "terminal": [True, False],
        "rews": [np.ones(3), np.zeros(2)],
    }
    datasets.Dataset.from_dict(columns).save_to_disk(str(tmp_path / "x.hf"))
    bc.convert(tmp_path / "x.hf", tmp_path / "x.npz")
    data = load(tmp_path / "x.npz")
    assert list(data.episode_lengths) == [3, 2] and list(data.episode_seeds) == [-1, -1]
    assert list(data.episode_terminated) == [True, False]
    np.testing.assert_array_equal(data.episode_final_obs[0], columns["obs"][0][-1])
    space = data.action_space()
    np.testing.assert_array_equal(space.low, np.concatenate(columns["acts"]).min(axis=0))
    assert data.observation_space().shape == (3,)
    with pytest.raises(ConversionError, match="not imitation's trajectory layout, missing column"):
        datasets.Dataset.from_dict({"obs": [[1, 2]]}).save_to_disk(str(tmp_path / "y.hf"))
        bc.convert(tmp_path / "y.hf", tmp_path / "y.npz")
    with pytest.raises(ConversionError, match="no such dataset folder"):
        bc.convert(tmp_path / "nothing.hf", tmp_path / "z.npz")
    with pytest.raises(ConversionError, match="cannot load Minari dataset 'nope/x-v0'"):
        bc.convert("minari:nope/x-v0", tmp_path / "z.npz")


def test_an_old_file_is_upgraded_in_place_when_forced(tmp_path):
    original = _record(tmp_path / "u.npz", "vector", "box", n=2, seed=0)
    _strip_final_obs(tmp_path / "u.npz")
    bc.convert(tmp_path / "u.npz", tmp_path / "u.npz", overwrite=True)
    assert_same_dataset(original, load(tmp_path / "u.npz"))


def test_a_minari_dataset_refused_half_way_leaves_nothing(tmp_path, monkeypatch):
    """Minari's episode write is made to fail (a real mid-write failure cannot be provoked)."""
    import minari
    from minari.storage import get_dataset_path

    _record(tmp_path / "r.npz", "vector", "box", n=2, seed=0)

    def refuse(*args, **kwargs):
        raise ValueError("disk says no")

    monkeypatch.setattr("minari.dataset._storages.hdf5_storage.HDF5Storage.update_episodes", refuse)
    with pytest.raises(ConversionError, match="Minari refused dataset 'tests/r-v0': disk says no"):
        bc.convert(tmp_path / "r.npz", "minari:tests/r-v0")
    assert not get_dataset_path("tests/r-v0").exists()
    assert "tests/r-v0" not in minari.list_local_datasets()


def test_cartpole_recorded_before_the_key_is_re_simulated_exactly(tmp_path, caplog):
    from bc.experts import cartpole_balance

    bc.generate_expert_traj(cartpole_balance, tmp_path / "cp", "CartPole-v1", n_episodes=2, seed=3)
    original = load(tmp_path / "cp.npz")
    _strip_final_obs(tmp_path / "cp.npz")
    with caplog.at_level(logging.WARNING):
        bc.convert(tmp_path / "cp.npz", "minari:cartpole/old-v0")
    assert not caplog.records
    bc.convert("minari:cartpole/old-v0", tmp_path / "back.npz")
    assert_same_dataset(original, load(tmp_path / "back.npz"))


def test_cli_existing_target_names_the_force_option(tmp_path, capsys):
    """The refusal tells a shell user the flag that replaces the target, not the API keyword."""
    _record(tmp_path / "c.npz", "vector", "discrete", n=2, seed=0)
    for target in (tmp_path / "c.hf", tmp_path / "d.npz"):
        assert main(["convert", str(tmp_path / "c.npz"), str(target)]) == 0
        capsys.readouterr()
        assert main(["convert", str(tmp_path / "c.npz"), str(target)]) == 1
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and "--force" in err
        assert main(["convert", str(tmp_path / "c.npz"), str(target), "--force"]) == 0
    assert main(["convert", str(tmp_path / "c.npz"), str(tmp_path / "c.npz")]) == 1
    assert "--force" in capsys.readouterr().err
