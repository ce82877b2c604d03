"""Putting a dataset back in order after a writer was killed: backups, temp files, bad journal.

Every repair runs under the dataset's lock (`bc.data.lock`), so it never races a live writer; when
another writer holds the lock, nothing is repaired and the dataset is read as it is.

A recording that replaces a dataset moves its journal to `name.npz.bak.journal/` and then its
archive to `name.npz.bak` (never the other way round); the new recording writes only journal
files until it has one, and then removes the backup. So the states a kill can leave, and their
repair, are:

| on disk after the kill | meaning | repair |
|---|---|---|
| backup, no new journal file, no archive | killed before the first episode was saved | restore |
| backup, new journal files | the new dataset holds episodes | remove the backup |
| archive and `.bak.journal`, no `.bak` | killed between the two moves | move the journal back |
| archive and `.bak` (older versions) | both are datasets | keep both, warn |
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from bc.data import journal
from bc.data.lock import DatasetLock, read_holder
from bc.errors import DatasetError, DatasetLockedError, DatasetWriteError

log = logging.getLogger(__name__)


def backup_path(path: Path) -> Path:
    """Return the backup of an archive that a new recording is replacing: `name.npz.bak`."""
    return path.with_name(path.name + ".bak")


def backup_journal(path: Path) -> Path:
    """Return the journal folder of the backup: `name.npz.bak.journal/`."""
    return journal.journal_dir(backup_path(path))


def has_backup(path: Path) -> bool:
    """True when a replace left a backup (archive or journal) of this dataset."""
    return backup_path(path).exists() or backup_journal(path).exists()


def needs_repair(path: Path) -> bool:
    """Cheap test of whether a backup or a killed writer's temp file needs dealing with."""
    return has_backup(path) or bool(journal.temp_files(path))


def repair_if_free(path: Path) -> list[str]:
    """Repair when no other writer holds the lock; returns what was done (one line each).

    Raises:
        DatasetError: a replace is under way in another process and nothing new is saved yet:
            the message says where the previous dataset is.
    """
    if not needs_repair(path):
        return []
    try:
        with DatasetLock(path, "repairing"):
            return repair(path)
    except DatasetLockedError:
        if has_backup(path) and not path.exists() and not journal.all_parts(path):
            holder = read_holder(path)
            who = holder.describe() if holder else "another process"
            raise DatasetError(
                path,
                [
                    f"is being replaced by a new recording ({who}) that has saved nothing yet; "
                    f"the previous dataset is at {backup_path(path)}"
                ],
            ) from None
        return []
    except (DatasetWriteError, OSError) as exc:
        log.warning("cannot repair %s (%s); reading it as it is", path, exc)
        return []


def repair(path: Path) -> list[str]:
    """Finish or undo an interrupted replace and remove stale temp files; caller holds the lock."""
    notes = []
    for tmp in journal.temp_files(path):
        tmp.unlink(missing_ok=True)
        notes.append(f"removed {tmp.name}, left by a writer that was killed")
    bak, bak_journal = backup_path(path), backup_journal(path)
    if not (bak.exists() or bak_journal.exists()):
        return _logged(notes)
    if journal.all_parts(path):
        drop_backup(path)
        notes.append(f"the new recording holds episodes: removed the backup {bak.name}")
    elif path.exists():
        if bak_journal.exists() and not bak.exists():
            _restore_journal(path)
            notes.append(f"moved the journal back from {bak_journal.name} (replace was cut short)")
        else:
            notes.append(f"{bak.name} is an older copy of {path.name}; delete it once not needed")
    else:
        restore_backup(path)
        notes.append(f"restored {path.name} from {bak.name}: the replacing recording saved nothing")
    return _logged(notes)


def _logged(notes: list[str]) -> list[str]:
    for note in notes:
        log.warning("%s", note)
    return notes


def move_to_backup(path: Path) -> bool:
    """Set a dataset aside before a new recording replaces it (caller holds the lock).

    The journal moves first, then the archive: see the table in this module's docstring.
    Returns True when there was anything to set aside.
    """
    moved = False
    folder = journal.journal_dir(path)
    if folder.is_dir():
        for tmp in journal.temp_files(path):
            tmp.unlink(missing_ok=True)
        if journal.all_parts(path) or any(folder.iterdir()):
            journal.remove_tree(backup_journal(path))
            os.replace(folder, backup_journal(path))
            moved = True
        else:
            journal.clear_if_empty(path)
    if path.exists():
        os.replace(path, backup_path(path))
        moved = True
    if moved:
        fsync_dir(path.parent)
    return moved


def restore_backup(path: Path) -> None:
    """Put a backup back in place: the archive first, then its journal (caller holds the lock)."""
    bak = backup_path(path)
    if bak.exists():
        os.replace(bak, path)
    _restore_journal(path)
    fsync_dir(path.parent)


def _restore_journal(path: Path) -> None:
    source = backup_journal(path)
    if not source.exists():
        return
    target = journal.journal_dir(path)
    if target.exists():
        for tmp in journal.temp_files(path):
            tmp.unlink(missing_ok=True)
        journal.clear_if_empty(path)  # only an empty folder is in the way
    os.replace(source, target)


def drop_backup(path: Path) -> None:
    """Delete the backup and its journal once the new dataset holds an episode (lock held)."""
    from bc.data.images import delete_own_images

    bak, bak_journal = backup_path(path), backup_journal(path)
    stored = stored_image_paths([bak, *journal.all_parts(bak)])
    if stored:
        delete_own_images(path, stored)
    bak.unlink(missing_ok=True)
    journal.remove_tree(bak_journal)


def stored_image_paths(archives: list[Path]) -> list[str]:
    """The image paths an archive's `obs` names (empty for vector data or unreadable files)."""
    import numpy as np

    out: list[str] = []
    for archive in archives:
        if not archive.is_file():
            continue
        try:
            with np.load(archive, allow_pickle=False) as npz:
                obs = npz["obs"]
        except Exception:  # an unreadable backup: its images stay (we never guess)
            continue
        if obs.dtype.kind == "U":
            out.extend(str(p) for p in obs.reshape(-1))
    return out


def fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable (best effort: not every filesystem allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
