"""Crash safety: each finished episode is first written as its own small archive in a journal.

The journal of `name.npz` is the folder `name.npz.journal/`. Saving an episode costs the same
whatever the dataset's size; `storage.consolidate` folds the journal into the archive, which
records the names it absorbed so that a crash between that rename and the journal's clean-up
never counts an episode twice.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger(__name__)

_PART = re.compile(r"^(\d{8})-[0-9a-f]{8}\.npz$")


def journal_dir(path: Path) -> Path:
    """Return the journal folder of an archive."""
    return path.with_name(path.name + ".journal")


def all_parts(path: Path) -> list[Path]:
    """Return every journal file of an archive, oldest first."""
    folder = journal_dir(path)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if _PART.match(p.name))


def merged_names(path: Path) -> set[str]:
    """Names of journal files the archive says it already holds."""
    if not path.is_file():
        return set()
    import json

    import numpy as np

    try:
        with np.load(path, allow_pickle=False) as npz:
            if "metadata" not in npz.files:
                return set()
            meta = json.loads(str(npz["metadata"]))
    except Exception:  # an unreadable archive is reported by its loader
        return set()
    names = meta.get("journal_merged", []) if isinstance(meta, dict) else []
    return {str(n) for n in names}


def unmerged_parts(path: Path) -> list[Path]:
    """Journal files holding episodes the archive does not have yet, oldest first."""
    parts = all_parts(path)
    if not parts:
        return []
    done = merged_names(path)
    return [p for p in parts if p.name not in done]


def next_part_path(path: Path) -> Path:
    """Return a fresh journal file name that sorts after every existing one."""
    parts = all_parts(path)
    seq = int(_PART.match(parts[-1].name).group(1)) + 1 if parts else 0  # type: ignore[union-attr]
    return journal_dir(path) / f"{seq:08d}-{uuid.uuid4().hex[:8]}.npz"


def remove_merged(path: Path, names: Iterable[str]) -> None:
    """Delete journal files already absorbed into the archive, and the folder once empty."""
    folder = journal_dir(path)
    for name in names:
        (folder / name).unlink(missing_ok=True)
    clear_if_empty(path)


def clear_if_empty(path: Path) -> None:
    """Remove the journal folder when nothing is left in it."""
    folder = journal_dir(path)
    try:
        folder.rmdir()
    except OSError:
        pass


def discard_all(path: Path) -> None:
    """Delete an archive's whole journal (when a new recording replaces the dataset)."""
    for part in all_parts(path):
        part.unlink(missing_ok=True)
    clear_if_empty(path)
