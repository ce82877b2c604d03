"""Conventions of the libraries users already have: SB3's predict, SB2's prints and exceptions."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import bc
from bc.envs import make_env
from bc.errors import (
    BCError,
    DatasetNotFoundError,
    EnvError,
    InvalidArgumentError,
    MissingImagesError,
    PolicyNotFoundError,
    SpaceMismatchError,
)
from tests.bc.conftest import SB2_DATA
from tests.tiny_envs import TinyEnv, constant_expert


@pytest.fixture(scope="module")
def cartpole_model(tmp_path_factory):
    """A BC model trained briefly on 5 of SB2's CartPole episodes, saved and loaded back."""
    import torch

    torch.manual_seed(0)
    dataset = bc.ExpertDataset(
        expert_path=SB2_DATA / "expert_cartpole.npz",
        traj_limitation=5,
        batch_size=128,
        verbose=0,
        seed=0,
    )
    model = bc.BC("MlpPolicy", "CartPole-v1", seed=0).pretrain(dataset, n_epochs=5)
    path = model.save(tmp_path_factory.mktemp("model") / "bc_cartpole")
    return bc.BC.load(path)


def test_sb3_evaluate_policy_runs_a_loaded_bc_model(cartpole_model):
    from stable_baselines3.common.evaluation import evaluate_policy

    env = gym.make("CartPole-v1")
    env.reset(seed=123)
    mean, _std = evaluate_policy(cartpole_model, env, n_eval_episodes=3, warn=False)
    assert mean >= 200, mean  # a real policy balancing the pole, batch-predicted through SB3
    lengths = evaluate_policy(
        cartpole_model.policy, env, n_eval_episodes=2, return_episode_rewards=True, warn=False
    )[1]
    assert len(lengths) == 2 and all(n > 0 for n in lengths)


def test_predict_takes_sb3_and_sb2_arguments(cartpole_model):
    obs = np.array([0.01, 0.0, 0.02, 0.0], dtype=np.float32)
    expected, state = cartpole_model.predict(obs)
    assert state is None and expected in (0, 1)
    # SB3: keywords, and state/episode_start positional
    assert cartpole_model.predict(obs, state=None, episode_start=None, deterministic=True)[0] == (
        expected
    )
    assert cartpole_model.predict(obs, None, np.array([True]), True)[0] == expected
    # SB2: mask by keyword
    assert cartpole_model.predict(obs, state=None, mask=[False], deterministic=True)[0] == expected
    assert cartpole_model.policy.predict(obs, mask=[True])[0] == expected
    batch, _ = cartpole_model.policy.predict(np.stack([obs, obs]), episode_start=[True, False])
    assert batch.shape == (2,) and list(batch) == [expected, expected]


def test_verbose_model_prints_sb2_progress(capsys, sb2_cartpole):
    dataset = bc.ExpertDataset(expert_path=sb2_cartpole, traj_limitation=3, verbose=0, seed=0)
    model = bc.BC("MlpPolicy", "CartPole-v1", verbose=1, seed=0)
    model.pretrain(dataset, n_epochs=4, val_interval=2)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Pretraining with Behavior Cloning..."
    assert lines[-1] == "Pretraining done."
    assert "==== Training progress 50.00% ====" in lines
    assert "==== Training progress 100.00% ====" in lines
    assert "Epoch 2" in lines and "Epoch 4" in lines and "Epoch 1" not in lines
    losses = [line for line in lines if line.startswith("Training loss: ")]
    assert len(losses) == 2
    train, val = (float(part.split(": ")[1]) for part in losses[-1].split(", "))
    assert train == pytest.approx(model.history.train_loss[-1], abs=1e-6)
    assert val == pytest.approx(model.history.val_loss[-1], abs=1e-6)


def test_quiet_model_prints_nothing(capsys, sb2_cartpole):
    dataset = bc.ExpertDataset(expert_path=sb2_cartpole, traj_limitation=2, verbose=0, seed=0)
    bc.BC("MlpPolicy", "CartPole-v1").pretrain(dataset, n_epochs=1)
    assert capsys.readouterr().out == ""


def test_dataset_log_info_prints_without_logging_setup(capsys, sb2_cartpole):
    bc.ExpertDataset(expert_path=sb2_cartpole, verbose=1)
    out = capsys.readouterr().out
    assert "Total trajectories: 100" in out and "Total transitions: 49527" in out
    assert "Average returns: 495.27" in out
    dataset = bc.ExpertDataset(expert_path=sb2_cartpole, verbose=0)
    assert capsys.readouterr().out == ""
    dataset.log_info()
    assert "Total trajectories: 100" in capsys.readouterr().out


def test_bad_arguments_are_value_errors(sb2_cartpole):
    with pytest.raises(ValueError, match=r"train_fraction must be in \(0, 1\], got 2"):
        bc.ExpertDataset(expert_path=sb2_cartpole, train_fraction=2)
    with pytest.raises(ValueError, match="split must be 'episode' or 'sample'"):
        bc.ExpertDataset(expert_path=sb2_cartpole, split="nope")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="give expert_path"):
        bc.ExpertDataset()
    with pytest.raises(ValueError, match="policy must be one of"):
        bc.BC("LstmPolicy", "CartPole-v1")
    with pytest.raises(ValueError, match="unknown env id 'NoSuchEnv-v9'"):
        make_env("NoSuchEnv-v9")
    with pytest.raises(ValueError, match="unsupported observation space Tuple"):
        make_env("Blackjack-v1")
    dataset = bc.ExpertDataset(expert_path=sb2_cartpole, traj_limitation=2, verbose=0)
    with pytest.raises(ValueError, match="observations are \\(4,\\), the env's are \\(3,\\)"):
        dataset.check_env(gym.make("Pendulum-v1"))
    with pytest.raises(ValueError, match="pretrain needs a bc.Policy"):
        bc.pretrain(object(), dataset)
    for cls in (InvalidArgumentError, EnvError, SpaceMismatchError):
        assert issubclass(cls, BCError) and issubclass(cls, ValueError)


def test_missing_files_are_file_not_found_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.npz: no such file"):
        bc.load(tmp_path / "missing.npz")
    with pytest.raises(FileNotFoundError, match="no such file"):
        bc.ExpertDataset(expert_path=tmp_path / "missing.npz")
    with pytest.raises(FileNotFoundError, match="no such policy file"):
        bc.Policy.load(tmp_path / "nope.zip")
    with pytest.raises(FileNotFoundError, match="no such policy file"):
        bc.BC.load(tmp_path / "nope.zip")
    for cls in (DatasetNotFoundError, PolicyNotFoundError, MissingImagesError):
        assert issubclass(cls, BCError) and issubclass(cls, FileNotFoundError)
        assert issubclass(cls, ValueError)  # and still what SB2 raised for a bad dataset


def test_missing_images_are_file_not_found_errors(tmp_path):
    env = TinyEnv("image3")
    bc.generate_expert_traj(
        constant_expert(env), tmp_path / "img", env, n_episodes=1, image_folder=str(tmp_path / "f")
    )
    for png in (tmp_path / "f").rglob("*.png"):
        png.unlink()
    with pytest.raises(FileNotFoundError):
        bc.load(tmp_path / "img.npz")
