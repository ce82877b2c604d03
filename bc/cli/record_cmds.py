"""`demorec record`: episodes of a scripted expert, recorded into an expert dataset."""

from __future__ import annotations

import argparse
from typing import Any

from bc.cli.options import (
    add_env_options,
    check_out_path,
    deprecated,
    progress,
    require_env,
)
from bc.data.archive import load, normalise_path
from bc.errors import UsageError


def register(sub: Any) -> None:
    """Add the `record` sub-command to the `demorec` parser."""
    rec = sub.add_parser(
        "record",
        help="record episodes of a scripted expert",
        description="Record episodes of a scripted expert (module:callable, obs -> action) into "
        "an SB2 expert dataset; each episode is on disk as soon as it ends.",
    )
    rec.add_argument(
        "legacy_env",
        nargs="?",
        metavar="ENV",
        help="deprecated: the env id as a positional argument; use --env",
    )
    add_env_options(rec, "record in", from_dataset=False)
    rec.add_argument(
        "--expert",
        default="bc.experts:random_expert",
        help="module:callable, obs -> action (shipped: bc.experts:cartpole_balance, "
        "bc.experts:lunar_lander_heuristic, bc.experts:random_expert)",
    )
    rec.add_argument("--out", required=True, help="dataset path (.npz)")
    rec.add_argument("--episodes", type=int, default=10, help="episodes to record")
    rec.add_argument(
        "--seed", type=int, default=None, help="seed of the first episode (default: random)"
    )
    rec.add_argument(
        "--append",
        action="store_true",
        help="add to an existing dataset (without --env: in the env it was recorded in)",
    )
    rec.add_argument(
        "--image-folder",
        default=None,
        help="for image observations (default: <name>_images beside the dataset)",
    )
    rec.set_defaults(handler=_record)


SEED_MAX = 2**63 - 1
"""Seeds are stored as int64; each episode's seed is the first seed plus its index."""


def _check_record_args(args: argparse.Namespace) -> None:
    """Refuse bad numbers before an env is made or a file is touched."""
    check_out_path(normalise_path(args.out))
    if args.episodes < 1:
        raise UsageError(f"--episodes must be at least 1, got {args.episodes}")
    if args.seed is not None and not 0 <= args.seed <= SEED_MAX - args.episodes:
        raise UsageError(
            f"--seed must be between 0 and {SEED_MAX - args.episodes} (seeds are stored as "
            f"int64, one per episode), got {args.seed}"
        )


def _record(args: argparse.Namespace) -> int:
    from bc.experts import load_expert
    from bc.record import generate_expert_traj

    _check_record_args(args)
    choice = require_env(_legacy_env(args), _existing_metadata(args), "record")
    env = choice.make(args, render_mode=None)
    try:
        expert = load_expert(args.expert, env)
        with progress(args.episodes, "ep", "recording") as bar:

            def on_episode(summary: Any) -> None:
                bar.update(1)
                bar.set_postfix(ret=f"{summary.ret:.1f}", len=summary.length)

            data = generate_expert_traj(
                expert,
                args.out,
                env,
                n_episodes=args.episodes,
                image_folder=args.image_folder,
                seed=args.seed,
                append=args.append,
                metadata={
                    "env_id": choice.env_id,
                    "env_kwargs": choice.kwargs,
                    "expert": args.expert,
                },
                callback=on_episode,
            )
    finally:
        env.close()
    returns = data["episode_returns"]
    path = normalise_path(args.out)
    print(
        f"recorded {len(returns)} episodes, {len(data['rewards'])} steps, "
        f"mean return {returns.mean():.2f} +/- {returns.std():.2f} -> {path}"
    )
    return 0


def _legacy_env(args: argparse.Namespace) -> argparse.Namespace:
    """Fold the deprecated positional env id into `--env`."""
    if args.legacy_env:
        if args.env and args.env != args.legacy_env:
            raise UsageError(f"two envs given: {args.legacy_env} and --env {args.env}")
        deprecated(f"the env as a positional argument; use --env {args.legacy_env}")
        args.env = args.legacy_env
    return args


def _existing_metadata(args: argparse.Namespace) -> dict[str, Any] | None:
    """The metadata of the dataset `record --append` adds to, if there is one."""
    path = normalise_path(args.out)
    if not args.append or not path.exists():
        return None
    return load(path, check_images=False).metadata
