"""--device auto|cpu|cuda: auto picks CUDA when present; CUDA runs skip without a GPU."""

from __future__ import annotations

import pytest
import torch

import bc
from bc.train import TrainConfig, train
from bc.train.device import resolve_device
from bc.train.policies import Policy
from tests.tiny_envs import TinyEnv

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


def _dataset(tmp_path, obs_kind):
    env = TinyEnv(obs_kind, "discrete")
    bc.generate_expert_traj(lambda obs: 1, tmp_path / obs_kind, env, n_episodes=6, seed=0)
    return tmp_path / f"{obs_kind}.npz"


def test_auto_picks_cuda_exactly_when_there_is_one():
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    assert resolve_device("CPU").type == "cpu"


def test_cpu_training_and_the_saved_policy_load_anywhere(tmp_path):
    result = train(
        _dataset(tmp_path, "vector"), TrainConfig(epochs=2, device="cpu"), out=tmp_path / "p"
    )
    assert result.path is not None
    assert next(Policy.load(result.path).parameters()).device.type == "cpu"


@needs_cuda
@pytest.mark.parametrize("obs_kind", ["vector", "image3"])
def test_cuda_training_mlp_and_bf16_cnn_reduce_the_loss(tmp_path, obs_kind):
    result = train(
        _dataset(tmp_path, obs_kind),
        TrainConfig(epochs=8, device="cuda", learning_rate=3e-3),
        out=tmp_path / "p",
    )
    assert next(result.policy.parameters()).device.type == "cuda"
    assert result.history.train_loss[-1] < result.history.train_loss[0]
    assert result.path is not None
    loaded = Policy.load(result.path)  # saved from CUDA, loads on CPU
    assert next(loaded.parameters()).device.type == "cpu"
