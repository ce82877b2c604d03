"""`demorec eval`: play a saved policy in an env and report its returns."""

from __future__ import annotations

import argparse
from typing import Any

from bc.cli.options import add_env_options, env_choice, evaluate_with_progress
from bc.cli.train_options import config_arg, config_checks
from bc.data.archive import load
from bc.errors import BCError, UsageError


def register(sub: Any) -> None:
    """Add the `eval` sub-command to the `demorec` parser."""
    c = config_checks()
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
        "--episodes",
        type=config_arg(c.positive_int, "--episodes"),
        default=10,
        help="episodes to play",
    )
    ev.add_argument(
        "--seed",
        type=config_arg(c.seed_value, "--seed"),
        default=0,
        help="episode i is reset with seed + i",
    )
    ev.add_argument(
        "--max-policy-mb",
        type=config_arg(c.positive_int, "--max-policy-mb"),
        default=1024,
        help="refuse policy weights that inflate past this many MiB",
    )
    ev.set_defaults(handler=_eval)


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
