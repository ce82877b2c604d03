"""`demorec train`: a behaviour-cloning policy from datasets, saved and evaluated."""

from __future__ import annotations

import argparse
import math
import os
from pathlib import Path
from typing import Any

from bc.cli.options import (
    EnvChoice,
    add_env_options,
    deprecated,
    env_choice,
    evaluate_with_progress,
    note,
    progress,
)
from bc.cli.train_options import add_training_options, config_arg, config_checks, first_metadata
from bc.errors import EnvError, UsageError


def register(sub: Any) -> None:
    """Add the `train` sub-command to the `demorec` parser."""
    c = config_checks()
    d = c.TrainConfig()
    train = sub.add_parser(
        "train",
        help="train a behaviour-cloning policy on a dataset",
        description="Train a behaviour-cloning policy on one or several datasets (read as one), "
        "save it as a .zip, and evaluate it in the env the dataset was recorded in (or --env). "
        "Under torchrun it trains across processes and machines.",
    )
    add_training_options(train, c, d)
    train.add_argument(
        "--out", default=None, help="policy file to write (default: <dataset>.policy.zip)"
    )
    train.add_argument(
        "--policy",
        default=d.policy,
        choices=list(c.POLICY_KINDS),
        help="network: auto picks a CNN for image observations, else an MLP",
    )
    train.add_argument(
        "--split",
        default=d.split,
        choices=list(c.SPLITS),
        help="validation split: whole episodes, or samples drawn at random",
    )
    train.add_argument(
        "--train-fraction",
        type=config_arg(c.fraction, "--train-fraction"),
        default=d.train_fraction,
        help="share of the data used for training",
    )
    train.add_argument(
        "--traj-limitation",
        type=int,
        default=d.traj_limitation,
        help="use only the first N episodes (-1: all)",
    )
    add_env_options(train, "evaluate the trained policy in")
    train.add_argument("--eval-env", metavar="ID", default=None, help="deprecated: use --env")
    train.add_argument(
        "--eval-episodes",
        type=config_arg(c.non_negative_int, "--eval-episodes"),
        default=10,
        help="evaluation episodes after training (0: none)",
    )
    # which episodes (bc.selection); --traj-limitation then keeps the first N of those
    train.add_argument(
        "--tag", default=None, help="only episodes with any of these tags (comma-separated)"
    )
    train.add_argument(
        "--flag", default=None, help="only episodes flagged good, bad or unset (comma-separated)"
    )
    train.add_argument(
        "--min-return", type=float, default=None, help="only episodes returning at least this"
    )
    train.add_argument(
        "--kind", default=None, help="only demonstration, correction or rollout episodes"
    )
    train.add_argument(
        "--labels",
        choices=["all", "demonstrations", "demonstrations+interventions"],
        default=None,
        help="which steps train (default: demonstrations+interventions for files with "
        "interventions, else all; docs/dagger.md)",
    )
    train.set_defaults(handler=_train)


def _fmt(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.4f}"


def _train(args: argparse.Namespace) -> int:
    from bc.selection import from_options
    from bc.train import distributed
    from bc.train.api import train
    from bc.train.config import TrainConfig

    try:
        selection = from_options(args.tag, args.flag, args.min_return, args.kind)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    config = TrainConfig(
        epochs=args.epochs,
        learning_rate=args.lr,
        batch_size=args.batch_size,
        train_fraction=args.train_fraction,
        labels=args.labels,
        split=args.split,
        traj_limitation=args.traj_limitation,
        val_interval=args.val_interval,
        patience=args.patience,
        seed=args.seed,
        device=args.device,
        policy=args.policy,
        eval_episodes=0,  # evaluated below, with a progress bar
        selection=None if selection.is_all else selection,
    )
    main_rank = not distributed.requested() or int(os.environ.get("RANK", "0")) == 0
    if args.eval_env:
        deprecated(f"--eval-env; use --env {args.eval_env}")
        args.env = args.env or args.eval_env
    choice, skipped = None, ""
    if args.eval_episodes > 0 and main_rank:
        choice = env_choice(args, first_metadata(args.dataset))
        if choice is None:
            skipped = "not evaluating: the dataset names no env (as SB2's files); give --env ID"
    env, why = _eval_env(choice, args)
    skipped = skipped or why
    try:
        with progress(None, "batch", "training", disable=not main_rank) as bar:

            def on_batch(report: Any) -> None:
                if bar.total is None:
                    bar.total = report.n_batches * args.epochs
                bar.update(1)
                bar.set_postfix(epoch=report.epoch, loss=f"{report.loss:.4f}")

            def on_epoch(report: Any) -> None:
                bar.set_postfix(
                    epoch=report.epoch, train=f"{report.train_loss:.4f}", val=_fmt(report.val_loss)
                )

            result = train(
                args.dataset,
                config,
                out=args.out or _default_policy_path(args.dataset[0]),
                env=env,
                callback=on_epoch,
                batch_callback=None if bar.disable else on_batch,
            )
        if not result.is_main:
            return 0
        history = result.history
        discrete = result.policy.is_discrete
        metric = "val acc" if discrete else "val mse"
        print(f"{'epoch':>5} {'train loss':>11} {'val loss':>10} {metric:>9}")
        for i, epoch in enumerate(history.epochs):
            extra = history.val_accuracy[i] if discrete else history.val_mse[i]
            val = _fmt(history.val_loss[i])
            print(f"{epoch:>5} {history.train_loss[i]:>11.4f} {val:>10} {_fmt(extra):>9}")
        best = _fmt(history.best_val_loss)
        print(f"best epoch {history.best_epoch} (val loss {best}) -> {result.path}")
        if skipped:  # said after training, so that a training error stays the only line
            note(skipped)
        if env is not None and choice is not None and not result.cancelled:
            ev = evaluate_with_progress(result.policy, env, args.eval_episodes, seed=10_000)
            print(
                f"{choice.describe()}: mean return {ev.mean_return:.2f} +/- {ev.std_return:.2f} "
                f"over {args.eval_episodes} episodes (dataset: {result.dataset_return:.2f})"
            )
    finally:
        if env is not None:
            env.close()
    return 0


def _default_policy_path(dataset: str) -> Path:
    """`<name>.policy.zip` beside `<name>.npz`, as the app saves it."""
    path = Path(dataset)
    stem = path.name[: -len(".npz")] if path.name.endswith(".npz") else path.name
    return path.with_name(stem + ".policy.zip")


def _eval_env(choice: EnvChoice | None, args: argparse.Namespace) -> tuple[Any, str]:
    """The evaluation env, or None and why (a recorded env this machine lacks skips evaluation)."""
    if choice is None:
        return None, ""
    try:
        return choice.make(args, render_mode=None), ""
    except EnvError as exc:
        if not choice.from_metadata:
            raise
        return None, f"not evaluating in the recorded env: {exc}"
