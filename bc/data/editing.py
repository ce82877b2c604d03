"""Rewrite a dataset on disk: fold its journal in (`consolidate`), delete episodes."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from bc.data import journal, recovery
from bc.data.archive import atomic_savez, load, normalise_path, read_archive
from bc.data.arrays import DatasetArrays
from bc.data.images import delete_own_images
from bc.data.lock import DatasetLock
from bc.errors import DatasetError
from bc.limits import resolve as resolve_limits

log = logging.getLogger(__name__)


def consolidate(path: str | Path) -> DatasetArrays:
    """Merge the crash journal into the archive on disk, atomically, and clear the journal.

    Safe against a crash at any point: the archive names the journal files it absorbed, so a
    journal file left behind after the rename is recognised and removed on the next call.

    Raises:
        DatasetLockedError: another writer has the dataset open.
    """
    path = normalise_path(path)
    with DatasetLock(path, "merging the journal"):
        return merge_journal(path)


def merge_journal(path: Path) -> DatasetArrays:
    """`consolidate` for a caller that already holds the dataset's lock."""
    recovery.repair(path)
    for part in journal.unmerged_parts(path):
        try:
            read_archive(part, resolve_limits(None))
        except DatasetError as exc:
            target = journal.move_aside(path, part)
            log.warning("moved unreadable journal file %s to %s (kept): %s", part, target, exc)
    data = load(path, check_images=False)
    parts = journal.unmerged_parts(path)
    if data.pending_episodes:
        metadata = dict(data.metadata)
        metadata["journal_merged"] = [p.name for p in parts]
        data = replace(data, metadata=metadata, pending_episodes=0)
        atomic_savez(path, data.to_arrays())
    journal.remove_merged(path, data.metadata.get("journal_merged", []))
    return replace(data, pending_episodes=0)


def delete_episodes(path: str | Path, indices: Iterable[int]) -> DatasetArrays:
    """Remove episodes from a dataset on disk: atomic rewrite, then their image files.

    Image files of the kept episodes keep their names; new recordings number theirs after the
    highest number in use, so nothing is overwritten.

    Only regular files inside the dataset's own image folder are deleted: an image path that
    names anything else (`../x`, an absolute path, a symlink) is left alone and logged.

    Raises:
        DatasetError: an index is out of range.
        DatasetLockedError: another writer has the dataset open.
    """
    path = normalise_path(path)
    with DatasetLock(path, "deleting episodes"):
        data = merge_journal(path)
        drop = {int(i) for i in indices}
        bad = sorted(i for i in drop if not 0 <= i < data.n_episodes)
        if bad:
            raise DatasetError(path, [f"no episode {bad} (dataset has {data.n_episodes})"])
        keep = [i for i in range(data.n_episodes) if i not in drop]
        # deleting every episode leaves a valid dataset with none, which can be recorded into again
        kept = data.select_episodes(keep, allow_empty=True)
        metadata = {k: v for k, v in kept.metadata.items() if k != "journal_merged"}
        atomic_savez(path, replace(kept, metadata=metadata).to_arrays())
        if data.is_image:
            kept_files = {str(p) for p in kept.obs}
            if kept.has_final_obs:
                kept_files.update(str(p) for p in kept.episode_final_obs)
            gone: list[str] = []
            for i in sorted(drop):
                dropped = [str(p) for p in data.obs[data.episode_slice(i)]]
                if data.has_final_obs:
                    dropped.append(str(data.episode_final_obs[i]))
                gone.extend(p for p in dropped if p not in kept_files)
            delete_own_images(path, gone, data.metadata.get("image_folder"))
    return load(path, check_images=False)
