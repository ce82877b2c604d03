"""`bc train`, `bc eval`, `bc pretrain-sb3`: behaviour cloning from the shell."""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any

from bc.errors import BCError


def register(sub: Any) -> None:
    """Add the training sub-commands to the `bc` parser."""
    train = sub.add_parser("train", help="train a behaviour-cloning policy on a dataset")
    train.add_argument("dataset")
    train.add_argument("--out", required=True, help="policy file to write (.zip)")
    train.add_argument("--policy", default="auto", choices=["auto", "mlp", "cnn"])
    train.add_argument("--epochs", type=int, default=50)
    train.add_argument("--lr", type=float, default=1e-3)
    train.add_argument("--batch-size", type=int, default=64)
    train.add_argument("--split", default="episode", choices=["episode", "sample"])
    train.add_argument("--train-fraction", type=float, default=0.8)
    train.add_argument("--traj-limitation", type=int, default=-1)
    train.add_argument(
        "--labels",
        choices=["all", "demonstrations", "demonstrations+interventions"],
        default=None,
        help="which steps train (default: demonstrations+interventions for files with "
        "interventions, else all; docs/dagger.md)",
    )
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--device", default="auto")
    train.add_argument("--patience", type=int, default=None, help="early stopping")
    train.add_argument("--eval-env", help="evaluate the trained policy in this env id")
    train.add_argument("--eval-episodes", type=int, default=10)
    train.set_defaults(handler=_train)

    ev = sub.add_parser("eval", help="evaluate a saved policy in an env")
    ev.add_argument("policy")
    ev.add_argument("--env", required=True)
    ev.add_argument("--episodes", type=int, default=10)
    ev.add_argument("--seed", type=int, default=0)
    ev.set_defaults(handler=_eval)

    sb3 = sub.add_parser("pretrain-sb3", help="pretrain a Stable-Baselines3 model, then train it")
    sb3.add_argument("dataset")
    sb3.add_argument("--algo", default="ppo", choices=["ppo", "a2c", "dqn", "sac", "td3"])
    sb3.add_argument("--env", required=True)
    sb3.add_argument("--out", required=True, help="SB3 model file (.zip)")
    sb3.add_argument("--epochs", type=int, default=20)
    sb3.add_argument("--lr", type=float, default=1e-3)
    sb3.add_argument("--learn-steps", type=int, default=0, help="RL steps after pretraining")
    sb3.add_argument("--seed", type=int, default=0)
    sb3.set_defaults(handler=_pretrain_sb3)


def _fmt(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.4f}"


def _train(args: argparse.Namespace) -> int:
    import torch
    from tqdm import tqdm

    from bc.dataset import ExpertDataset
    from bc.envs import make_env
    from bc.evaluation import evaluate_policy
    from bc.policies import Policy
    from bc.trainer import pretrain

    ds = ExpertDataset(
        args.dataset,
        train_fraction=args.train_fraction,
        batch_size=args.batch_size,
        traj_limitation=args.traj_limitation,
        labels=args.labels,
        verbose=0,
        split=args.split,
        seed=args.seed,
    )
    env = make_env(args.eval_env, render_mode=None) if args.eval_env else None
    if env is not None:
        ds.check_env(env)
    torch.manual_seed(args.seed)
    policy = Policy(ds.observation_space, ds.action_space, kind=args.policy)
    total = args.epochs * len(ds.train_loader)
    with tqdm(total=total, unit="batch", file=sys.stderr, disable=None) as bar:

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
    out = policy.to("cpu").save(args.out)
    print(f"best epoch {history.best_epoch} (val loss {_fmt(history.best_val_loss)}) -> {out}")
    if env is not None:
        result = evaluate_policy(policy, env, args.eval_episodes, seed=10_000)
        print(
            f"{args.eval_env}: mean return {result.mean_return:.2f} +/- {result.std_return:.2f} "
            f"over {args.eval_episodes} episodes (dataset: {ds.avg_ret:.2f})"
        )
        env.close()
    return 0


def _eval(args: argparse.Namespace) -> int:
    from bc.envs import make_env
    from bc.evaluation import evaluate_policy
    from bc.policies import Policy

    policy = Policy.load(args.policy)
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
    from bc.dataset import ExpertDataset
    from bc.envs import make_env
    from bc.evaluation import evaluate_policy
    from bc.trainer import pretrain

    env = make_env(args.env, render_mode=None)
    ds = ExpertDataset(args.dataset, verbose=0, seed=args.seed)
    ds.check_env(env)
    algo = getattr(sb3, args.algo.upper())
    model = algo("CnnPolicy" if ds.is_image else "MlpPolicy", env, seed=args.seed)
    history = pretrain(model, ds, args.epochs, args.lr, seed=args.seed)
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
    model.save(args.out)
    print(f"-> {args.out}")
    return 0
