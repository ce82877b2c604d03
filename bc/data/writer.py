"""The recorder's disk side: one FIFO thread writes frame files and journal parts, in order.

Ended episodes wait in memory (`PendingEpisode`) until their journal file is safely written;
a write the disk refuses is reported and retried (its frames first) before any later episode.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from bc.data import journal
from bc.data.archive import atomic_savez
from bc.data.arrays import DatasetArrays
from bc.data.destination import Destination
from bc.data.images import read_image, resolve_image_path, write_image
from bc.data.trajectory import Episode, EpisodeSummary
from bc.errors import DatasetWriteError

log = logging.getLogger(__name__)

ErrorCallback = Callable[[str], None]
SavedCallback = Callable[[EpisodeSummary], None]


@dataclass(eq=False)
class PendingEpisode:
    """An ended episode on its way to the journal; kept until its file is safely written."""

    episode: Episode
    summary: EpisodeSummary


class WriterThread:
    """One FIFO thread that runs tasks in submission order.

    The queue is bounded, so a recorder outrunning the disk slows down instead of filling memory.
    """

    def __init__(self, maxsize: int = 512) -> None:
        self._queue: queue.Queue[Callable[[], None] | None] = queue.Queue(maxsize)
        self._thread = threading.Thread(target=self._run, name="bc-recorder-writer", daemon=True)
        self._thread.start()

    def submit(self, task: Callable[[], None]) -> None:
        """Queue a task; blocks while the queue is full."""
        self._queue.put(task)

    def flush(self) -> None:
        """Wait until every queued task has run."""
        self._queue.join()

    def close(self) -> None:
        """Run what is queued, then stop the thread."""
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        while True:
            task = self._queue.get()
            try:
                if task is None:
                    return
                task()
            except Exception:  # tasks report their own errors; never die
                log.exception("recorder writer task failed")
            finally:
                self._queue.task_done()


class EpisodeWriter:
    """Write a recorder's frames and ended episodes on its `WriterThread`, crash-safely.

    Args:
        destination: the dataset being recorded into (`Recorder.relocate` replaces it).
        on_error: called from the writer thread with a one-line message when a write fails.
        on_saved: called from the writer thread once an ended episode is safely on disk.
    """

    def __init__(
        self,
        destination: Destination,
        on_error: ErrorCallback | None,
        on_saved: SavedCallback,
    ) -> None:
        self.destination = destination
        self._on_error = on_error
        self._on_saved = on_saved
        self._lock = threading.Lock()
        self._errors: list[str] = []
        self._pending: list[PendingEpisode] = []
        self._commit_lock = threading.Lock()  # one writer of journal parts at a time
        self._failed_frames: dict[Path, np.ndarray] = {}
        self._crcs: dict[Path, int] = {}
        self._thread = WriterThread()

    @property
    def errors(self) -> list[str]:
        """Write errors reported so far (cleared by `flush` once the retries succeed)."""
        with self._lock:
            return list(self._errors)

    def write_frame(self, target: Path, frame: np.ndarray) -> None:
        """Queue one frame file; a refused write keeps the frame for its episode's retry."""
        self._thread.submit(_FrameTask(self, target, frame))

    def delete_files(self, paths: list[Path]) -> None:
        """Queue the removal of files (a discarded episode's frames), after earlier writes."""
        self._thread.submit(lambda: _unlink_all(paths))

    def add(self, pending: PendingEpisode) -> None:
        """Queue an ended episode's journal file (after its frames)."""
        with self._lock:
            self._pending.append(pending)
        self._thread.submit(lambda: self._commit(pending))

    def wait(self) -> None:
        """Wait until every queued task has run (no retry, no error raised)."""
        self._thread.flush()

    def flush(self) -> None:
        """Wait until every ended episode is on disk, retrying failed writes once.

        Raises:
            DatasetWriteError: some episodes still could not be written (they stay in memory).
        """
        self._thread.flush()
        with self._lock:
            retry = list(self._pending)
        if retry:
            self._commit(retry[-1])  # writes them all, oldest first
        with self._lock:
            left = len(self._pending)
            if not left:
                self._errors.clear()
            message = self._errors[-1] if self._errors else ""
        if left:
            raise DatasetWriteError(f"{left} episode(s) not saved yet: {message}")

    def close(self) -> None:
        """Run what is queued, then stop the thread."""
        self._thread.close()

    def take_unsaved(self) -> list[PendingEpisode]:
        """The episodes not saved yet, oldest first, for a new destination (errors cleared)."""
        with self._lock:
            pending = list(self._pending)
            self._errors.clear()
        return pending

    def commit_later(self, pending: PendingEpisode) -> None:
        """Queue the journal files of every unsaved episode up to `pending`."""
        self._thread.submit(lambda: self._commit(pending))

    def recover_frame(self, old: Path) -> np.ndarray:
        """The frame meant for `old`: kept in memory when its write failed, else read back.

        Raises:
            DatasetWriteError: the frame is in neither place.
        """
        frame = self._failed_frames.pop(old, None)
        if frame is None:
            frame = read_image(old)
        if frame is None:
            raise DatasetWriteError(f"frame {old} was lost before it could be moved")
        return frame

    def move_frame(self, old: Path, target: Path) -> None:
        """Queue the frame meant for `old` as `target` instead (see `recover_frame`)."""
        self.write_frame(target, self.recover_frame(old))

    def drop_unsaved(self) -> int:
        """Forget every episode and frame not saved yet; returns how many episodes."""
        with self._lock:
            dropped = len(self._pending)
            self._pending.clear()
        self._failed_frames.clear()
        return dropped

    # -- internals ------------------------------------------------------------------------

    def _report(self, message: str) -> None:
        with self._lock:
            self._errors.append(message)
        log.error("%s", message)
        if self._on_error is not None:
            self._on_error(message)

    def _image_failed(self, target: Path, frame: np.ndarray, exc: OSError) -> None:
        """Keep a frame the disk refused; its episode's commit retries it first."""
        self._failed_frames[target] = frame
        self._report(f"could not write image {target}: {exc.strerror or exc}")

    def _commit(self, pending: PendingEpisode) -> None:
        """Write the journal files of every ended episode up to this one, oldest first.

        Episodes reach the journal in the order they ended: when an earlier one could not be
        written (a full disk), it is retried first and later ones wait behind it in memory.
        """
        with self._commit_lock:
            with self._lock:
                if pending not in self._pending:
                    return
                queue = self._pending[: self._pending.index(pending) + 1]
            for item in queue:
                if not self._write_part(item):
                    return

    def _write_part(self, pending: PendingEpisode) -> bool:
        """Write one episode's journal file (its images first); False when the disk refused."""
        episode = pending.episode
        dest = self.destination
        try:
            if dest.images:
                self._retry_images(episode)
            part = DatasetArrays.from_episodes([episode], dest.metadata)
            if dest.images:
                part = replace(
                    part,
                    image_crc32=self._part_crcs(list(episode.obs)),
                    episode_final_crc32=self._part_crcs(
                        [] if episode.final_obs is None else [episode.final_obs]
                    ),
                )
            target = journal.next_part_path(dest.path)
            atomic_savez(target, part.to_arrays())
        except (OSError, DatasetWriteError) as exc:
            self._report(f"episode not saved yet (will retry): {exc}")
            return False
        with self._lock:
            if pending in self._pending:
                self._pending.remove(pending)
        if dest.images:
            finals = [] if episode.final_obs is None else [episode.final_obs]
            for stored in [*episode.obs, *finals]:
                self._crcs.pop(resolve_image_path(str(stored), dest.path.parent), None)
        self._on_saved(pending.summary)
        return True

    def _part_crcs(self, stored_paths: list[Any]) -> np.ndarray:
        """CRC-32 of each of these frame files as written (empty when one is unknown)."""
        crcs = [
            self._crcs.get(resolve_image_path(str(stored), self.destination.path.parent))
            for stored in stored_paths
        ]
        if not crcs or any(c is None for c in crcs):
            return np.zeros(0, dtype=np.uint32)
        return np.asarray(crcs, dtype=np.uint32)

    def _retry_images(self, episode: Episode) -> None:
        failed = self._failed_frames
        if not failed:
            return
        stored_paths = list(episode.obs)
        if episode.final_obs is not None:
            stored_paths.append(episode.final_obs)
        for stored in stored_paths:
            target = resolve_image_path(str(stored), self.destination.path.parent)
            frame = failed.get(target)
            if frame is not None:
                self._crcs[target] = write_image(target, frame, exclusive=True)
                del failed[target]


class _FrameTask:
    """Write one frame; on failure keep it for the retry (a callable, so the queue stays FIFO)."""

    __slots__ = ("frame", "target", "writer")

    def __init__(self, writer: EpisodeWriter, target: Path, frame: np.ndarray) -> None:
        self.writer = writer
        self.target = target
        self.frame = frame

    def __call__(self) -> None:
        try:
            self.writer._crcs[self.target] = write_image(self.target, self.frame, exclusive=True)
        except OSError as exc:
            self.writer._image_failed(self.target, self.frame, exc)


def _unlink_all(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
