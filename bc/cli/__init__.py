"""The `bc` command: sub-commands register themselves from one module per group."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence

from bc.errors import BCError

Handler = Callable[[argparse.Namespace], int]

# Each group module exposes `register(subparsers)`; the order here is the order in --help.
_GROUPS = (
    "bc.cli.dataset_cmds",
    "bc.cli.train_cmds",
    "bc.cli.convert_cmds",
    "bc.cli.dagger_cmds",
)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every available sub-command registered."""
    import importlib

    parser = argparse.ArgumentParser(
        prog="bc",
        description="Record, inspect and train on Stable-Baselines-2 expert datasets.",
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in _GROUPS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `bc` command; errors print one line on stderr and return a non-zero code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    handler: Handler = args.handler
    try:
        return handler(args)
    except BCError as exc:
        print(f"bc {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"bc {args.command}: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        print(f"bc {args.command}: error: {exc}", file=sys.stderr)
        return 2
