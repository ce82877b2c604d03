"""The dataset: which file the app records into, its summary for the panels, deleting episodes."""

from __future__ import annotations

import re
from pathlib import Path

from PyQt6.QtCore import QObject, pyqtSignal

from bc import curation
from bc.data import editing, journal, lock
from bc.data.archive import load, normalise_path
from bc.data.validate import space_problems
from recorder_app.controllers.curation import (
    LabelChange,
    PendingEdits,
    apply_edits,
    last_episode,
    marked_undone,
    relabelled,
)
from recorder_app.state import DatasetSummary, DatasetView, EnvInfo, SavedEpisode
from recorder_app.workers.jobs import start_job

REPLACE_WARNING = "The existing file is replaced when recording starts (kept as .bak)."


def default_dataset_path(env_id: str, folder: Path | None = None) -> Path:
    """expert_<env>.npz in `folder` (default: the current folder), as SB2 named its files."""
    slug = re.sub(r"[^a-z0-9]+", "_", env_id.lower()).strip("_")
    return (folder or Path.cwd()) / f"expert_{slug}.npz"


def load_summary(path: Path, info: EnvInfo | None) -> tuple[DatasetSummary | None, str]:
    """Load a dataset (off the GUI thread) into its summary, and why it does not fit `info`.

    Returns:
        (None, "") when neither the file nor a crash journal exists.
    """
    if not path.exists() and not journal.all_parts(path):
        return None, ""
    data = load(path, check_images=False)
    mismatch = ""
    if info is not None:
        problems = space_problems(data, info.observation_space, info.action_space)
        if problems:
            mismatch = f"Does not fit {info.env_id}: {'; '.join(problems)}"
    return DatasetSummary.of(data), mismatch


class DatasetController(QObject):
    """Knows the dataset path and what is in it; loads, appends and deletes off the GUI thread.

    A recorded episode is appended to the summary when it is saved; the whole file is read
    again only when it changes otherwise (opened, recording stopped, episodes deleted).

    Signals:
        changed(DatasetView): the dataset shown should be refreshed.
        message(str): a short note for the status bar.
        failed(str, str): what failed and a one-line message.
        locked(Path, str): the chosen dataset is open for writing elsewhere (who holds it);
            `open_read_only` opens it anyway, for viewing, replay and training.
    """

    changed = pyqtSignal(object)
    message = pyqtSignal(str)
    failed = pyqtSignal(str, str)
    locked = pyqtSignal(object, str)

    def __init__(self, path: Path | None, env_id: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path = (
            normalise_path(path).absolute() if path is not None else default_dataset_path(env_id)
        )
        self.follows_env = path is None
        """True until the user picks a file: each env then gets its own expert_<env>.npz."""
        self.replace_next = False
        """True when the next recording replaces the file (New... on an existing path)."""
        self.env_info: EnvInfo | None = None
        self.view = DatasetView(self.path, None)
        self.held = False
        """True while the file is being rewritten (recording stops): reloads wait."""
        self.recording = False
        """True while recording into the file: it cannot be switched or edited."""
        self.read_only = ""
        """Non-empty while the dataset is open read-only: who else is writing it."""
        self._generation = 0
        self._loading = False
        self._reload_again = False
        self.pending = PendingEdits()
        """Curation edits made while recording; written when recording stops."""
        self._edits = 0
        """Label writes under way: a load finishing meanwhile may predate them."""
        self._previous: tuple[Path, bool, bool, str] | None = None
        """The dataset before Open/New (path, follows_env, replace_next, read_only): back to it
        when the chosen file cannot be read, so recording never targets an unreadable file."""

    @property
    def summary(self) -> DatasetSummary | None:
        """What is in the dataset (None: no file yet)."""
        return self.view.data

    def set_env(self, info: EnvInfo) -> None:
        """An env was opened: follow it (default path) and check the dataset against it."""
        self.env_info = info
        if self.follows_env:
            self.path = default_dataset_path(info.env_id, self.path.parent)
        self.reload()

    def open(self, path: str | Path) -> None:
        """Record into (and show) an existing or new dataset."""
        self._set_path(path, replace=False)

    def new(self, path: str | Path) -> None:
        """Record into a new file; an existing file there is replaced when recording starts."""
        self._set_path(path, replace=True)

    def open_read_only(self, path: str | Path) -> None:
        """Show a dataset another writer holds: view, replay, train; no recording or deleting."""
        if self.recording:
            self.message.emit("Stop recording (Ctrl+R) before changing dataset.")
            return
        self.path = normalise_path(path).absolute()
        holder = lock.locked_by(self.path)
        self.read_only = holder.describe() if holder is not None else ""
        self.follows_env = False
        self.replace_next = False
        self.message.emit(f"Opened {self.path.name} read-only.")
        self.reload()

    def check_lock(self) -> None:
        """Say (`locked`) when another writer holds the current dataset (at start-up)."""
        holder = lock.locked_by(self.path)
        if holder is not None:
            self.locked.emit(self.path, holder.describe())

    def relocated(self, path: Path) -> None:
        """The recording went on in another file (the disk refused this one): show that one."""
        self.path = normalise_path(path).absolute()
        self.follows_env = False
        self.replace_next = False
        self.read_only = ""
        self.reload()

    def _set_path(self, path: str | Path, replace: bool) -> None:
        if self.recording:
            self.message.emit("Stop recording (Ctrl+R) before changing dataset.")
            return
        target = normalise_path(path).absolute()
        holder = lock.locked_by(target)
        if holder is not None:
            self.locked.emit(target, holder.describe())
            return
        if self.view.data is not None or not self.view.warning:  # the current file was readable
            self._previous = (self.path, self.follows_env, self.replace_next, self.read_only)
        self.read_only = ""
        self.path = target
        self.follows_env = False
        self.replace_next = replace and self.path.exists()
        self.reload()

    def recording_started(self) -> None:
        """A recording began: a replaced file starts empty."""
        if self.replace_next:
            self.replace_next = False
            self._show(DatasetView(self.path, None))

    def append(self, saved: SavedEpisode) -> None:
        """A recorded episode is on disk: add its row to the summary (no reload)."""
        base = self.view.data
        if base is None:
            info = self.env_info
            shape = (0, *saved.actions.shape[1:])
            base = DatasetSummary(
                (), saved.actions[:0].reshape(shape), bool(info and info.is_image)
            )
        self._show(DatasetView(self.path, base.with_episode(saved), self.view.warning))

    def reload(self) -> None:
        """Load the dataset in the background; coalesces requests made while loading."""
        if self.held:
            return
        if self._loading:
            self._reload_again = True
            return
        if self.replace_next:
            self._show(DatasetView(self.path, None, REPLACE_WARNING))
            return
        self._loading = True
        self._generation += 1
        generation, path, info = self._generation, self.path, self.env_info
        edits, self.pending = (
            (self.pending, PendingEdits()) if not self.recording else (None, self.pending)
        )

        def load() -> tuple[DatasetSummary | None, str]:
            if edits:
                apply_edits(path, edits)
            return load_summary(path, info)

        start_job(
            load,
            f"loading {path.name}",
            lambda result: self._on_loaded(generation, path, *result),
            lambda message: self._on_load_failed(generation, path, message),
            owner=self,
        )

    def delete_episodes(self, indices: list[int]) -> None:
        """Delete episodes from the file (off the GUI thread), then reload."""
        if self.recording:
            self.message.emit("Stop recording (Ctrl+R) before deleting episodes.")
            return
        if self.read_only:
            self.failed.emit("Cannot delete episodes", "the dataset is open read-only")
            return
        path = self.path
        self.message.emit(f"Deleting {len(indices)} episode(s) from {path.name}...")
        start_job(
            lambda: editing.delete_episodes(path, indices),
            "deleting episodes",
            lambda _: self._on_deleted(indices),
            lambda message: self.failed.emit("Cannot delete episodes", message),
            owner=self,
        )

    def label(self, change: LabelChange) -> None:
        """Change episodes' labels: shown at once, written now or when recording stops."""
        data = self.view.data
        if data is None or not change.indices:
            return
        self._generation += 1  # a load already under way would show the old labels
        self._show(DatasetView(self.path, relabelled(data, change), self.view.warning))
        if self.recording or self.held:
            self.pending.labels.append(change)
            return
        path = self.path
        self._edits += 1
        start_job(
            lambda: curation.label_episodes(path, list(change.indices), **change.kwargs()),
            "labelling episodes",
            lambda _: self._on_edited(),
            lambda message: self._on_edit_failed("Cannot label episodes", message),
            owner=self,
        )

    def take_pending(self) -> PendingEdits:
        """Hand over the edits made while recording (the caller writes them)."""
        edits, self.pending = self.pending, PendingEdits()
        return edits

    def _on_edited(self) -> None:
        self._edits -= 1
        self.reload()

    def undo_last(self) -> int | None:
        """Remove the last episode (while recording: when recording stops); returns its index."""
        index = last_episode(self.view.data)
        if index is None:
            self.message.emit("No episode to undo.")
            return None
        if self.recording or self.held:
            self.pending.undo.append(index)
            assert self.view.data is not None
            self._show(
                DatasetView(self.path, marked_undone(self.view.data, index), self.view.warning)
            )
            self.message.emit(f"Episode {index} undone: it is removed when recording stops.")
            return index
        self.delete_episodes([index])
        return index

    def _on_edit_failed(self, title: str, message: str) -> None:
        self._edits -= 1
        self.failed.emit(title, message)
        self.reload()

    def _on_deleted(self, indices: list[int]) -> None:
        self.message.emit(f"Deleted episode(s) {', '.join(map(str, indices))}.")
        self.reload()

    def _on_loaded(
        self, generation: int, path: Path, data: DatasetSummary | None, mismatch: str
    ) -> None:
        self._loading = False
        if generation == self._generation:
            self._previous = None
        if generation == self._generation and not self._reload_again and not self._edits:
            self._show(DatasetView(path, data, mismatch))
        self._reload_if_asked()

    def _on_load_failed(self, generation: int, path: Path, message: str) -> None:
        self._loading = False
        if generation == self._generation:
            previous, self._previous = self._previous, None
            if previous is not None and previous[0] != path:  # keep the file that was readable
                self.path, self.follows_env, self.replace_next, self.read_only = previous
                self._reload_again = True
                message += (
                    f"\n\nStill using {self.path}. Choose another file with Open... or New..."
                )
            else:
                self._show(DatasetView(path, None, message))
            self.failed.emit("Cannot open dataset", message)
        self._reload_if_asked()

    def _reload_if_asked(self) -> None:
        if self._reload_again:
            self._reload_again = False
            self.reload()

    def _show(self, view: DatasetView) -> None:
        data = view.data
        usable = data is not None and data.n_episodes > 0 and not view.warning
        self.view = DatasetView(view.path, data, view.warning, usable)
        self.changed.emit(self.view)
