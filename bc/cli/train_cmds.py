"""`bc train`, `bc eval`, `bc pretrain-sb3`: behaviour cloning from the shell."""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable
from typing import Any

from bc.errors import BCError


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
    """Add the training sub-commands to the `bc` parser."""
    c = _checks()
    d = c.TrainConfig()
    train = sub.add_parser("train", help="train a behaviour-cloning policy on a dataset")
    train.add_argument(
        "dataset", nargs="+", help="dataset(s): several paths or globs train as one dataset"
    )
    train.add_argument("--out", required=True, help="policy file to write (.zip)")
    train.add_argument("--policy", default=d.policy, choices=list(c.POLICY_KINDS))
    train.add_argument("--epochs", type=_arg(c.positive_int, "--epochs"), default=d.epochs)
    train.add_argument("--lr", type=_arg(c.positive_float, "--lr"), default=d.learning_rate)
    train.add_argument(
        "--batch-size", type=_arg(c.positive_int, "--batch-size"), default=d.batch_size
    )
    train.add_argument("--split", default=d.split, choices=list(c.SPLITS))
    train.add_argument(
        "--train-fraction", type=_arg(c.fraction, "--train-fraction"), default=d.train_fraction
    )
    train.add_argument("--traj-limitation", type=int, default=d.traj_limitation)
    train.add_argument(
        "--val-interval", type=_arg(c.positive_int, "--val-interval"), default=d.val_interval
    )
    train.add_argument("--seed", type=_arg(c.seed_value, "--seed"), default=d.seed)
    train.add_argument(
        "--device",
        type=_arg(c.device_name, "--device"),
        default=d.device,
        help="auto (a GPU when present), cpu, cuda or cuda:N",
    )
    train.add_argument(
        "--patience", type=_arg(c.positive_int, "--patience"), default=None, help="early stopping"
    )
    train.add_argument("--eval-env", help="evaluate the trained policy in this env id")
    train.add_argument("--eval-episodes", type=_arg(c.positive_int, "--eval-episodes"), default=10)
    train.set_defaults(handler=_train)

    ev = sub.add_parser("eval", help="evaluate a saved policy in an env")
    ev.add_argument("policy")
    ev.add_argument("--env", required=True)
    ev.add_argument("--episodes", type=_arg(c.positive_int, "--episodes"), default=10)
    ev.add_argument("--seed", type=_arg(c.seed_value, "--seed"), default=0)
    ev.add_argument(
        "--max-policy-mb",
        type=_arg(c.positive_int, "--max-policy-mb"),
        default=1024,
        help="refuse policy weights that inflate past this many MiB",
    )
    ev.set_defaults(handler=_eval)

    sb3 = sub.add_parser("pretrain-sb3", help="pretrain a Stable-Baselines3 model, then train it")
    sb3.add_argument("dataset", nargs="+")
    sb3.add_argument("--algo", default="ppo", choices=["ppo", "a2c", "dqn", "sac", "td3"])
    sb3.add_argument("--env", required=True)
    sb3.add_argument("--out", required=True, help="SB3 model file (.zip)")
    sb3.add_argument("--epochs", type=_arg(c.positive_int, "--epochs"), default=d.epochs)
    sb3.add_argument("--lr", type=_arg(c.positive_float, "--lr"), default=d.learning_rate)
    sb3.add_argument("--batch-size", type=_arg(c.positive_int, "--batch-size"), default=64)
    sb3.add_argument("--val-interval", type=_arg(c.positive_int, "--val-interval"), default=1)
    sb3.add_argument("--patience", type=_arg(c.positive_int, "--patience"), default=None)
    sb3.add_argument(
        "--learn-steps",
        type=_arg(c.non_negative_int, "--learn-steps"),
        default=0,
        help="RL steps after pretraining",
    )
    sb3.add_argument("--seed", type=_arg(c.seed_value, "--seed"), default=0)
    sb3.add_argument("--device", type=_arg(c.device_name, "--device"), default="auto")
    sb3.set_defaults(handler=_pretrain_sb3)


def _fmt(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.4f}"


def _train(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from bc.train.api import train
    from bc.train.config import TrainConfig

    config = TrainConfig(
        epochs=args.epochs,
        learning_rate=args.lr,
        batch_size=args.batch_size,
        train_fraction=args.train_fraction,
        split=args.split,
        traj_limitation=args.traj_limitation,
        val_interval=args.val_interval,
        patience=args.patience,
        seed=args.seed,
        device=args.device,
        policy=args.policy,
        eval_episodes=args.eval_episodes if args.eval_env else 0,
    )
    from bc.train import distributed

    quiet = distributed.requested() and int(os.environ.get("RANK", "0")) != 0
    with tqdm(unit="batch", file=sys.stderr, disable=True if quiet else None) as bar:

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
            out=args.out,
            env=args.eval_env,
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
    print(
        f"best epoch {history.best_epoch} (val loss {_fmt(history.best_val_loss)}) -> {result.path}"
    )
    if result.evaluation is not None:
        ev = result.evaluation
        print(
            f"{args.eval_env}: mean return {ev.mean_return:.2f} +/- {ev.std_return:.2f} "
            f"over {args.eval_episodes} episodes (dataset: {result.dataset_return:.2f})"
        )
    return 0


def _eval(args: argparse.Namespace) -> int:
    from bc.envs import make_env
    from bc.evaluation import evaluate_policy
    from bc.train.policies import Policy

    policy = Policy.load(args.policy, max_bytes=args.max_policy_mb << 20)
    env = make_env(args.env, render_mode=None)
    if env.action_space != policy.action_space or (
        env.observation_space.shape != policy.observation_space.shape
    ):
        raise BCError(
            f"the policy ({policy.observation_space} -> {policy.action_space}) does not fit "
            f"{args.env} ({env.observation_space} -> {env.action_space})"
        )
    result = evaluate_policy(policy, env, args.episodes, seed=args.seed)
    env.close()
    print(
        f"{args.env}: mean return {result.mean_return:.2f} +/- {result.std_return:.2f} "
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
    from bc.envs import make_env
    from bc.evaluation import evaluate_policy
    from bc.train.api import open_dataset, save_policy
    from bc.train.config import TrainConfig
    from bc.train.device import resolve_device
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
    env = make_env(args.env, render_mode=None)
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
        from bc.train.adapters import make_adapter
        from bc.train.loop import fit

        history = fit(make_adapter(model, model.device), ds, config)
    finally:
        ds.close()
    before = evaluate_policy(model, args.env, 10, seed=10_000)
    print(
        f"pretrained {args.algo.upper()} for {len(history.epochs)} epochs: mean return "
        f"{before.mean_return:.2f} +/- {before.std_return:.2f}"
    )
    if args.learn_steps:
        model.learn(args.learn_steps)
        after = evaluate_policy(model, args.env, 10, seed=10_000)
        print(f"after learn({args.learn_steps}): mean return {after.mean_return:.2f}")
    print(f"-> {save_policy(model, args.out, history, config)}")
    return 0
