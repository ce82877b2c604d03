"""`demorec pretrain-sb3`: a Stable-Baselines3 model pretrained by behaviour cloning, then RL."""

from __future__ import annotations

import argparse
from typing import Any

from bc.cli.options import (
    add_env_options,
    evaluate_with_progress,
    progress,
    require_env,
    sb3_progress_callback,
)
from bc.cli.train_options import add_training_options, config_arg, config_checks, first_metadata
from bc.errors import BCError


def register(sub: Any) -> None:
    """Add the `pretrain-sb3` sub-command to the `demorec` parser."""
    c = config_checks()
    d = c.TrainConfig()
    sb3 = sub.add_parser(
        "pretrain-sb3",
        help="pretrain a Stable-Baselines3 model, then train it",
        description="Pretrain a Stable-Baselines3 model on a dataset by behaviour cloning, "
        "optionally go on with RL (model.learn), and save it (needs the sb3 extra).",
    )
    add_training_options(sb3, c, d)
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
        type=config_arg(c.non_negative_int, "--learn-steps"),
        default=0,
        help="RL timesteps of model.learn after pretraining",
    )
    sb3.add_argument(
        "--eval-episodes",
        type=config_arg(c.non_negative_int, "--eval-episodes"),
        default=10,
        help="evaluation episodes after each stage (0: none)",
    )
    sb3.set_defaults(handler=_pretrain_sb3)


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
    choice = require_env(args, first_metadata(args.dataset), "pretrain-sb3")
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
