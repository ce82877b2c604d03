"""Bad numbers are refused before training; a non-finite loss stops it with a clear error.

Issue 8, hole 10 (NaN trains and saves, low == high divides by zero, --epochs 0 writes an
untrained policy) and the training commands' part of hole 11 (one-line errors, exit 2 for
usage, 1 for everything else).
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import torch
from gymnasium import spaces

import bc
from bc.errors import DatasetError, TrainConfigError, TrainingError
from bc.train import TrainConfig, train
from bc.train.policies import Policy


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


def _vector_file(tmp_path, name="d", obs=None, actions=None, meta=None, episodes=4, length=20):
    rng = np.random.default_rng(0)
    n = episodes * length
    obs = rng.normal(size=(n, 3)).astype(np.float32) if obs is None else obs
    actions = (obs[:, :1] > 0).astype(np.int64) if actions is None else actions
    starts = np.zeros(n, dtype=bool)
    starts[::length] = True
    arrays = {
        "obs": obs,
        "actions": actions,
        "rewards": np.ones(n),
        "episode_returns": np.full(episodes, float(length)),
        "episode_starts": starts,
    }
    if meta is not None:
        arrays["metadata"] = np.array(json.dumps(meta))
    path = tmp_path / f"{name}.npz"
    np.savez(path, **arrays)
    return path


def _cli(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "bc", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def test_nan_observations_are_refused_and_nothing_is_saved(tmp_path):
    obs = np.random.default_rng(1).normal(size=(80, 3)).astype(np.float32)
    obs[17, 1] = np.nan
    path = _vector_file(tmp_path, obs=obs)
    out = tmp_path / "p.zip"
    with pytest.raises(DatasetError, match=r"1 observations rows hold NaN .*step 17"):
        train(path, TrainConfig(epochs=2, device="cpu"), out=out)
    assert not out.exists()
    proc = _cli("train", path, "--out", out, "--epochs", "2", "--device", "cpu")
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.count("\n") == 1 and "NaN" in proc.stderr and not out.exists()


def test_a_loss_that_becomes_infinite_stops_training_with_an_error(tmp_path):
    # finite but huge Box actions inside a huge Box: the scaled targets overflow float32
    obs = np.random.default_rng(2).normal(size=(80, 3)).astype(np.float32)
    actions = np.full((80, 1), 3e38, dtype=np.float32)
    meta = {
        "observation_space": {"type": "Box", "shape": [3], "dtype": "float32", "low": "-inf",
                              "high": "inf"},
        "action_space": {"type": "Box", "shape": [1], "dtype": "float32", "low": -3.4e38,
                         "high": 3.4e38},
    }  # fmt: skip
    path = _vector_file(tmp_path, obs=obs, actions=actions, meta=meta)
    out = tmp_path / "p.zip"
    with pytest.raises(TrainingError, match="loss became"):
        train(path, TrainConfig(epochs=3, device="cpu", learning_rate=10.0), out=out)
    assert not out.exists()
    proc = _cli("train", path, "--out", out, "--epochs", "3", "--lr", "10", "--device", "cpu")
    assert proc.returncode == 1 and "loss became" in proc.stderr, proc.stderr
    assert proc.stderr.count("\n") == 1 and not out.exists()


def test_box_with_low_equal_high_trains_and_predicts_the_fixed_value(tmp_path):
    space = spaces.Box(np.float32([-1.0, 0.5]), np.float32([1.0, 0.5]), dtype=np.float32)
    policy = Policy(spaces.Box(-5, 5, shape=(3,)), space)
    assert torch.isfinite(policy.action_target(np.array([[0.3, 0.5]], np.float32))).all()
    obs = np.random.default_rng(3).normal(size=(80, 3)).astype(np.float32)
    actions = np.stack([np.tanh(obs[:, 0]), np.full(80, 0.5)], axis=1).astype(np.float32)
    meta = {
        "observation_space": {"type": "Box", "shape": [3], "dtype": "float32", "low": -5,
                              "high": 5},
        "action_space": {"type": "Box", "shape": [2], "dtype": "float32", "low": [-1.0, 0.5],
                         "high": [1.0, 0.5]},
    }  # fmt: skip
    path = _vector_file(tmp_path, obs=obs, actions=actions, meta=meta)
    result = train(path, TrainConfig(epochs=3, device="cpu"))
    assert all(np.isfinite(result.history.train_loss))
    predicted = result.policy.predict(obs[:5])[0]
    assert np.all(predicted[:, 1] == np.float32(0.5))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("epochs", 0, "epochs must be at least 1"),
        ("learning_rate", -1e-3, "learning_rate must be above 0"),
        ("learning_rate", float("nan"), "learning_rate must be a finite number"),
        ("batch_size", 0, "batch_size must be at least 1"),
        ("train_fraction", 1.5, r"train_fraction must be in \(0, 1\]"),
        ("device", "bogus", "device must be auto, cpu, cuda"),
        ("seed", -1, "seed must be in"),
        ("patience", 0, "patience must be at least 1"),
        ("traj_limitation", 0, "traj_limitation must be -1"),
        ("split", "random", "split must be episode or sample"),
    ],
)
def test_train_config_refuses_bad_numbers_up_front(field, value, message):
    with pytest.raises(TrainConfigError, match=message):
        TrainConfig(**{field: value})
    assert issubclass(TrainConfigError, bc.BCError)


def test_pretrain_refuses_zero_epochs_without_touching_the_policy(tmp_path):
    ds = bc.ExpertDataset(_vector_file(tmp_path), verbose=0, seed=0)
    policy = Policy(ds.observation_space, ds.action_space)
    before = policy.head.weight.detach().clone()
    with pytest.raises(TrainConfigError, match="epochs must be at least 1"):
        bc.pretrain(policy, ds, n_epochs=0)
    assert torch.equal(policy.head.weight, before)
    ds.close()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--epochs", "0"], "--epochs must be at least 1"),
        (["--device", "bogus"], "--device must be auto, cpu, cuda"),
        (["--lr", "nan"], "--lr must be a finite number"),
        (["--batch-size", "-4"], "--batch-size must be at least 1"),
        (["--seed", "-1"], "--seed must be in"),
    ],
)
def test_train_command_usage_errors_exit_2_before_anything_is_written(tmp_path, args, message):
    path = _vector_file(tmp_path)
    out = tmp_path / "p.zip"
    proc = _cli("train", path, "--out", out, *args)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()


def test_eval_episodes_zero_is_a_usage_error(tmp_path):
    proc = _cli("eval", tmp_path / "p.zip", "--env", "CartPole-v1", "--episodes", "0")
    assert proc.returncode == 2 and "--episodes must be at least 1" in proc.stderr


def test_cuda_on_a_machine_without_it_is_one_line(tmp_path):
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    proc = _cli("train", _vector_file(tmp_path), "--out", tmp_path / "p.zip", "--device", "cuda")
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1
    assert "CUDA is not available" in proc.stderr


def test_sac_on_a_discrete_action_space_is_one_line(tmp_path, sb2_cartpole):
    pytest.importorskip("stable_baselines3")
    proc = _cli(
        "pretrain-sb3", sb2_cartpole, "--algo", "sac", "--env", "CartPole-v1", "--out",
        tmp_path / "sac.zip",
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.count("\n") == 1
    assert "SAC needs a continuous (Box) action space" in proc.stderr
