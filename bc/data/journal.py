"""Crash safety: each finished episode is first written as its own small archive in a journal.

The journal of `name.npz` is the folder `name.npz.journal/`. Saving an episode costs the same
whatever the dataset's size; `bc.data.editing.consolidate` folds the journal into the archive, which
records the names it absorbed so that a crash between that rename and the journal's clean-up
never counts an episode twice.

Nothing a dataset file says can make this module touch a file outside the journal folder:
only names of the journal's own pattern (`00000012-1a2b3c4d.npz`, no folder part) are ever
deleted, and unreadable journal files are moved aside to `name.npz.journal-damaged/`, never
deleted.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import uuid
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger(__name__)

_PART = re.compile(r"^(\d{8})-[0-9a-f]{8}\.npz$")


def is_part_name(name: object) -> bool:
    """True for a name the journal itself writes (its pattern, no folder part)."""
    return isinstance(name, str) and _PART.match(name) is not None


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
    return safe_part_names(names, path)


def safe_part_names(names: object, path: Path | None = None) -> set[str]:
    """Keep the entries of `journal_merged` that are journal file names; warn about the rest.

    A downloaded file could list `../x` or `/home/me/x` there: such entries name nothing the
    journal wrote, so they are ignored (and never deleted).
    """
    if not isinstance(names, list):
        if names is not None:
            log.warning("%s: ignoring metadata.journal_merged (not a list)", path)
        return set()
    good = {n for n in names if is_part_name(n)}
    bad = [n for n in names if not is_part_name(n)]
    if bad:
        log.warning(
            "%s: ignoring %d entr%s of metadata.journal_merged that are not journal file names: %s",
            path,
            len(bad),
            "y" if len(bad) == 1 else "ies",
            ", ".join(repr(b) for b in bad[:3]),
        )
    return good


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
    """Delete journal files already absorbed into the archive, and the folder once empty.

    Only journal file names are honoured (see `safe_part_names`); anything else is ignored.
    """
    folder = journal_dir(path)
    for name in safe_part_names(list(names), path):
        target = folder / name
        if target.is_file() and not target.is_symlink():
            target.unlink(missing_ok=True)
    clear_if_empty(path)


def clear_if_empty(path: Path) -> None:
    """Remove the journal folder when nothing is left in it."""
    folder = journal_dir(path)
    try:
        folder.rmdir()
    except OSError:
        pass


def damaged_dir(path: Path) -> Path:
    """Return the folder unreadable journal files are moved to: `name.npz.journal-damaged/`."""
    return path.with_name(path.name + ".journal-damaged")


def damaged_parts(path: Path) -> list[Path]:
    """Journal files set aside as unreadable (kept for the user to inspect), oldest first."""
    folder = damaged_dir(path)
    return sorted(folder.iterdir()) if folder.is_dir() else []


def move_aside(path: Path, part: Path) -> Path:
    """Move an unreadable journal file to the damaged folder (kept, never deleted)."""
    folder = damaged_dir(path)
    folder.mkdir(exist_ok=True)
    target = folder / part.name
    if target.exists():
        target = folder / f"{part.stem}-{uuid.uuid4().hex[:8]}{part.suffix}"
    os.replace(part, target)
    return target


_TEMP = re.compile(r"^\.(.+)\.(\d+)\.[0-9a-f]{8}\.tmp$")


def temp_files(path: Path) -> list[Path]:
    """Temp files an interrupted atomic write of this archive or of its journal left behind."""
    found = []
    for folder, owner in ((path.parent, path.name), (journal_dir(path), None)):
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            m = _TEMP.match(name)
            if m and (owner is None or m.group(1) == owner):
                found.append(folder / name)
    return found


def remove_tree(folder: Path) -> None:
    """Delete a journal folder and what it holds (journal files of a superseded backup)."""
    if folder.is_dir() and not folder.is_symlink():
        shutil.rmtree(folder)
