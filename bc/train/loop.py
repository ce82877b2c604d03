"""The one training loop (`fit`) and `pretrain`, SB2's entry point, for every model family.

Per batch the loop does what a minimal hand-written torch loop does (forward, loss, backward,
a fused Adam step) plus one in-place add for the epoch's loss; callbacks and stop checks run
only when given. Per epoch: validation (all-reduced under torchrun), best weights, early
stopping, and a check that the loss is finite.
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from bc.dataset import ExpertDataset
from bc.errors import SpaceMismatchError, TrainingError
from bc.train.adapters import ModelAdapter, PolicyAdapter
from bc.train.config import DEFAULT_EPOCHS, DEFAULT_LEARNING_RATE, TrainConfig
from bc.train.data import Shard, make_data
from bc.train.device import resolve_device
from bc.train.policies import Policy

log = logging.getLogger(__name__)

__all__ = [
    "BatchReport",
    "EpochReport",
    "History",
    "fit",
    "pretrain",
    "resolve_device",
]


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
    """Every metric of a training run, one entry per epoch."""

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

    def as_dict(self) -> dict[str, Any]:
        """The history as a JSON-able dict (NaN and infinity become None)."""

        def clean(values: list[float]) -> list[float | None]:
            return [v if math.isfinite(v) else None for v in values]

        return {
            "epochs": self.epochs,
            "train_loss": clean(self.train_loss),
            "val_loss": clean(self.val_loss),
            "val_accuracy": clean(self.val_accuracy),
            "val_mse": clean(self.val_mse),
            "samples_per_second": clean(self.samples_per_second),
            "best_epoch": self.best_epoch,
            "best_val_loss": clean([self.best_val_loss])[0],
            "stopped_early": self.stopped_early,
        }


BatchCallback = Callable[[BatchReport], "bool | None"]
EpochCallback = Callable[[EpochReport], "bool | None"]


def pretrain(
    policy: Any,
    dataset: ExpertDataset,
    n_epochs: int | None = None,
    learning_rate: float | None = None,
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
    epoch; SB2 used n_epochs // 10). Defaults are `TrainConfig`'s (30 epochs, 1e-3). Beyond
    SB2: it runs `bc.train.train` (so also across processes under torchrun; NaN in the data
    is refused); a second call fine-tunes (weights and the optimizer's state are kept);
    callbacks get `BatchReport`/`EpochReport` and stop training by returning False; `stop` is
    checked every batch; with `keep_best` the weights of the best validation loss are restored
    at the end, also when stopped early.

    Args:
        policy: a `bc.Policy`, or a Stable-Baselines3 model (see `bc.train.sb3`).
        dataset: the demonstrations (its batch size is used).
        n_epochs: epochs to train (None: `TrainConfig`'s default).
        learning_rate: Adam's learning rate (None: `TrainConfig`'s default).
        adam_epsilon: Adam's epsilon.
        val_interval: epochs between validation passes.
        callback: called after each epoch.
        batch_callback: called after each batch.
        stop: set it (from any thread) to stop after the current batch.
        seed: seeds torch and the shuffling.
        device: "auto", "cpu", "cuda" or "cuda:N" (an SB3 model stays on its own device).
        early_stopping_patience: stop after this many validations without improvement.
        keep_best: restore the best weights by validation loss at the end.

    Returns:
        The history of every metric.

    Raises:
        TrainConfigError: a setting out of range (e.g. 0 epochs).
        SpaceMismatchError: the dataset does not fit the policy's spaces.
        TrainingError: the loss became NaN or infinite.
    """
    config = TrainConfig(
        epochs=DEFAULT_EPOCHS if n_epochs is None else n_epochs,
        learning_rate=DEFAULT_LEARNING_RATE if learning_rate is None else learning_rate,
        adam_epsilon=adam_epsilon,
        batch_size=dataset.batch_size,
        val_interval=val_interval or 1,
        patience=early_stopping_patience,
        keep_best=keep_best,
        seed=seed,
        device=device,
    )
    from bc.train.api import train

    result = train(
        dataset, config, policy=policy, callback=callback, batch_callback=batch_callback, stop=stop
    )
    return result.history


def check_fit(adapter: ModelAdapter, dataset: ExpertDataset) -> None:
    """Raise SpaceMismatchError when the dataset's rows do not fit the model's spaces."""
    from bc.data.validate import space_problems

    if isinstance(adapter, PolicyAdapter):
        policy = adapter.policy
        problems = space_problems(dataset.data, policy.observation_space, policy.action_space)
        if problems:
            raise SpaceMismatchError("the dataset does not fit the policy: " + "; ".join(problems))
    else:
        from bc.train.sb3 import check_fit as check_sb3

        check_sb3(adapter.model, dataset)  # type: ignore[attr-defined]


def fit(
    adapter: ModelAdapter,
    dataset: ExpertDataset,
    config: TrainConfig,
    *,
    callback: EpochCallback | None = None,
    batch_callback: BatchCallback | None = None,
    stop: threading.Event | None = None,
    distributed: Any = None,
) -> History:
    """Train `adapter`'s model on `dataset` with `config`: the loop every entry point runs.

    Args:
        adapter: the model family (`make_adapter`).
        dataset: the demonstrations.
        config: epochs, learning rate, validation interval, patience, best weights, seed.
        callback: called after each epoch; returning False stops.
        batch_callback: called after each batch; returning False stops.
        stop: checked after every batch.
        distributed: a `bc.train.distributed.Context` under torchrun (None: one process).

    Raises:
        SpaceMismatchError: the dataset does not fit the model.
        TrainingError: the loss became NaN or infinite.
    """
    check_fit(adapter, dataset)
    if config.seed is not None:
        torch.manual_seed(config.seed)
    shard = None
    forward: Any = adapter.module
    if distributed is not None and distributed.world_size > 1:
        if not adapter.supports_distributed:
            raise TrainingError("training across processes supports bc policies only, not SB3")
        shard = Shard(distributed.rank, distributed.world_size)
    adapter.prepare(dataset)
    data = make_data(dataset, adapter, dataset.batch_size, config.seed, shard)
    if shard is not None:
        forward = distributed.wrap(adapter.module)
    optimizer = adapter.optimizer(config.learning_rate, config.adam_epsilon)
    autocast = adapter.is_image and adapter.device.type == "cuda"
    history = History()
    best_state: dict[str, torch.Tensor] | None = None
    since_best = 0
    n_batches = data.n_train_batches
    start = time.perf_counter()
    seen = 0
    try:
        for epoch in range(1, config.epochs + 1):
            adapter.train_mode(True)
            epoch_start, stopped, count = time.perf_counter(), False, 0
            total = torch.zeros((), device=adapter.device)
            for batch, (x, y) in enumerate(data.train_batches(epoch), start=1):
                with _autocast(autocast):
                    loss = adapter.loss(forward, x, y)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()  # type: ignore[no-untyped-call]
                optimizer.step()
                n = len(y)
                total.add_(loss.detach().float(), alpha=n)
                count += n
                if batch_callback is not None:
                    seen += n
                    value = float(loss.detach())
                    report = BatchReport(
                        epoch, batch, n_batches, value, seen, time.perf_counter() - start
                    )
                    if batch_callback(report) is False:
                        stopped = True
                if stop is not None and stop.is_set():
                    stopped = True
                if stopped and shard is None:  # under torchrun every process ends the epoch
                    break
            if batch_callback is None:
                seen += count
            train_loss = float(total) / max(1, count)
            if distributed is not None:
                train_loss = distributed.mean(train_loss)
                stopped = not distributed.all_ok(not stopped)
            _check_finite(train_loss, epoch)
            rate = count / max(1e-9, time.perf_counter() - epoch_start)
            val_loss = val_acc = val_mse = math.nan
            if data.has_val and (
                epoch % config.val_interval == 0 or epoch == config.epochs or stopped
            ):
                val_loss, val_acc, val_mse = _validate(adapter, data, distributed, autocast)
                _check_finite(val_loss, epoch, "validation")
                if val_loss < history.best_val_loss:
                    history.best_val_loss, history.best_epoch, since_best = val_loss, epoch, 0
                    if config.keep_best:
                        best_state = {
                            k: v.detach().clone() for k, v in adapter.module.state_dict().items()
                        }
                else:
                    since_best += 1
            report_e = EpochReport(
                epoch,
                config.epochs,
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
                config.epochs,
                train_loss,
                val_loss,
                val_acc,
                val_mse,
            )
            if callback is not None and callback(report_e) is False:
                stopped = True
            if config.patience is not None and since_best >= config.patience:
                log.info("no validation improvement in %d validations: stopping", since_best)
                stopped = True
            if distributed is not None:  # rank 0's callback decides for every process
                stopped = not distributed.all_ok(not stopped)
            if stopped:
                history.stopped_early = True
                break
    finally:
        data.close()
    if config.keep_best and best_state is not None:
        adapter.module.load_state_dict(best_state)
    adapter.finish()
    return history


def _autocast(enabled: bool) -> contextlib.AbstractContextManager[Any]:
    """bf16 autocast for CNNs on CUDA; nothing otherwise."""
    if not enabled:
        return contextlib.nullcontext()
    return torch.autocast("cuda", dtype=torch.bfloat16)


def _check_finite(value: float, epoch: int, what: str = "training") -> None:
    if not math.isfinite(value):
        raise TrainingError(
            f"the {what} loss became {value} in epoch {epoch}: the dataset holds extreme values, "
            "or the learning rate is too high; nothing was saved"
        )


def _validate(
    adapter: ModelAdapter, data: Any, distributed: Any, autocast: bool
) -> tuple[float, float, float]:
    """Validation loss, accuracy (Discrete) and MSE in env units (Box), over every process."""
    adapter.train_mode(False)
    loss = correct = sq = 0.0
    count = 0
    with torch.no_grad(), _autocast(autocast):
        for x, y in data.val_batches():
            batch_loss, batch_correct, batch_sq = adapter.metrics(x, y)
            loss += batch_loss
            correct += 0.0 if math.isnan(batch_correct) else batch_correct
            sq += 0.0 if math.isnan(batch_sq) else batch_sq
            count += len(y)
    if distributed is not None:
        loss, correct, sq, total = distributed.sum([loss, correct, sq, float(count)])
        count = int(total)
    n = max(1, count)
    if adapter.is_discrete:
        return loss / n, correct / n, math.nan
    if isinstance(adapter, PolicyAdapter):
        return loss / n, math.nan, sq / n
    return loss / n, math.nan, math.nan


def default_policy(dataset: ExpertDataset, config: TrainConfig) -> Policy:
    """A fresh policy for the dataset's spaces, built from `config` (seeded when it has a seed)."""
    if config.seed is not None:
        torch.manual_seed(config.seed)
    return Policy(
        dataset.observation_space,
        dataset.action_space,
        kind=config.policy,
        hidden=config.hidden,
        activation=config.activation,
    )
