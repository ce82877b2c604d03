"""The dataset a recorder writes into: locked, repaired, checked for writes, continued or replaced.

`Recorder` opens one at start and another on `relocate`; `Destination` holds what belongs to
it: path, lock, metadata, image folder, and the backup of a dataset it replaced.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from bc import __version__
from bc.data import journal, recovery
from bc.data.archive import check_writable
from bc.data.editing import merge_journal
from bc.data.images import (
    IMAGE_EXTENSION,
    claim_folder,
    default_image_folder,
    frame_numbers,
    resolve_image_path,
)
from bc.data.lock import DatasetLock
from bc.data.schema import FORMAT_VERSION
from bc.data.validate import space_problems
from bc.errors import SpaceMismatchError
from bc.spaces import describe_space, is_image_space

log = logging.getLogger(__name__)


@dataclass
class Destination:
    """A dataset ready to record into, its lock held until `release`."""

    path: Path
    """The archive (absolute, with '.npz')."""
    lock: DatasetLock
    images: bool
    """True when observations are images (one PNG per step)."""
    image_folder: Path | None
    """The image folder (relative to the archive's folder, or absolute); None: no images."""
    metadata: dict[str, Any]
    """The metadata every journal part (and the merged archive) carries."""
    n_episodes: int = 0
    """Episodes in the dataset when it was opened (appending), else 0."""
    n_steps: int = 0
    """Steps in the dataset when it was opened (appending), else 0."""
    next_image: int = 0
    """Number of the first new frame file: above every frame in use in the image folder."""
    backup_pending: bool = False
    """True when a dataset was replaced and kept as `.bak` until an episode is saved."""

    @property
    def image_dir(self) -> Path:
        """The folder that receives the frames."""
        return image_dir(self.path, self.image_folder)

    def frame(self, number: int, final: bool = False) -> Path:
        """Frame file `number`: `<n>.png`, or `<n>_final.png` for an episode's final obs."""
        return self.image_dir / f"{number}{'_final' if final else ''}{IMAGE_EXTENSION}"

    def stored_path(self, target: Path) -> str:
        """How the archive names a frame file: relative to its folder when inside it."""
        try:
            return str(target.relative_to(self.path.parent))
        except ValueError:
            return str(target)

    def episode_saved(self) -> None:
        """An episode is on disk: the backup of a replaced dataset has served its purpose."""
        if self.backup_pending:
            self.backup_pending = False
            try:
                recovery.drop_backup(self.path)
            except OSError as exc:  # the next open finishes it (see bc.data.recovery)
                log.warning("could not remove the backup of %s yet: %s", self.path, exc)

    def finish(self, saved: bool) -> None:
        """Recording ends: with episodes saved the backup goes, else the old dataset returns."""
        if self.backup_pending:
            (recovery.drop_backup if saved else recovery.restore_backup)(self.path)
            self.backup_pending = False

    def put_back(self, if_unsaved: bool = False) -> None:
        """Bring a replaced dataset back from its backup (logged when it cannot be yet).

        Args:
            if_unsaved: only when no episode reached the journal.
        """
        try:
            if self.backup_pending and not (if_unsaved and journal.all_parts(self.path)):
                recovery.restore_backup(self.path)
        except OSError as exc:
            log.warning("could not restore the backup of %s yet: %s", self.path, exc)


def open_destination(
    path: Path,
    observation_space: gym.Space[Any],
    action_space: gym.Space[Any],
    *,
    image_folder: Path | None,
    metadata: dict[str, Any],
    append: bool,
) -> Destination:
    """Lock `path`, repair it, check it takes writes, open or replace it, claim the image folder.

    Raises:
        DatasetLockedError: another writer has the dataset open (names it).
        SpaceMismatchError: `append` to a dataset whose rows do not fit these spaces.
        DatasetError: `append` to an unreadable dataset.
        DatasetWriteError: the destination does not take writes (names the OS's reason).
        FolderInUseError: the image folder holds another dataset's frames.
    """
    lock = DatasetLock(path, "recording")
    try:
        lock.acquire()
        return _set_up(path, lock, observation_space, action_space, image_folder, metadata, append)
    except BaseException:
        lock.release()
        raise


def _set_up(
    path: Path,
    lock: DatasetLock,
    observation_space: gym.Space[Any],
    action_space: gym.Space[Any],
    image_folder: Path | None,
    metadata: dict[str, Any],
    append: bool,
) -> Destination:
    """`open_destination` once the lock is held."""
    images = is_image_space(observation_space)
    check_writable(path.parent)
    recovery.repair(path)
    parts = journal.all_parts(path)
    existing = path.exists() or bool(parts)
    stored = recovery.stored_image_paths([path, *parts])
    if images and image_folder is None:
        inherited = stored if append else []
        image_folder = Path(_default_folder(path, inherited))
    meta: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "observation_space": describe_space(observation_space),
        "action_space": describe_space(action_space),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "writer": f"demo-recorder {__version__}",
    }
    if images:
        meta["image_folder"] = str(image_folder)
        meta["image_format"] = "png"
    meta.update(metadata or {})
    opened = Destination(path, lock, images, image_folder, meta)
    if append and existing:
        _open_existing(path, observation_space, action_space, opened)
    elif recovery.move_to_backup(path):  # a fresh dataset: an existing one is set aside as .bak
        opened.backup_pending = True
        log.warning(
            "%s existed; kept as %s until this recording saves an episode",
            path,
            recovery.backup_path(path),
        )
    if images:
        folder = image_dir(path, image_folder)
        if folder != path.parent:
            check_writable(folder)
        own = any(resolve_image_path(p, path.parent).parent == folder for p in stored[:1])
        claim_folder(folder, path, own_frames=own)
        numbers = frame_numbers(folder)
        opened.next_image = max(opened.next_image, max(numbers) + 1 if numbers else 0)
    return opened


def image_dir(path: Path, image_folder: Path | None) -> Path:
    """The folder that receives the frames of the dataset at `path`."""
    folder = image_folder or Path(default_image_folder(path))
    return folder if folder.is_absolute() else path.parent / folder


def _open_existing(
    path: Path,
    observation_space: gym.Space[Any],
    action_space: gym.Space[Any],
    opened: Destination,
) -> None:
    """Continue an existing dataset: recover its journal, check its spaces fit."""
    data = merge_journal(path)
    problems = space_problems(data, observation_space, action_space)
    if problems:
        raise SpaceMismatchError(f"cannot append to {path}: " + "; ".join(problems))
    merged = {k: v for k, v in data.metadata.items() if k != "journal_merged"}
    merged.update({k: v for k, v in opened.metadata.items() if k not in ("created",)})
    opened.metadata = merged
    opened.n_episodes = data.n_episodes
    opened.n_steps = data.n_steps
    opened.next_image = max(data.n_steps, _highest_number(data.obs) + 1) if data.is_image else 0


def _default_folder(path: Path, stored: list[str]) -> str:
    """The dataset's image folder: the one its frames are in, else `<stem>_images`."""
    if stored:
        parent = Path(stored[0]).parent
        if not parent.is_absolute() and len(parent.parts) == 1 and parent.parts[0] != "..":
            return str(parent)
    return default_image_folder(path)


def _highest_number(stored_paths: np.ndarray) -> int:
    """Highest numeric file stem among stored image paths (-1 when none is numeric)."""
    best = -1
    for p in stored_paths:
        stem = Path(str(p)).stem
        if stem.isdigit():
            best = max(best, int(stem))
    return best
