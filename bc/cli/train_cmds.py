"""`demorec train`, `eval`, `pretrain-sb3`: behaviour cloning from the shell."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

from bc import storage
from bc.cli.options import (
    EnvChoice,
    UsageError,
    add_env_options,
    deprecated,
    env_choice,
    evaluate_with_progress,
    note,
    progress,
    require_env,
    sb3_progress_callback,
)
from bc.errors import BCError, EnvError


def register(sub: Any) -> None:
    """Add the training sub-commands to the `demorec` parser."""
    train = sub.add_parser(
        "train",
        help="train a behaviour-cloning policy on a dataset",
        description="Train a behaviour-cloning policy on a dataset, save it as a .zip, and "
        "evaluate it in the env the dataset was recorded in (or --env).",
    )
    train.add_argument("dataset", help="dataset path (.npz), ours or SB2's")
    train.add_argument(
        "--out", default=None, help="policy file to write (default: <dataset>.policy.zip)"
    )
    train.add_argument(
        "--policy",
        default="auto",
        choices=["auto", "mlp", "cnn"],
        help="network: auto picks a CNN for image observations, else an MLP",
    )
    train.add_argument("--epochs", type=int, default=50, help="passes over the training set")
    train.add_argument("--lr", type=float, default=1e-3, help="Adam's learning rate")
    train.add_argument("--batch-size", type=int, default=64, help="samples per batch")
    train.add_argument(
        "--split",
        default="episode",
        choices=["episode", "sample"],
        help="validation split: whole episodes, or samples drawn at random",
    )
    train.add_argument(
        "--train-fraction", type=float, default=0.8, help="share of the data used for training"
    )
    train.add_argument(
        "--traj-limitation", type=int, default=-1, help="use only the first N episodes (-1: all)"
    )
    train.add_argument("--seed", type=int, default=0, help="seed of torch and the split")
    train.add_argument("--device", default="auto", help="auto, cpu or cuda")
    train.add_argument(
        "--patience",
        type=int,
        default=None,
        help="stop after this many epochs without a better validation loss (default: never)",
    )
    add_env_options(train, "evaluate the trained policy in")
    train.add_argument("--eval-env", metavar="ID", default=None, help="deprecated: use --env")
    train.add_argument(
        "--eval-episodes", type=int, default=10, help="evaluation episodes after training (0: none)"
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
    ev.add_argument("--episodes", type=int, default=10, help="episodes to play")
    ev.add_argument("--seed", type=int, default=0, help="episode i is reset with seed + i")
    ev.set_defaults(handler=_eval)

    sb3 = sub.add_parser(
        "pretrain-sb3",
        help="pretrain a Stable-Baselines3 model, then train it",
        description="Pretrain a Stable-Baselines3 model on a dataset by behaviour cloning, "
        "optionally go on with RL (model.learn), and save it (needs the sb3 extra).",
    )
    sb3.add_argument("dataset", help="dataset path (.npz), ours or SB2's")
    sb3.add_argument(
        "--algo",
        default="ppo",
        choices=["ppo", "a2c", "dqn", "sac", "td3"],
        help="SB3 algorithm",
    )
    add_env_options(sb3, "build the model for and train it in")
    sb3.add_argument("--out", required=True, help="SB3 model file (.zip)")
    sb3.add_argument("--epochs", type=int, default=20, help="pretraining epochs")
    sb3.add_argument("--lr", type=float, default=1e-3, help="pretraining learning rate")
    sb3.add_argument(
        "--learn-steps", type=int, default=0, help="RL timesteps of model.learn after pretraining"
    )
    sb3.add_argument(
        "--eval-episodes", type=int, default=10, help="evaluation episodes after each stage"
    )
    sb3.add_argument("--seed", type=int, default=0, help="seed of the model and the split")
    sb3.set_defaults(handler=_pretrain_sb3)


def _fmt(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.4f}"


def _train(args: argparse.Namespace) -> int:
    import torch

    from bc.dataset import ExpertDataset
    from bc.policies import Policy
    from bc.trainer import pretrain

    ds = ExpertDataset(
        args.dataset,
        train_fraction=args.train_fraction,
        batch_size=args.batch_size,
        traj_limitation=args.traj_limitation,
        verbose=0,
        split=args.split,
        seed=args.seed,
    )
    if args.eval_env:
        deprecated(f"--eval-env; use --env {args.eval_env}")
        args.env = args.env or args.eval_env
    choice = env_choice(args, ds.data.metadata) if args.eval_episodes > 0 else None
    if choice is None and args.eval_episodes > 0:
        note("not evaluating: the dataset names no env (as SB2's files); give --env ID")
    env = _eval_env(choice)
    if env is not None:
        ds.check_env(env)
    torch.manual_seed(args.seed)
    policy = Policy(ds.observation_space, ds.action_space, kind=args.policy)
    total = args.epochs * len(ds.train_loader)
    with progress(total, "batch", "training") as bar:

        def on_batch(report: Any) -> None:
            bar.update(1)
            bar.set_postfix(epoch=report.epoch, loss=f"{report.loss:.4f}")

        def on_epoch(report: Any) -> None:
            bar.set_postfix(
                epoch=report.epoch, train=f"{report.train_loss:.4f}", val=_fmt(report.val_loss)
            )

        history = pretrain(
            policy,
            ds,
            args.epochs,
            args.lr,
            callback=on_epoch,
            batch_callback=on_batch,
            seed=args.seed,
            device=args.device,
            early_stopping_patience=args.patience,
        )
    ds.close()
    metric = "val acc" if policy.is_discrete else "val mse"
    print(f"{'epoch':>5} {'train loss':>11} {'val loss':>10} {metric:>9}")
    for i, epoch in enumerate(history.epochs):
        extra = history.val_accuracy[i] if policy.is_discrete else history.val_mse[i]
        val = _fmt(history.val_loss[i])
        print(f"{epoch:>5} {history.train_loss[i]:>11.4f} {val:>10} {_fmt(extra):>9}")
    out = policy.to("cpu").save(args.out or _default_policy_path(args.dataset))
    print(f"best epoch {history.best_epoch} (val loss {_fmt(history.best_val_loss)}) -> {out}")
    if env is not None and choice is not None:
        result = evaluate_with_progress(policy, env, args.eval_episodes, seed=10_000)
        print(
            f"{choice.describe()}: mean return {result.mean_return:.2f} +/- "
            f"{result.std_return:.2f} over {args.eval_episodes} episodes "
            f"(dataset: {ds.avg_ret:.2f})"
        )
        env.close()
    return 0


def _default_policy_path(dataset: str) -> Path:
    """`<name>.policy.zip` beside `<name>.npz`, as the app saves it."""
    path = Path(dataset)
    stem = path.name[: -len(".npz")] if path.name.endswith(".npz") else path.name
    return path.with_name(stem + ".policy.zip")


def _eval_env(choice: EnvChoice | None) -> Any:
    """Make the evaluation env; a recorded env this machine cannot make only skips evaluation."""
    if choice is None:
        return None
    from bc.envs import make_env

    try:
        return make_env(choice.env_id, render_mode=None, **choice.kwargs)
    except EnvError as exc:
        if not choice.from_metadata:
            raise
        note(f"not evaluating in the recorded env: {exc}")
        return None


def _eval(args: argparse.Namespace) -> int:
    from bc.envs import make_env
    from bc.policies import Policy

    policy = Policy.load(args.policy)
    metadata = storage.load(args.dataset, check_images=False).metadata if args.dataset else None
    choice = env_choice(args, metadata)
    if choice is None:
        raise UsageError("eval needs an env: give --env ID (or --dataset recorded in it)")
    env = make_env(choice.env_id, render_mode=None, **choice.kwargs)
    if env.action_space != policy.action_space or (
        env.observation_space.shape != policy.observation_space.shape
    ):
        raise BCError(
            f"the policy ({policy.observation_space} -> {policy.action_space}) does not fit "
            f"{choice.describe()} ({env.observation_space} -> {env.action_space})"
        )
    result = evaluate_with_progress(policy, env, args.episodes, seed=args.seed)
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
    from bc.dataset import ExpertDataset
    from bc.envs import make_env
    from bc.trainer import pretrain

    ds = ExpertDataset(args.dataset, verbose=0, seed=args.seed)
    choice = require_env(args, ds.data.metadata, "pretrain-sb3")
    env = make_env(choice.env_id, render_mode=None, **choice.kwargs)
    ds.check_env(env)
    algo = getattr(sb3, args.algo.upper())
    model = algo("CnnPolicy" if ds.is_image else "MlpPolicy", env, seed=args.seed)
    with progress(args.epochs * len(ds.train_loader), "batch", "pretraining") as bar:

        def on_batch(report: Any) -> None:
            bar.update(1)
            bar.set_postfix(epoch=report.epoch, loss=f"{report.loss:.4f}")

        history = pretrain(model, ds, args.epochs, args.lr, seed=args.seed, batch_callback=on_batch)
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
    env.close()
    model.save(args.out)
    print(f"-> {args.out}")
    return 0
