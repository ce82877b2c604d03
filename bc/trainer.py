"""`pretrain`: behaviour cloning on an ExpertDataset, with callbacks, cancellation and history."""

from __future__ import annotations

import copy
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from bc.dataset import ExpertDataset
from bc.errors import InvalidArgumentError, SpaceMismatchError
from bc.policies import Policy

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BatchReport:
    """Progress after one training batch."""

    epoch: int
    batch: int
    n_batches: int
    loss: float
    samples_seen: int
    elapsed: float


@dataclass(frozen=True)
class EpochReport:
    """Figures of one finished epoch (validation figures are NaN on epochs not validated)."""

    epoch: int
    n_epochs: int
    train_loss: float
    val_loss: float
    val_accuracy: float
    """Share of validation actions predicted exactly (Discrete; NaN for Box)."""
    val_mse: float
    """Mean squared error of validation actions in env units (Box; NaN for Discrete)."""
    best_val_loss: float
    elapsed: float
    samples_per_second: float


@dataclass
class History:
    """Every metric of a `pretrain` call, one entry per epoch."""

    epochs: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    val_mse: list[float] = field(default_factory=list)
    samples_per_second: list[float] = field(default_factory=list)
    best_epoch: int | None = None
    best_val_loss: float = math.inf
    stopped_early: bool = False
    """True when a callback, the stop event or early stopping ended training."""

    def add(self, report: EpochReport) -> None:
        """Append one epoch's figures."""
        self.epochs.append(report.epoch)
        self.train_loss.append(report.train_loss)
        self.val_loss.append(report.val_loss)
        self.val_accuracy.append(report.val_accuracy)
        self.val_mse.append(report.val_mse)
        self.samples_per_second.append(report.samples_per_second)


BatchCallback = Callable[[BatchReport], "bool | None"]
EpochCallback = Callable[[EpochReport], "bool | None"]


def resolve_device(device: str = "auto") -> torch.device:
    """CUDA when available and asked for ("auto"), else CPU."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def pretrain(
    policy: Any,
    dataset: ExpertDataset,
    n_epochs: int = 10,
    learning_rate: float = 1e-4,
    adam_epsilon: float = 1e-8,
    val_interval: int | None = None,
    *,
    callback: EpochCallback | None = None,
    batch_callback: BatchCallback | None = None,
    stop: threading.Event | None = None,
    seed: int | None = None,
    device: str = "auto",
    early_stopping_patience: int | None = None,
    keep_best: bool = True,
) -> History:
    """Train a policy to reproduce the dataset's actions (behaviour cloning).

    SB2's arguments and meaning: `n_epochs` passes over the training set, Adam with
    `learning_rate` and `adam_epsilon`, validation every `val_interval` epochs (None: every
    epoch; SB2 used n_epochs // 10). Beyond SB2: a second call fine-tunes (weights and the
    optimizer's state are kept); callbacks get `BatchReport`/`EpochReport` and stop training by
    returning False; `stop` is checked every batch; with `keep_best` the weights of the best
    validation loss are restored at the end, also when stopped early.

    Args:
        policy: a `bc.Policy`, or a Stable-Baselines3 model (see `bc.sb3`).
        dataset: the demonstrations.
        n_epochs: epochs to train.
        learning_rate: Adam's learning rate.
        adam_epsilon: Adam's epsilon.
        val_interval: epochs between validation passes.
        callback: called after each epoch.
        batch_callback: called after each batch.
        stop: set it (from any thread) to stop after the current batch.
        seed: seeds torch.
        device: "auto", "cpu" or "cuda".
        early_stopping_patience: stop after this many validations without improvement.
        keep_best: restore the best weights by validation loss at the end.

    Returns:
        The history of every metric.

    Raises:
        SpaceMismatchError: the dataset does not fit the policy's spaces.
    """
    if not isinstance(policy, Policy):
        from bc.sb3 import is_sb3_model, pretrain_sb3

        if is_sb3_model(policy):
            return pretrain_sb3(
                policy,
                dataset,
                n_epochs,
                learning_rate,
                adam_epsilon,
                callback=callback,
                batch_callback=batch_callback,
                stop=stop,
                seed=seed,
            )
        raise InvalidArgumentError(
            f"pretrain needs a bc.Policy or a Stable-Baselines3 model, got {type(policy).__name__}"
        )
    _check_fit(policy, dataset)
    if seed is not None:
        torch.manual_seed(seed)
    dev = resolve_device(device)
    policy.to(dev)
    if not policy.normalised:
        policy.set_normalisation(dataset.observations[dataset.train_indices])
    optimizer = _optimizer(policy, learning_rate, adam_epsilon)
    interval = max(1, val_interval or 1)
    history = History()
    best_state: dict[str, torch.Tensor] | None = None
    since_best = 0
    n_batches = len(dataset.train_loader)
    start = time.perf_counter()
    seen = 0
    for epoch in range(1, n_epochs + 1):
        policy.train()
        epoch_start, total, count, stopped = time.perf_counter(), 0.0, 0, False
        for batch, (obs, actions) in enumerate(dataset.train_loader, start=1):
            out = policy(policy.obs_tensor(obs))
            loss = policy.loss(out, policy.action_target(actions))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            value = float(loss.detach())
            total += value * len(obs)
            count += len(obs)
            seen += len(obs)
            if batch_callback is not None:
                report = BatchReport(
                    epoch, batch, n_batches, value, seen, time.perf_counter() - start
                )
                if batch_callback(report) is False:
                    stopped = True
            if stop is not None and stop.is_set():
                stopped = True
            if stopped:
                break
        rate = count / max(1e-9, time.perf_counter() - epoch_start)
        val_loss = val_acc = val_mse = math.nan
        if dataset.val_loader is not None and (
            epoch % interval == 0 or epoch == n_epochs or stopped
        ):
            val_loss, val_acc, val_mse = evaluate_loss(policy, dataset)
            if val_loss < history.best_val_loss:
                history.best_val_loss, history.best_epoch, since_best = val_loss, epoch, 0
                if keep_best:
                    best_state = copy.deepcopy(policy.state_dict())
            else:
                since_best += 1
        train_loss = total / max(1, count)
        report_e = EpochReport(
            epoch,
            n_epochs,
            train_loss,
            val_loss,
            val_acc,
            val_mse,
            history.best_val_loss,
            time.perf_counter() - start,
            rate,
        )
        history.add(report_e)
        log.info(
            "epoch %d/%d: train loss %.5f, val loss %.5f, val acc %.3f, val mse %.5f",
            epoch,
            n_epochs,
            train_loss,
            val_loss,
            val_acc,
            val_mse,
        )
        if callback is not None and callback(report_e) is False:
            stopped = True
        if early_stopping_patience is not None and since_best >= early_stopping_patience:
            log.info("no validation improvement in %d validations: stopping", since_best)
            stopped = True
        if stopped:
            history.stopped_early = True
            break
    if keep_best and best_state is not None:
        policy.load_state_dict(best_state)
    policy.eval()
    return history


def _optimizer(policy: Policy, lr: float, eps: float) -> torch.optim.Adam:
    """The policy's Adam: kept across calls so a second pretrain fine-tunes."""
    opt: torch.optim.Adam | None = getattr(policy, "_bc_optimizer", None)
    if opt is None:
        opt = torch.optim.Adam(policy.parameters(), lr=lr, eps=eps)
        policy._bc_optimizer = opt  # type: ignore[assignment]
    for group in opt.param_groups:
        group["lr"], group["eps"] = lr, eps
    return opt


def evaluate_loss(policy: Policy, dataset: ExpertDataset) -> tuple[float, float, float]:
    """Validation loss, accuracy (Discrete) and MSE in env units (Box) over `val_loader`."""
    assert dataset.val_loader is not None
    policy.eval()
    total = correct = sq = 0.0
    count = 0
    with torch.no_grad():
        for obs, actions in dataset.val_loader:
            out = policy(policy.obs_tensor(obs))
            total += float(policy.loss(out, policy.action_target(actions))) * len(obs)
            predicted = policy.to_actions(out)
            if policy.is_discrete:
                correct += float(np.sum(predicted.reshape(-1) == np.asarray(actions).reshape(-1)))
            else:
                diff = predicted.reshape(len(obs), -1).astype(np.float64) - np.asarray(
                    actions, np.float64
                ).reshape(len(obs), -1)
                sq += float(np.mean(diff**2, axis=1).sum())
            count += len(obs)
    policy.train()
    n = max(1, count)
    if policy.is_discrete:
        return total / n, correct / n, math.nan
    return total / n, math.nan, sq / n


def _check_fit(policy: Policy, dataset: ExpertDataset) -> None:
    from bc import storage

    problems = storage.space_problems(dataset.data, policy.observation_space, policy.action_space)
    if problems:
        raise SpaceMismatchError("the dataset does not fit the policy: " + "; ".join(problems))
