"""The archive file: validated `load` (with the journal and limits), atomic `save` and writes."""

from __future__ import annotations

import json
import logging
import os
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from bc.data import archive_guard, journal, recovery
from bc.data.arrays import DatasetArrays
from bc.data.concat import concatenate
from bc.data.image_checks import check_image_files
from bc.data.lock import DatasetLock
from bc.data.schema import EXTRA_KEYS, INTERACTIVE_KEYS, SB2_KEYS, SOURCE_KEY
from bc.errors import BCError, DatasetError, DatasetNotFoundError, DatasetWriteError
from bc.limits import Limits
from bc.limits import resolve as resolve_limits

log = logging.getLogger(__name__)


def _precheck(path: Path, limits: Limits) -> None:
    """Refuse a path that is no archive, or whose sizes break `limits`, before numpy reads it."""
    if not os.path.exists(path):  # os.path: a name too long is "no such file", not an OSError
        raise DatasetNotFoundError(path, ["no such file"])
    if os.path.isdir(path):
        raise DatasetError(path, ["is a folder, expected an .npz archive"])
    if not os.path.isfile(path):
        raise DatasetError(path, ["is not a regular file, expected an .npz archive"])
    try:
        with open(path, "rb") as fh:
            magic = fh.read(4)
    except OSError as exc:  # no permission, an I/O error
        raise DatasetError(path, [f"cannot read it: {exc.strerror or exc}"]) from exc
    if magic[:2] != b"PK":
        kind = "empty file" if not magic else "does not start with a zip header"
        raise DatasetError(path, [f"not an .npz archive ({kind})"])
    archive_guard.scan(path, limits)


def read_archive(path: Path, limits: Limits) -> DatasetArrays:
    """Read and validate one archive (no journal), reporting every problem together."""
    _precheck(path, limits)
    try:
        npz = np.load(path, allow_pickle=False)
    except Exception as exc:  # whatever numpy or zipfile raise, the file is unreadable
        raise DatasetError(
            path, [f"not a readable .npz archive (corrupt or truncated): {exc}"]
        ) from exc
    if not isinstance(npz, np.lib.npyio.NpzFile):
        raise DatasetError(path, ["is a single .npy array, expected an .npz archive of arrays"])
    with npz:
        missing = [key for key in SB2_KEYS if key not in npz.files]
        if missing:
            found = ", ".join(npz.files) or "none"
            raise DatasetError(
                path,
                [f"missing key(s) {', '.join(missing)} (found: {found}); not an SB2 dataset"],
            )
        arrays: dict[str, Any] = {}
        problems: list[str] = []
        for key in (*SB2_KEYS, *EXTRA_KEYS, SOURCE_KEY, *INTERACTIVE_KEYS):
            if key not in npz.files:
                continue
            try:
                arrays[key] = npz[key]
            except ValueError as exc:
                if "allow_pickle" in str(exc):
                    problems.append(
                        f"array '{key}' holds pickled Python objects; refusing to unpickle"
                    )
                else:
                    problems.append(f"array '{key}' is unreadable: {exc}")
            except Exception as exc:  # zlib, CRC, NotImplementedError...: all mean corrupt
                problems.append(f"array '{key}' is unreadable (corrupt or truncated): {exc}")
    if problems:
        raise DatasetError(path, problems)
    metadata: dict[str, Any] = {}
    if "metadata" in arrays:
        try:
            metadata = json.loads(str(arrays.pop("metadata")))
        except (json.JSONDecodeError, RecursionError) as exc:
            raise DatasetError(path, [f"'metadata' is not valid JSON: {exc}"]) from exc
        if not isinstance(metadata, dict):
            raise DatasetError(path, ["'metadata' must be a JSON object"])
    return DatasetArrays(**arrays, metadata=metadata, path=path)


def load(
    path: str | Path,
    *,
    check_images: bool = True,
    merge_journal: bool = True,
    limits: Limits | None = None,
) -> DatasetArrays:
    """Load an SB2 expert dataset (ours or SB2's), validated, with unmerged episodes recovered.

    Args:
        path: the `.npz` archive ('.npz' is added when missing, as SB2's save path omits it).
        check_images: for image datasets, check that every referenced file exists.
        merge_journal: include finished episodes still in the crash journal (see `journal`).
        limits: limits on what the file may make us allocate (default: `bc.limits.current()`).

    When no other writer holds the dataset's lock, loading first repairs what a killed writer
    left (see `bc.data.recovery`): a replace cut short is undone, temp files go, and unreadable
    journal files are moved to `name.npz.journal-damaged/` (kept, never deleted).

    Returns:
        The dataset, with `pending_episodes` counting those recovered from the journal.

    Raises:
        DatasetError: the file is missing, corrupt, foreign, or its arrays disagree (all
            problems in one message); or a replace by another writer is under way and the data
            is in the backup (the message names it).
        MissingImagesError: image files are missing (how many, and the first few by step).
        LimitError: the file asks for more memory than `limits` allow (before allocating it).
    """
    path = normalise_path(path)
    if path.is_dir():
        raise DatasetError(path, ["is a folder, expected an .npz archive"])
    limits = resolve_limits(limits)
    if os.path.lexists(path):  # the journal reads the archive's metadata: check the file first
        _precheck(path, limits)
    recovery.repair_if_free(path)
    try:
        parts = journal.unmerged_parts(path) if merge_journal else []
    except OSError as exc:  # e.g. a name too long for the file system
        raise DatasetError(path, [f"cannot look for its journal: {exc.strerror or exc}"]) from exc
    if path.exists() or not parts:
        pieces = [read_archive(path, limits)]
    else:
        pieces = []
    pending = 0
    damaged = []
    for part in parts:
        try:
            piece = read_archive(part, limits)
        except DatasetError as exc:
            log.warning("unreadable journal entry %s: %s", part, exc)
            damaged.append(part)
            continue
        pieces.append(replace(piece, path=path))
        pending += piece.n_episodes
    if damaged:
        _set_aside_if_free(path, damaged)
    if not pieces:
        raise DatasetNotFoundError(
            path, ["no such file, and no recoverable episodes in its journal"]
        )
    data = replace(concatenate(pieces), path=path, pending_episodes=pending)
    if check_images and data.is_image:
        check_image_files(data)
    return data


def _set_aside_if_free(path: Path, parts: list[Path]) -> None:
    """Move unreadable journal files to the damaged folder when no writer holds the lock."""
    try:
        with DatasetLock(path, "setting aside damaged journal files"):
            for part in parts:
                if part.exists():
                    target = journal.move_aside(path, part)
                    log.warning("moved unreadable journal file %s to %s (kept)", part, target)
    except (BCError, OSError) as exc:
        log.warning("left unreadable journal files of %s in place: %s", path, exc)


def normalise_path(path: str | Path) -> Path:
    """Add '.npz' when missing, as `np.savez` does for SB2's save paths."""
    p = Path(path)
    if p.suffix == ".npz" or p.name in ("", ".", "..") or os.path.isdir(p):
        return p  # a folder stays itself, and load says it is one
    return p.with_name(p.name + ".npz")


def save(path: str | Path, data: DatasetArrays) -> Path:
    """Write a dataset atomically (temp file, fsync, rename): a reader sees old or new, never half.

    Holds the dataset's lock while writing.

    Raises:
        DatasetWriteError: the disk refused the write; the previous file is untouched.
        DatasetLockedError: another writer has the dataset open.
        DatasetError: `path` is a folder.
    """
    path = normalise_path(path)
    if path.is_dir():
        raise DatasetError(path, ["is a folder, expected an .npz archive"])
    with DatasetLock(path, "saving"):
        atomic_savez(path, data.to_arrays())
    return path


def check_writable(folder: Path) -> None:
    """Create and remove a small file in `folder` (made if missing) to prove it takes writes.

    Raises:
        DatasetWriteError: naming the OS's reason (read-only file system, permission denied,
            no space left on device, file too large).
    """
    probe = folder / f".write-test.{os.getpid()}.{uuid.uuid4().hex[:8]}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(probe, "wb") as fh:
            fh.write(b"\0" * 4096)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        raise DatasetWriteError(
            f"cannot write in {folder}: {exc.strerror or exc}; choose another location"
        ) from exc
    finally:
        try:
            probe.unlink(missing_ok=True)
        except OSError:
            pass


def atomic_savez(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write an uncompressed .npz to a temp file beside `path`, fsync it, then rename it in place.

    Raises:
        DatasetWriteError: on any OSError (full disk, no permission), after removing the temp file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)  # type: ignore[arg-type]
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        recovery.fsync_dir(path.parent)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        reason = exc.strerror or str(exc)
        raise DatasetWriteError(f"could not write {path}: {reason}") from exc
