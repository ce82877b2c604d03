"""`bc delete`: remove episodes from a dataset, with the same safety as the app's Delete episode."""

from __future__ import annotations

import argparse
from typing import Any

from bc.data.archive import load, normalise_path
from bc.data.editing import delete_episodes


def register(sub: Any) -> None:
    """Add the editing sub-commands to the parser."""
    delete = sub.add_parser(
        "delete",
        help="delete episodes from a dataset",
        description="Delete episodes (by index, as `info --episodes` lists them) from a dataset: "
        "the archive is rewritten atomically under the dataset's lock, then the episodes' "
        "frames are removed from the dataset's own image folder (nothing outside it).",
    )
    delete.add_argument("dataset", help="the dataset (.npz)")
    delete.add_argument("episodes", nargs="+", type=int, metavar="EPISODE", help="episode index")
    delete.set_defaults(handler=_delete)


def _delete(args: argparse.Namespace) -> int:
    before = load(args.dataset, check_images=False).n_episodes
    data = delete_episodes(args.dataset, args.episodes)
    gone = sorted(set(args.episodes))
    print(
        f"deleted episode(s) {', '.join(map(str, gone))}: {before} -> {data.n_episodes} "
        f"episodes, {data.n_steps} steps in {normalise_path(args.dataset)}"
    )
    return 0
