"""The `demorec` command: sub-commands register themselves from one module per group.

Exit codes: 0 ok, 1 failure or problems found, 2 usage (a bad or missing argument), 130 on Ctrl+C.
`python -m bc` runs the same command.
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any

from bc.cli.options import HelpFormatter, Parser, add_verbosity, log_level, set_quiet
from bc.errors import BCError, UsageError

PROG = "demorec"

Handler = Callable[[argparse.Namespace], int]

# Each group module exposes `register(subparsers)`; the order here is the order in --help.
_GROUPS = (
    "bc.cli.record_cmds",
    "bc.cli.inspect_cmds",
    "bc.cli.export_cmds",
    "bc.cli.edit_cmds",
    "bc.cli.train_cmds",
    "bc.cli.eval_cmds",
    "bc.cli.sb3_cmds",
    "bc.cli.merge_cmds",
    "bc.cli.convert_cmds",
    "bc.cli.curation_cmds",
    "bc.cli.dagger_cmds",
)


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
    limits = parser.add_argument_group("limits on untrusted files (see docs/format.md)")
    limits.add_argument(
        "--max-bytes",
        type=_size,
        metavar="N",
        help="largest archive to read, uncompressed (default 1G; env BC_MAX_BYTES)",
    )
    limits.add_argument(
        "--max-image-pixels",
        type=_size,
        metavar="N",
        help="largest image to decode, width x height (default 16M; env BC_MAX_IMAGE_PIXELS)",
    )
    limits.add_argument(
        "--max-space-size",
        type=_size,
        metavar="N",
        help="largest Box or Discrete space in a file (default 16M; env BC_MAX_SPACE_SIZE)",
    )
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


def _size(text: str) -> int:
    """Parse a limit flag's value: a positive count, K/M/G suffixes allowed."""
    from bc.limits import parse_size

    try:
        return parse_size(text)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _help_of(sub: Any, prog: str) -> str | None:
    name = prog.rsplit(" ", 1)[-1]
    for action in sub._choices_actions:
        text = str(action.help or "")
        if action.dest == name and text:
            return text[0].upper() + text[1:] + "."
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `demorec` command; errors print one line on stderr: exit 2 for usage, 1 otherwise."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=log_level(args), format="%(levelname)s %(name)s: %(message)s")
    set_quiet(getattr(args, "quiet", 0) > 0)
    handler: Handler = args.handler
    where = f"{PROG} {args.command}"
    try:
        from bc import limits

        limits.set_process_limits(
            max_bytes=args.max_bytes,
            max_image_pixels=args.max_image_pixels,
            max_space_size=args.max_space_size,
        )
        code = handler(args)
        sys.stdout.flush()  # a closed pipe (`| head`) fails here, inside the handling below
        return code
    except BrokenPipeError:  # the reader went away (`demorec info x | head`): no message
        _discard_stdout()
        return 1
    except UsageError as exc:
        print(f"{where}: error: {one_line(exc)}", file=sys.stderr)
        return 2
    except BCError as exc:
        print(f"{where}: error: {one_line(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{where}: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        print(f"{where}: error: {one_line(exc)}", file=sys.stderr)
        return 1
    except Exception as exc:  # a bug, not bad input: still one line, the traceback with -v
        if getattr(args, "verbose", 0):
            traceback.print_exc()
        print(
            f"{where}: internal error: {type(exc).__name__}: {one_line(exc)} "
            "(please report it; -v shows the traceback)",
            file=sys.stderr,
        )
        return 1


def _discard_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def one_line(exc: BaseException) -> str:
    """An exception's message on one line (newlines folded, long messages cut)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 2000 else text[:2000] + "..."
