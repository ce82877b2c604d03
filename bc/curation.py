"""Per-episode labels a user sets: tags, a note and a good/bad flag, edited in place atomically.

The labels live in the dataset as three optional keys SB2 ignores (`episode_tags`: a JSON list
of strings per episode, `episode_notes`: free text, `episode_flag`: int8 1 good / -1 bad /
0 unset); `bc.data.arrays.DatasetArrays` reads, keeps and writes them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from bc.data.archive import load, normalise_path, save
from bc.data.arrays import DatasetArrays
from bc.data.editing import consolidate, delete_episodes
from bc.errors import DatasetError

GOOD, BAD, UNSET = 1, -1, 0
FLAG_NAMES = {GOOD: "good", BAD: "bad", UNSET: ""}
MAX_TAG_LENGTH = 64
MAX_NOTE_LENGTH = 2000


def tags_of(data: DatasetArrays, index: int) -> list[str]:
    """The tags of episode `index` (a list, possibly empty)."""
    return list(json.loads(str(data.episode_tags[index])))


def parse_tags(text: str | Iterable[str]) -> list[str]:
    """Clean tags: a comma-separated string or a list; stripped, deduplicated, order kept.

    Raises:
        ValueError: a tag longer than MAX_TAG_LENGTH characters.
    """
    items = text.split(",") if isinstance(text, str) else list(text)
    tags: list[str] = []
    for item in items:
        tag = " ".join(str(item).split())
        if len(tag) > MAX_TAG_LENGTH:
            raise ValueError(
                f"tag too long ({len(tag)} > {MAX_TAG_LENGTH} characters): {tag:.20}..."
            )
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def flag_name(flag: int) -> str:
    """'good', 'bad' or '' for a flag value."""
    return FLAG_NAMES.get(int(flag), "")


def with_labels(
    data: DatasetArrays,
    indices: Sequence[int],
    *,
    tags: Iterable[str] | None = None,
    add_tags: Iterable[str] = (),
    remove_tags: Iterable[str] = (),
    note: str | None = None,
    flag: int | None = None,
) -> DatasetArrays:
    """Return `data` with the given episodes' labels changed (None/empty: left as they are).

    Raises:
        DatasetError: an index out of range, or a flag other than -1, 0, 1.
        ValueError: a bad tag or a note longer than MAX_NOTE_LENGTH.
    """
    bad = sorted(i for i in indices if not 0 <= i < data.n_episodes)
    if bad:
        raise DatasetError(data.path, [f"no episode {bad} (dataset has {data.n_episodes})"])
    if flag is not None and flag not in (GOOD, BAD, UNSET):
        raise DatasetError(data.path, [f"flag must be 1, -1 or 0, not {flag}"])
    if note is not None and len(note) > MAX_NOTE_LENGTH:
        raise ValueError(f"note too long ({len(note)} > {MAX_NOTE_LENGTH} characters)")
    all_tags = [tags_of(data, i) for i in range(data.n_episodes)]
    notes = [str(n) for n in data.episode_notes]
    flags = data.episode_flag.astype(np.int8).copy()
    added, removed = parse_tags(add_tags), set(parse_tags(remove_tags))
    for i in indices:
        current = parse_tags(tags) if tags is not None else all_tags[i]
        current = [t for t in current + [t for t in added if t not in current] if t not in removed]
        all_tags[i] = current
        if note is not None:
            notes[i] = note
        if flag is not None:
            flags[i] = flag
    return replace(
        data,
        episode_tags=np.array([json.dumps(t) for t in all_tags] or [], dtype=str),
        episode_notes=np.array(notes, dtype=str),
        episode_flag=flags,
        pending_episodes=0,
    )


def label_episodes(
    path: str | Path,
    indices: Sequence[int],
    *,
    tags: Iterable[str] | None = None,
    add_tags: Iterable[str] = (),
    remove_tags: Iterable[str] = (),
    note: str | None = None,
    flag: int | None = None,
) -> DatasetArrays:
    """Change episodes' labels in the file on disk: one atomic rewrite (old or new, never half).

    The crash journal is merged first (as `bc.data.editing.delete_episodes` does). Returns the
    dataset as written.

    Raises:
        DatasetError: unreadable file, index out of range, bad flag.
        DatasetWriteError: the disk refused the write; the file is untouched.
    """
    path = normalise_path(path)
    data = consolidate(path)
    changed = with_labels(
        data,
        list(indices),
        tags=tags,
        add_tags=add_tags,
        remove_tags=remove_tags,
        note=note,
        flag=flag,
    )
    metadata = {k: v for k, v in changed.metadata.items() if k != "journal_merged"}
    save(path, replace(changed, metadata=metadata))
    return load(path, check_images=False)


def all_tags(data: DatasetArrays) -> list[str]:
    """Every tag used in the dataset, sorted."""
    found: set[str] = set()
    for i in range(data.n_episodes):
        found.update(tags_of(data, i))
    return sorted(found)


def undo_last_episode(path: str | Path) -> DatasetArrays:
    """Delete the dataset's last episode (and its image files); an empty dataset may remain.

    Raises:
        DatasetError: the dataset holds no episode.
    """
    path = normalise_path(path)
    data = consolidate(path)
    if data.n_episodes == 0:
        raise DatasetError(path, ["no episode to undo"])
    return delete_episodes(path, [data.n_episodes - 1])
