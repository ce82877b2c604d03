"""Pretraining Stable-Baselines3 models (PPO, A2C, DQN, SAC, TD3) on expert demonstrations."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from gymnasium import spaces

from bc.dataset import ExpertDataset
from bc.errors import InvalidArgumentError, SpaceMismatchError


def is_sb3_model(obj: Any) -> bool:
    """True for a Stable-Baselines3 algorithm object (without importing SB3 when absent)."""
    return any(c.__module__.startswith("stable_baselines3") for c in type(obj).__mro__)


def _loss_fn(model: Any) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """Behaviour-cloning loss for the model's policy: obs batch, action batch -> loss."""
    name = type(model).__name__
    policy = model.policy
    if name == "DQN":

        def dqn(obs: torch.Tensor, act: torch.Tensor) -> torch.Tensor:
            return torch.nn.functional.cross_entropy(policy.q_net(obs), act.long().reshape(-1))

        return dqn
    if name in ("SAC", "TD3", "DDPG"):

        def actor(obs: torch.Tensor, act: torch.Tensor) -> torch.Tensor:
            scaled = torch.as_tensor(policy.scale_action(act.cpu().numpy()), device=obs.device)
            return torch.nn.functional.mse_loss(policy.actor(obs), scaled.float())

        return actor

    def on_policy(obs: torch.Tensor, act: torch.Tensor) -> torch.Tensor:
        if isinstance(model.action_space, spaces.Discrete):
            act = act.long().reshape(-1)
        _, log_prob, _ = policy.evaluate_actions(obs, act)
        return -log_prob.mean()

    return on_policy


def pretrain_sb3(
    model: Any,
    dataset: ExpertDataset,
    n_epochs: int = 10,
    learning_rate: float = 1e-4,
    adam_epsilon: float = 1e-8,
    *,
    callback: Callable[[Any], Any] | None = None,
    batch_callback: Callable[[Any], Any] | None = None,
    stop: threading.Event | None = None,
    seed: int | None = None,
) -> Any:
    """Train an SB3 model's policy to imitate the dataset; `model.learn` can follow.

    PPO/A2C maximise the log-probability of the expert's actions; DQN trains its Q-network
    with cross-entropy over actions (then copies it into the target network); SAC/TD3 regress
    the actor's action onto the expert's (in SB3's scaled action space).

    Returns:
        A `bc.trainer.History`.

    Raises:
        SpaceMismatchError: the dataset does not fit the model's spaces.
    """
    from bc import storage
    from bc.trainer import BatchReport, EpochReport, History

    problems = storage.space_problems(dataset.data, model.observation_space, model.action_space)
    if problems:
        raise SpaceMismatchError("the dataset does not fit the model: " + "; ".join(problems))
    if type(model).__name__ not in ("PPO", "A2C", "DQN", "SAC", "TD3", "DDPG"):
        raise InvalidArgumentError(
            f"pretraining {type(model).__name__} is not supported (PPO, A2C, DQN, SAC, TD3)"
        )
    if seed is not None:
        torch.manual_seed(seed)
    policy = model.policy
    loss_fn = _loss_fn(model)
    params = (
        policy.actor.parameters()
        if hasattr(policy, "actor") and type(model).__name__ != "DQN"
        else policy.parameters()
    )
    optimizer = torch.optim.Adam(params, lr=learning_rate, eps=adam_epsilon)
    history = History()
    start, seen = time.perf_counter(), 0
    n_batches = len(dataset.train_loader)
    for epoch in range(1, n_epochs + 1):
        policy.set_training_mode(True)
        total, count, stopped = 0.0, 0, False
        for batch, (obs, actions) in enumerate(dataset.train_loader, start=1):
            obs_t, _ = policy.obs_to_tensor(np.asarray(obs))
            act_t = torch.as_tensor(np.asarray(actions), device=policy.device)
            loss = loss_fn(obs_t, act_t)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += float(loss.detach()) * len(obs)
            count += len(obs)
            seen += len(obs)
            if (
                batch_callback is not None
                and batch_callback(
                    BatchReport(
                        epoch,
                        batch,
                        n_batches,
                        float(loss.detach()),
                        seen,
                        time.perf_counter() - start,
                    )
                )
                is False
            ):
                stopped = True
            if stop is not None and stop.is_set():
                stopped = True
            if stopped:
                break
        val = math.nan
        if dataset.val_loader is not None:
            policy.set_training_mode(False)
            with torch.no_grad():
                vals = [
                    float(
                        loss_fn(
                            policy.obs_to_tensor(np.asarray(o))[0],
                            torch.as_tensor(np.asarray(a), device=policy.device),
                        )
                    )
                    * len(o)
                    for o, a in dataset.val_loader
                ]
            val = sum(vals) / len(dataset.val_indices)
        report = EpochReport(
            epoch,
            n_epochs,
            total / max(1, count),
            val,
            math.nan,
            math.nan,
            min(history.best_val_loss, val) if not math.isnan(val) else history.best_val_loss,
            time.perf_counter() - start,
            0.0,
        )
        history.add(report)
        if not math.isnan(val) and val < history.best_val_loss:
            history.best_val_loss, history.best_epoch = val, epoch
        if callback is not None and callback(report) is False:
            stopped = True
        if stopped:
            history.stopped_early = True
            break
    if type(model).__name__ == "DQN":
        policy.q_net_target.load_state_dict(policy.q_net.state_dict())
    elif hasattr(policy, "actor_target"):
        policy.actor_target.load_state_dict(policy.actor.state_dict())
    policy.set_training_mode(False)
    return history
