"""`demorec train`, `eval`, `pretrain-sb3`: behaviour cloning from the shell."""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable
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
    require_env,
    sb3_progress_callback,
)
from bc.data.archive import load
from bc.errors import BCError, EnvError, UsageError


def _arg(check: Callable[[Any, str], Any], name: str) -> Callable[[str], Any]:
    """An argparse type from one of `bc.train.config`'s checks (bad values: usage error, exit 2)."""

    def parse(text: str) -> Any:
        from bc.errors import TrainConfigError

        try:
            return check(text, name)
        except TrainConfigError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parse.__name__ = name
    return parse


def _checks() -> Any:
    from bc.train import config

    return config


def register(sub: Any) -> None:
    """Add the training sub-commands to the `demorec` parser."""
    c = _checks()
    d = c.TrainConfig()
    train = sub.add_parser(
        "train",
        help="train a behaviour-cloning policy on a dataset",
        description="Train a behaviour-cloning policy on one or several datasets (read as one), "
        "save it as a .zip, and evaluate it in the env the dataset was recorded in (or --env). "
        "Under torchrun it trains across processes and machines.",
    )
    _add_training_options(train, c, d)
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
        type=_arg(c.fraction, "--train-fraction"),
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
        type=_arg(c.non_negative_int, "--eval-episodes"),
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

    ev = sub.add_parser(
        "eval",
        help="evaluate a saved policy in an env",
        description="Play a saved policy for some episodes and print the mean and spread of "
        "its returns.",
    )
    ev.add_argument("policy", help="policy file (.zip) written by demorec train or bc.BC.save")
    add_env_options(ev, "play the policy in", from_dataset=False)
    ev.add_argument(
        "--dataset",
        default=None,
        help="without --env: play in the env this dataset was recorded in",
    )
    ev.add_argument(
        "--trust-env-module",
        action="store_true",
        help="let an env id read from --dataset import its module (module:EnvName)",
    )
    ev.add_argument(
        "--episodes", type=_arg(c.positive_int, "--episodes"), default=10, help="episodes to play"
    )
    ev.add_argument(
        "--seed",
        type=_arg(c.seed_value, "--seed"),
        default=0,
        help="episode i is reset with seed + i",
    )
    ev.add_argument(
        "--max-policy-mb",
        type=_arg(c.positive_int, "--max-policy-mb"),
        default=1024,
        help="refuse policy weights that inflate past this many MiB",
    )
    ev.set_defaults(handler=_eval)

    sb3 = sub.add_parser(
        "pretrain-sb3",
        help="pretrain a Stable-Baselines3 model, then train it",
        description="Pretrain a Stable-Baselines3 model on a dataset by behaviour cloning, "
        "optionally go on with RL (model.learn), and save it (needs the sb3 extra).",
    )
    _add_training_options(sb3, c, d)
    sb3.add_argument(
        "--algo",
        default="ppo",
        choices=["ppo", "a2c", "dqn", "sac", "td3"],
        help="SB3 algorithm",
    )
    add_env_options(sb3, "build the model for and train it in")
    sb3.add_argument("--out", required=True, help="SB3 model file (.zip)")
    sb3.add_argument(
        "--learn-steps",
        type=_arg(c.non_negative_int, "--learn-steps"),
        default=0,
        help="RL timesteps of model.learn after pretraining",
    )
    sb3.add_argument(
        "--eval-episodes",
        type=_arg(c.non_negative_int, "--eval-episodes"),
        default=10,
        help="evaluation episodes after each stage (0: none)",
    )
    sb3.set_defaults(handler=_pretrain_sb3)


def _add_training_options(parser: Any, c: Any, d: Any) -> None:
    """Add what `train` and `pretrain-sb3` share: datasets, epochs, rate, batches, seed, device.

    `c` is `bc.train.config` (the value checks), `d` its default `TrainConfig`.
    """
    parser.add_argument(
        "dataset", nargs="+", help="dataset path(s) (.npz, ours or SB2's) or glob patterns"
    )
    parser.add_argument(
        "--epochs",
        type=_arg(c.positive_int, "--epochs"),
        default=d.epochs,
        help="passes over the training set",
    )
    parser.add_argument(
        "--lr", type=_arg(c.positive_float, "--lr"), default=d.learning_rate, help="Adam's rate"
    )
    parser.add_argument(
        "--batch-size",
        type=_arg(c.positive_int, "--batch-size"),
        default=d.batch_size,
        help="samples per batch",
    )
    parser.add_argument(
        "--val-interval",
        type=_arg(c.positive_int, "--val-interval"),
        default=d.val_interval,
        help="validate every N epochs",
    )
    parser.add_argument(
        "--patience",
        type=_arg(c.positive_int, "--patience"),
        default=None,
        help="stop after this many epochs without a better validation loss (default: never)",
    )
    parser.add_argument(
        "--seed",
        type=_arg(c.seed_value, "--seed"),
        default=d.seed,
        help="seed of the model's weights and of the split",
    )
    parser.add_argument(
        "--device",
        type=_arg(c.device_name, "--device"),
        default=d.device,
        help="auto (a GPU when present), cpu, cuda or cuda:N",
    )


def _fmt(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.4f}"


def _first_metadata(datasets: list[str]) -> dict[str, Any]:
    """The metadata of the first dataset named (the env to evaluate in comes from it)."""
    from bc.sources import expand

    return load(expand(datasets)[0], check_images=False).metadata


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
        choice = env_choice(args, _first_metadata(args.dataset))
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


def _eval(args: argparse.Namespace) -> int:
    from bc.train.policies import Policy

    policy = Policy.load(args.policy, max_bytes=args.max_policy_mb << 20)
    metadata = load(args.dataset, check_images=False).metadata if args.dataset else None
    choice = env_choice(args, metadata)
    if choice is None:
        raise UsageError("eval needs an env: give --env ID (or --dataset recorded in it)")
    env = choice.make(args, render_mode=None)
    try:
        if env.action_space != policy.action_space or (
            env.observation_space.shape != policy.observation_space.shape
        ):
            raise BCError(
                f"the policy ({policy.observation_space} -> {policy.action_space}) does not fit "
                f"{choice.describe()} ({env.observation_space} -> {env.action_space})"
            )
        result = evaluate_with_progress(policy, env, args.episodes, seed=args.seed)
    finally:
        env.close()
    print(
        f"{choice.describe()}: mean return {result.mean_return:.2f} +/- {result.std_return:.2f} "
        f"over {args.episodes} episodes; lengths {min(result.lengths)}-{max(result.lengths)}"
    )
    return 0


def _pretrain_sb3(args: argparse.Namespace) -> int:
    try:
        import stable_baselines3 as sb3
    except ImportError as exc:
        raise BCError(
            "pretrain-sb3 needs stable-baselines3: pip install 'demo-recorder[sb3]'"
        ) from exc
    from bc.train.adapters import make_adapter
    from bc.train.api import open_dataset, save_policy
    from bc.train.config import TrainConfig
    from bc.train.device import resolve_device
    from bc.train.loop import fit
    from bc.train.sb3 import check_algorithm

    config = TrainConfig(
        epochs=args.epochs,
        learning_rate=args.lr,
        batch_size=args.batch_size,
        val_interval=args.val_interval,
        patience=args.patience,
        seed=args.seed,
        device=args.device,
    )
    choice = require_env(args, _first_metadata(args.dataset), "pretrain-sb3")
    env = choice.make(args, render_mode=None)
    try:
        check_algorithm(args.algo, env.action_space)
        ds = open_dataset(args.dataset, config)
        try:
            ds.check_env(env)
            algo = getattr(sb3, args.algo.upper())
            model = algo(
                "CnnPolicy" if ds.is_image else "MlpPolicy",
                env,
                seed=args.seed,
                device=resolve_device(config.device),
            )
            with progress(config.epochs * len(ds.train_loader), "batch", "pretraining") as bar:

                def on_batch(report: Any) -> None:
                    bar.update(1)
                    bar.set_postfix(epoch=report.epoch, loss=f"{report.loss:.4f}")

                history = fit(
                    make_adapter(model, model.device), ds, config, batch_callback=on_batch
                )
        finally:
            ds.close()
        if args.eval_episodes > 0:
            before = evaluate_with_progress(model, env, args.eval_episodes, seed=10_000)
            print(
                f"pretrained {args.algo.upper()} for {len(history.epochs)} epochs: mean return "
                f"{before.mean_return:.2f} +/- {before.std_return:.2f}"
            )
        if args.learn_steps:
            model.learn(args.learn_steps, callback=sb3_progress_callback(args.learn_steps))
            if args.eval_episodes > 0:
                after = evaluate_with_progress(model, env, args.eval_episodes, seed=10_000)
                print(f"after learn({args.learn_steps}): mean return {after.mean_return:.2f}")
    finally:
        env.close()
    print(f"-> {save_policy(model, args.out, history, config)}")
    return 0
