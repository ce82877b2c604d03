"""`convert`: move a dataset between our `.npz`, SB2's, Minari and Hugging Face (imitation)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from bc.errors import BCError


def register(sub: Any) -> None:
    """Add the `convert` sub-command to the parser."""
    conv = sub.add_parser(
        "convert",
        help="convert a dataset to or from Minari and Hugging Face datasets (imitation)",
        description=(
            "Convert SRC into DST; each format is chosen by its name: *.npz is our archive "
            "(SB2's files read too), minari:DATASET_ID a Minari dataset under "
            "MINARI_DATASETS_PATH, and a folder ending in .hf a Hugging Face dataset in "
            "imitation's trajectory layout. Files without final observations are "
            "re-simulated from their seeds (or lose each episode's last transition, with a "
            "warning)."
        ),
    )
    conv.add_argument("src", help="source: FILE.npz, minari:DATASET_ID or FOLDER.hf")
    conv.add_argument("dst", help="target: FILE.npz, minari:DATASET_ID or FOLDER.hf")
    conv.add_argument(
        "--env",
        default=None,
        help="env id to re-simulate final observations in (default: the one the file names)",
    )
    conv.add_argument(
        "--env-kwargs", default="{}", help="JSON keyword arguments for --env (default: {})"
    )
    conv.add_argument(
        "--force", action="store_true", help="replace an existing target (default: refuse)"
    )
    conv.set_defaults(handler=_convert)


def _convert(args: argparse.Namespace) -> int:
    from bc.convert import convert, format_of

    format_of(args.src)  # a bad name is an error before any work
    format_of(args.dst)
    env = None
    if args.env:
        from bc.envs import make_env

        try:
            kwargs = json.loads(args.env_kwargs)
        except json.JSONDecodeError as exc:
            raise BCError(f"--env-kwargs is not valid JSON: {exc}") from exc
        if not isinstance(kwargs, dict):
            raise BCError(f"--env-kwargs must be a JSON object, got {args.env_kwargs!r}")
        env = make_env(args.env, render_mode=None, **kwargs)
    try:
        episodes = convert(args.src, args.dst, env=env, overwrite=args.force)
    finally:
        if env is not None:
            env.close()
    steps = sum(ep.length for ep in episodes.episodes)
    print(f"converted {len(episodes.episodes)} episodes, {steps} steps: {args.src} -> {args.dst}")
    return 0
