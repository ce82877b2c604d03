"""`bc merge`: several datasets written as one, with its own image folder."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    """Add the `merge` sub-command to the `bc` parser."""
    merge = sub.add_parser(
        "merge",
        help="write several datasets as one (episodes tagged with their source file)",
        description=(
            "Write DATASET... (paths or glob patterns) as one new dataset. They must share "
            "spaces and env. Image frames go to <stem>_images/ beside --out, hard-linked "
            "when the filesystem allows, else copied; the inputs are never moved or changed."
        ),
    )
    merge.add_argument("dataset", nargs="+", help="datasets or glob patterns, in order")
    merge.add_argument("--out", required=True, help="the new dataset (.npz); must not exist")
    merge.add_argument(
        "--copy", action="store_true", help="copy image frames instead of hard-linking them"
    )
    merge.set_defaults(handler=_merge)


def _merge(args: argparse.Namespace) -> int:
    from bc.sources import expand, merge

    files = expand(args.dataset)
    data = merge(files, args.out, link=not args.copy)
    print(
        f"merged {len(files)} datasets: {data.n_episodes} episodes, {data.n_steps} steps "
        f"-> {data.path}"
    )
    return 0
