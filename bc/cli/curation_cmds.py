"""`bc label`: set episodes' tags, note and good/bad flag in a dataset (one atomic rewrite)."""

from __future__ import annotations

import argparse
from typing import Any

from bc.errors import UsageError


def register(sub: Any) -> None:
    """Add the `label` sub-command to the `demorec` parser."""
    label = sub.add_parser(
        "label",
        help="tag, note or flag episodes of a dataset",
        description="Set per-episode tags, a note and a good/bad flag (shown by info --episodes).",
    )
    label.add_argument("dataset", help="dataset path (.npz)")
    label.add_argument(
        "--episode", required=True, help="episode indices, comma-separated (-1: the last)"
    )
    label.add_argument(
        "--flag", default=None, choices=["good", "bad", "unset"], help="the quality flag"
    )
    label.add_argument("--tag", default="", help="tags to add, comma-separated")
    label.add_argument("--untag", default="", help="tags to remove, comma-separated")
    label.add_argument("--note", default=None, help="the note (replaces the old one; '' clears it)")
    label.set_defaults(handler=_label)


def _label(args: argparse.Namespace) -> int:
    from bc.curation import label_episodes, parse_tags
    from bc.data.archive import load
    from bc.selection import FLAGS

    try:
        raw = [int(part) for part in args.episode.split(",") if part.strip()]
        add, remove = parse_tags(args.tag), parse_tags(args.untag)
    except ValueError as exc:
        raise UsageError(f"--episode/--tag: {exc}") from exc
    n = load(args.dataset, check_images=False).n_episodes
    indices = [i + n if i < 0 else i for i in raw]
    data = label_episodes(
        args.dataset,
        indices,
        add_tags=add,
        remove_tags=remove,
        note=args.note,
        flag=FLAGS[args.flag] if args.flag else None,
    )
    print(f"{data.path}: labelled episode(s) {', '.join(str(i) for i in indices)}")
    return 0
