"""Behaviour cloning: every space kind learns, save/load, fine-tuning, stopping, SB3, the BC facade."""

from __future__ import annotations

import subprocess
import sys
import threading

import numpy as np
import pytest
import torch

import bc
from bc.errors import PolicyFileError, SpaceMismatchError
from bc.experts import cartpole_balance
from bc.train.policies import Policy
from tests.tiny_envs import TinyEnv


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


def _dataset(tmp_path, obs_kind, act_kind, episodes=8):
    env = TinyEnv(obs_kind, act_kind)

    def expert(obs):  # depends on the observation, so there is something to learn
        key = float(np.asarray(obs, dtype=np.float64).reshape(-1)[0] if np.ndim(obs) else obs)
        if act_kind == "discrete":  # brightness / seed bands: learnable by any body
            scale = 16.0 if obs_kind.startswith("image") else 1.0
            return int(np.digitize(key / scale, [2.5, 5.5]))
        return np.array([np.tanh(key / 20.0), -0.5], dtype=np.float32)

    bc.generate_expert_traj(
        expert, tmp_path / f"{obs_kind}_{act_kind}", env, n_episodes=episodes, seed=0
    )
    return bc.ExpertDataset(
        tmp_path / f"{obs_kind}_{act_kind}.npz", batch_size=8, verbose=0, seed=0
    ), env


@pytest.mark.parametrize("act_kind", ["discrete", "box"])
@pytest.mark.parametrize("obs_kind", ["vector", "discrete", "image3"])
def test_training_reduces_loss_for_every_space_kind(tmp_path, obs_kind, act_kind):
    ds, env = _dataset(tmp_path, obs_kind, act_kind)
    policy = Policy(ds.observation_space, ds.action_space)
    assert policy.kind == ("cnn" if obs_kind.startswith("image") else "mlp")
    history = bc.pretrain(policy, ds, n_epochs=15, learning_rate=3e-3, seed=0, device="cpu")
    assert history.train_loss[-1] < 0.6 * history.train_loss[0]
    obs, _ = env.reset(seed=2)
    action = policy.predict(obs)[0]
    assert env.action_space.contains(action if act_kind == "discrete" else np.asarray(action))
    if act_kind == "discrete":
        assert 0.0 <= history.val_accuracy[-1] <= 1.0 and np.isnan(history.val_mse[-1])
    else:
        assert history.val_mse[-1] >= 0 and np.isnan(history.val_accuracy[-1])
    ds.close()


def test_save_load_predicts_the_same_and_refuses_foreign_files(tmp_path):
    ds, _ = _dataset(tmp_path, "vector", "box")
    policy = Policy(ds.observation_space, ds.action_space)
    bc.pretrain(policy, ds, n_epochs=2, seed=0)
    path = policy.save(tmp_path / "p")
    loaded = Policy.load(path)
    np.testing.assert_array_equal(
        loaded.predict(ds.observations)[0], policy.predict(ds.observations)[0]
    )
    assert loaded.normalised
    (tmp_path / "junk.zip").write_bytes(b"nope")
    with pytest.raises(PolicyFileError, match="not a demo-recorder policy file"):
        Policy.load(tmp_path / "junk.zip")
    with pytest.raises(PolicyFileError, match="no such policy file"):
        Policy.load(tmp_path / "missing.zip")
    ds.close()


def test_second_pretrain_fine_tunes(tmp_path):
    ds, _ = _dataset(tmp_path, "vector", "discrete")
    policy = Policy(ds.observation_space, ds.action_space)
    first = bc.pretrain(policy, ds, n_epochs=10, learning_rate=3e-3, seed=0)
    weights = policy.head.weight.detach().clone()
    second = bc.pretrain(policy, ds, n_epochs=1, learning_rate=1e-6, seed=0, keep_best=False)
    assert torch.allclose(policy.head.weight, weights, atol=1e-3)  # not re-initialised
    assert second.train_loss[0] < first.train_loss[0]
    ds.close()


def test_callbacks_and_stop_event_stop_cleanly_keeping_best(tmp_path):
    ds, _ = _dataset(tmp_path, "vector", "discrete")
    policy = Policy(ds.observation_space, ds.action_space)
    batches = []
    history = bc.pretrain(
        policy, ds, n_epochs=50, batch_callback=lambda r: batches.append(r) or len(batches) < 3
    )
    assert len(batches) == 3 and history.stopped_early and len(history.epochs) == 1
    stop = threading.Event()
    epochs = []

    def on_epoch(report):
        epochs.append(report)
        if report.epoch == 2:
            stop.set()

    history = bc.pretrain(policy, ds, n_epochs=50, callback=on_epoch, stop=stop)
    assert len(history.epochs) == 3 and history.stopped_early
    assert epochs[-1].best_val_loss == min(r.val_loss for r in epochs)
    ds.close()


def test_dataset_that_does_not_fit_the_policy(tmp_path, sb2_pendulum):
    ds = bc.ExpertDataset(sb2_pendulum, traj_limitation=2, verbose=0)
    env = (
        bc.envs.make_env("CartPole-v1")
        if hasattr(bc, "envs")
        else __import__("bc.envs").envs.make_env("CartPole-v1")
    )
    policy = Policy(env.observation_space, env.action_space)
    with pytest.raises(
        SpaceMismatchError, match=r"does not fit the policy: observations are \(3,\)"
    ):
        bc.pretrain(policy, ds, n_epochs=1)


def test_the_seeds_example_with_bc(tmp_path, sb2_cartpole):
    dataset = bc.ExpertDataset(
        expert_path=str(sb2_cartpole), traj_limitation=3, batch_size=128, verbose=0, seed=0
    )
    model = bc.BC("MlpPolicy", "CartPole-v1", seed=0)
    model.pretrain(dataset, n_epochs=15)
    env = model.get_env()
    obs, _ = env.reset(seed=123)
    reward_sum = 0.0
    for _ in range(500):
        action, _ = model.predict(obs)
        obs, reward, terminated, truncated, _ = env.step(action)
        reward_sum += reward
        if terminated or truncated:
            break
    assert reward_sum >= 400
    path = model.save(tmp_path / "model")
    again = bc.BC.load(path, env="CartPole-v1")
    assert again.predict(obs)[0] == model.predict(obs)[0]
    mean, _ = bc.evaluate_policy(again, "CartPole-v1", n_eval_episodes=3, seed=0)
    assert mean >= 400
    expert = bc.evaluate_policy(cartpole_balance, "CartPole-v1", n_eval_episodes=3, seed=0)
    assert expert.mean_return == 500 and expert.lengths == (500, 500, 500)


@pytest.mark.parametrize("algo", ["PPO", "DQN"])
def test_sb3_models_accept_pretraining_then_learn(tmp_path, sb2_cartpole, algo):
    import stable_baselines3 as sb3

    dataset = bc.ExpertDataset(sb2_cartpole, traj_limitation=5, verbose=0, seed=0)
    model = getattr(sb3, algo)("MlpPolicy", "CartPole-v1", seed=0)
    before = bc.evaluate_policy(model, "CartPole-v1", 2, seed=0).mean_return
    history = bc.pretrain(model, dataset, n_epochs=10, learning_rate=1e-3, seed=0)
    assert history.train_loss[-1] < history.train_loss[0]
    after = bc.evaluate_policy(model, "CartPole-v1", 2, seed=0).mean_return
    assert after >= 400, (before, after)
    model.learn(128)


def test_cli_train_and_eval(tmp_path, capsys, sb2_cartpole):
    from bc.cli import main

    out = tmp_path / "pol.zip"
    assert (
        main(
            [
                "train",
                str(sb2_cartpole),
                "--out",
                str(out),
                "--epochs",
                "3",
                "--traj-limitation",
                "3",
                "--env",
                "CartPole-v1",
                "--eval-episodes",
                "2",
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "val acc" in text and "CartPole-v1: mean return" in text and out.is_file()
    assert main(["eval", str(out), "--env", "CartPole-v1", "--episodes", "2"]) == 0
    proc = subprocess.run(
        [sys.executable, "-m", "bc", "eval", str(out), "--env", "Pendulum-v1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1
    assert "does not fit Pendulum-v1" in proc.stderr


def test_sb3_pretraining_shares_the_loop_validation_interval_early_stop_and_best_weights(
    sb2_cartpole,
):
    import stable_baselines3 as sb3

    dataset = bc.ExpertDataset(sb2_cartpole, traj_limitation=4, verbose=0, seed=0)
    model = sb3.DQN("MlpPolicy", "CartPole-v1", seed=0)
    history = bc.pretrain(
        model, dataset, n_epochs=30, learning_rate=3e-2, val_interval=2,
        early_stopping_patience=2, seed=0,
    )  # fmt: skip
    assert np.isnan(history.val_loss[0]) and np.isfinite(history.val_loss[1])
    assert history.stopped_early and len(history.epochs) < 30
    # the restored weights are the best epoch's: their validation loss is the best one
    obs = torch.as_tensor(dataset.observations[dataset.val_indices])
    target = torch.as_tensor(dataset.actions[dataset.val_indices].reshape(-1))
    with torch.no_grad():
        loss = torch.nn.functional.cross_entropy(model.policy.q_net(obs), target)
    assert float(loss) == pytest.approx(history.best_val_loss, rel=1e-4)
    assert history.best_val_loss < history.val_loss[-1]
    for a, b in zip(
        model.policy.q_net.parameters(), model.policy.q_net_target.parameters(), strict=True
    ):
        assert torch.equal(a, b)
    dataset.close()
