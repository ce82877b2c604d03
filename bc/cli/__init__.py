"""The `demorec` command: sub-commands register themselves from one module per group.

Exit codes: 0 ok, 1 failure or problems found, 2 usage (a bad or missing argument), 130 on Ctrl+C.
`python -m bc` runs the same command.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any

from bc.cli.options import HelpFormatter, Parser, UsageError, add_verbosity, log_level, set_quiet
from bc.errors import BCError

PROG = "demorec"

Handler = Callable[[argparse.Namespace], int]

# Each group module exposes `register(subparsers)`; the order here is the order in --help.
_GROUPS = ("bc.cli.dataset_cmds", "bc.cli.train_cmds")


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every available sub-command registered."""
    import importlib

    from bc import __version__

    parser = Parser(
        prog=PROG,
        description="Record, inspect and train on Stable-Baselines-2 expert datasets.",
        epilog="Exit codes: 0 ok, 1 failure or problems found, 2 usage. "
        "'demorec COMMAND --help' describes each command.",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    add_verbosity(parser, top_level=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in _GROUPS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub)
    for command in sub.choices.values():
        # One style for every sub-command, also those registered by modules added later.
        command.formatter_class = HelpFormatter
        if command.description is None:
            command.description = _help_of(sub, command.prog)
        add_verbosity(command, top_level=False)
    return parser


def _help_of(sub: Any, prog: str) -> str | None:
    name = prog.rsplit(" ", 1)[-1]
    for action in sub._choices_actions:
        text = str(action.help or "")
        if action.dest == name and text:
            return text[0].upper() + text[1:] + "."
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `demorec` command; errors print one line on stderr and return a non-zero code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=log_level(args), format="%(levelname)s %(name)s: %(message)s")
    set_quiet(getattr(args, "quiet", 0) > 0)
    handler: Handler = args.handler
    name = f"{PROG} {args.command}"
    try:
        return handler(args)
    except UsageError as exc:
        print(f"{name}: error: {exc}", file=sys.stderr)
        return 2
    except BCError as exc:
        print(f"{name}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{name}: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        print(f"{name}: error: {exc}", file=sys.stderr)
        return 1
