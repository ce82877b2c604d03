"""`train()`: dataset(s) -> policy -> training -> saved policy -> evaluation, in one call.

The `train` command, the app's train job, `BC.pretrain` (through `fit`) and the benches all run
this, so they share one set of defaults (`TrainConfig`). Under torchrun every process calls it;
only rank 0 writes the policy and the history and evaluates.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from bc.dataset import ExpertDataset
from bc.errors import DatasetError, TrainingError
from bc.train import distributed
from bc.train.adapters import make_adapter
from bc.train.config import TrainConfig
from bc.train.device import resolve_device
from bc.train.loop import BatchCallback, EpochCallback, History, default_policy, fit

DatasetSource = str | Path | Sequence[str | Path] | ExpertDataset


@dataclass(frozen=True)
class TrainResult:
    """What a `train()` call produced."""

    policy: Any
    """The trained `bc.Policy` (best weights when `keep_best`)."""
    history: History
    path: Path | None
    """The saved policy file (None when not asked for, or not rank 0)."""
    evaluation: Any
    """An `EvalResult` when an env and `eval_episodes` were given, else None."""
    cancelled: bool
    """True when the `stop` event ended training."""
    dataset_return: float
    """Mean episode return of the demonstrations used (to compare with `evaluation`)."""
    is_main: bool = True
    """False on the torchrun processes other than rank 0 (they write and print nothing)."""


def open_dataset(source: DatasetSource, config: TrainConfig) -> ExpertDataset:
    """An `ExpertDataset` from one path, several paths or globs, with `config`'s split."""
    if isinstance(source, ExpertDataset):
        return source
    return ExpertDataset(
        source,
        train_fraction=config.train_fraction,
        batch_size=config.batch_size,
        traj_limitation=config.traj_limitation,
        verbose=0,
        split=config.split,  # type: ignore[arg-type]
        seed=config.seed,
        n_workers=config.n_workers,
        image_cache_bytes=config.image_cache_bytes,
        selection=config.selection,
        labels=config.labels,
    )


def check_finite_values(dataset: ExpertDataset) -> None:
    """Refuse NaN or infinite observations or actions before training on them.

    Raises:
        DatasetError: naming how many rows and the first step.
    """
    problems = []
    arrays = [("actions", dataset.actions)]
    if not dataset.is_image:
        arrays.insert(0, ("observations", dataset.observations))
    for name, values in arrays:
        if values.dtype.kind != "f":
            continue
        bad = ~np.isfinite(values.reshape(len(values), -1)).all(axis=1)
        if bad.any():
            problems.append(
                f"{int(bad.sum())} {name} rows hold NaN or infinity "
                f"(first at step {int(np.argmax(bad))}); fix or drop those episodes"
            )
    if problems:
        raise DatasetError(dataset.data.path, problems)


def train(
    datasets: DatasetSource,
    config: TrainConfig | None = None,
    *,
    out: str | Path | None = None,
    env: str | gym.Env[Any, Any] | None = None,
    env_kwargs: dict[str, Any] | None = None,
    policy: Any = None,
    callback: EpochCallback | None = None,
    batch_callback: BatchCallback | None = None,
    stop: threading.Event | None = None,
) -> TrainResult:
    """Train a behaviour-cloning policy on one or several datasets and save it.

    Under `torchrun` (WORLD_SIZE > 1) the processes train one model with
    DistributedDataParallel; each reads its own share of episodes.

    Args:
        datasets: a path, several paths or glob patterns (one dataset), or an `ExpertDataset`
            (then its own split, batch size and image cache are used, and it stays open).
        config: every setting; None uses `TrainConfig()`'s defaults.
        out: where to write the policy (.zip) and its history (.history.json); None: nowhere.
        env: an env id or env: the dataset is checked against it and, with
            `config.eval_episodes`, the policy plays it afterwards.
        env_kwargs: keyword arguments for an env id.
        policy: a `bc.Policy` or SB3 model to train; None builds one from `config`.
        callback: after each epoch (rank 0 only under torchrun); False stops.
        batch_callback: after each batch (rank 0 only); False stops.
        stop: set it from any thread to stop after the current batch.

    Raises:
        TrainConfigError: a setting out of range.
        DatasetError: unreadable or inconsistent data, NaN in it, datasets that do not match.
        SpaceMismatchError: the dataset does not fit the env or the policy.
        TrainingError: the loss became non-finite, no CUDA, a torchrun group that cannot form.
    """
    config = config or TrainConfig()
    context = distributed.setup(config.device)
    is_main = context is None or context.is_main
    own = not isinstance(datasets, ExpertDataset)
    made_env = None
    dataset: ExpertDataset | None = None
    try:  # the finally leaves the process group on every path, a failed open included
        dataset = open_dataset(datasets, config)
        check_finite_values(dataset)
        if isinstance(env, str):
            from bc.envs import make_env

            made_env = make_env(env, render_mode=None, **(env_kwargs or {}))
        the_env = made_env if made_env is not None else env
        if the_env is not None:
            dataset.check_env(the_env)
        model = policy if policy is not None else default_policy(dataset, config)
        device = context.device if context is not None else resolve_device(config.device)
        adapter = make_adapter(model, device)
        history = fit(
            adapter,
            dataset,
            config,
            callback=callback if is_main else None,
            batch_callback=batch_callback if is_main else None,
            stop=stop,
            distributed=context,
        )
        path = None
        if out is not None and is_main:
            path = save_policy(model, out, history, config)
        evaluation = None
        cancelled = stop is not None and stop.is_set()
        if is_main and the_env is not None and config.eval_episodes > 0 and not cancelled:
            from bc.evaluation import evaluate_policy

            seed = 10_000 + (config.seed or 0)
            evaluation = evaluate_policy(model, the_env, config.eval_episodes, seed=seed)
        return TrainResult(
            model, history, path, evaluation, cancelled, dataset.avg_ret, is_main=is_main
        )
    finally:
        if made_env is not None:
            made_env.close()
        if own and dataset is not None:
            dataset.close()
        distributed.teardown(context)


def save_policy(model: Any, out: str | Path, history: History, config: TrainConfig) -> Path:
    """Write the policy (atomically) and `<name>.history.json` beside it."""
    from bc.train.policies import Policy

    if isinstance(model, Policy):
        path = model.save(out)
    else:
        model.save(str(out))
        path = Path(out) if str(out).endswith(".zip") else Path(f"{out}.zip")
    record = {"config": config.as_dict(), "history": history.as_dict()}
    target = path.with_name(path.name.removesuffix(".zip") + ".history.json")
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(record, indent=1, allow_nan=False))
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise TrainingError(f"could not write {target}: {exc.strerror or exc}") from exc
    return path
