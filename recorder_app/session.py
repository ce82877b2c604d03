"""The session: app state (env, dataset, options, input) driving the env worker and bc."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PyQt6.QtCore import QObject, QThread, QTimer, pyqtSignal

from bc import journal, lock, storage
from bc.storage import DatasetArrays
from bc.trajectory import EpisodeSummary
from recorder_app.input import GamepadManager, HumanExpert, load_bindings
from recorder_app.workers.env_list import EnvLister
from recorder_app.workers.env_worker import (
    EnvInfo,
    EnvWorker,
    Frame,
    HudStatus,
    RecordingRequest,
)
from recorder_app.workers.task import run_task

log = logging.getLogger(__name__)

GAMEPAD_POLL_MS = 16
FPS_STEPS = (1, 2, 3, 5, 8, 10, 15, 20, 25, 30, 40, 50, 60, 75, 100, 120, 150, 200, 300, 500, 1000)


@dataclass
class SessionOptions:
    """Start-up options (from the command line)."""

    env_id: str = "CartPole-v1"
    """The env opened at start."""
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    """Keyword arguments for `gym.make` (e.g. max_episode_steps)."""
    dataset: Path | None = None
    """The dataset to record into; None: expert_<env>.npz in the current folder, per env."""
    fps: float | None = None
    """Target steps per second; None: the env's own render_fps."""
    countdown: float = 3.0
    """Seconds of countdown before each recorded episode."""
    seed: int | None = None
    """Seed of the first episode (each next episode adds one); None: random."""
    gamepads: bool = True
    """Watch for gamepads (SDL through pygame)."""
    list_envs: bool = True
    """List the supported env ids in the background for the picker."""

    def __post_init__(self) -> None:
        if self.fps is not None and self.fps <= 0:
            raise ValueError(f"fps must be positive, got {self.fps}")
        if self.countdown < 0:
            raise ValueError(f"countdown must be >= 0, got {self.countdown}")


@dataclass(frozen=True)
class DatasetView:
    """What the dataset panel shows: a path, its contents (None: no file yet), a warning."""

    path: Path
    data: DatasetArrays | None
    warning: str = ""


def default_dataset_path(env_id: str, folder: Path | None = None) -> Path:
    """expert_<env>.npz in `folder` (default: the current folder), as SB2 named its files."""
    slug = re.sub(r"[^a-z0-9]+", "_", env_id.lower()).strip("_")
    return (folder or Path.cwd()) / f"expert_{slug}.npz"


def next_fps(fps: float, faster: bool) -> float:
    """The next step up or down the fps ladder (1 ... 1000)."""
    if faster:
        return float(next((s for s in FPS_STEPS if s > fps + 1e-9), FPS_STEPS[-1]))
    return float(next((s for s in reversed(FPS_STEPS) if s < fps - 1e-9), FPS_STEPS[0]))


class Session(QObject):
    """Owns what the app is doing; the window only displays it and forwards user requests.

    Everything slow runs elsewhere: stepping and recording on the env worker's thread, dataset
    loading and deleting on the thread pool. Methods are called on the GUI thread.

    Signals:
        env_opened(EnvInfo): an env is open and its human player bound.
        env_ids(list): supported env ids (filled in the background).
        frame_ready(): a new frame waits in `take_frame()`.
        recording_changed(bool): recording started or stopped.
        paused_changed(bool, str): paused or resumed, and why.
        fps_changed(float): the target fps changed.
        episode_saved(EpisodeSummary): a recorded episode is on disk.
        dataset_changed(DatasetView): the dataset shown should be refreshed.
        devices_changed(list, object): gamepad names and the active index (or None).
        message(str): a short note for the status bar.
        error(str, str): a title and a one-line message for the error channel.
        write_trouble(str): the disk refused a write (the real cause); the env is paused.
        dataset_locked(object, str): the chosen dataset (Path) is open for writing elsewhere
            (who holds it); `open_dataset_read_only` opens it anyway, for viewing.
        close_failed(): shutting down could not save the recording; the app keeps running.
        closed(): the worker saved everything and stopped; the app may quit.
    """

    env_opened = pyqtSignal(object)
    env_ids = pyqtSignal(list)
    frame_ready = pyqtSignal()
    recording_changed = pyqtSignal(bool)
    paused_changed = pyqtSignal(bool, str)
    fps_changed = pyqtSignal(float)
    episode_saved = pyqtSignal(object)
    dataset_changed = pyqtSignal(object)
    devices_changed = pyqtSignal(list, object)
    message = pyqtSignal(str)
    error = pyqtSignal(str, str)
    write_trouble = pyqtSignal(str)
    dataset_locked = pyqtSignal(object, str)
    close_failed = pyqtSignal()
    closed = pyqtSignal()

    def __init__(self, options: SessionOptions, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.options = options
        self.env_info: EnvInfo | None = None
        self.human: HumanExpert | None = None
        self.recording = False
        self.paused = False
        self.pause_reason = ""
        self.fps = options.fps or 30.0
        self._fps_chosen = options.fps is not None
        self.dataset_path = (
            storage.normalise_path(options.dataset).absolute()
            if options.dataset is not None
            else default_dataset_path(options.env_id)
        )
        self._dataset_follows_env = options.dataset is None
        self._replace_next = False
        self.read_only = ""
        """Non-empty while the dataset is open read-only: who else is writing it."""
        self.dataset: DatasetArrays | None = None
        self.last_status = HudStatus()
        self.saved: list[EpisodeSummary] = []
        """Episodes saved to disk in this session, in order."""
        self._load_generation = 0
        self._loading = False
        self._reload_again = False
        self._is_closed = False
        self._stopping = False
        self.gamepads = GamepadManager() if options.gamepads else None
        self._pad_paused = False
        self._expert_override: Callable[[Any], Any] | None = None
        self._worker = EnvWorker(fps=self.fps, countdown=options.countdown, seed=options.seed)
        self._thread = QThread()
        self._thread.setObjectName("env-worker")
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._connect_worker()
        self._env_lister = EnvLister(self)
        self._env_lister.found.connect(self.env_ids)
        self._poll_timer = QTimer(self)
        self._poll_timer.setInterval(GAMEPAD_POLL_MS)
        self._poll_timer.timeout.connect(self.poll_gamepads)

    def _connect_worker(self) -> None:
        w = self._worker
        w.frame_ready.connect(self.frame_ready)
        w.env_opened.connect(self._on_worker_env_opened)
        w.recording_changed.connect(self._on_worker_recording_changed)
        w.paused_changed.connect(self._on_worker_paused_changed)
        w.episode_saved.connect(self._on_worker_episode_saved)
        w.failed.connect(self._on_worker_failed)
        w.write_failed.connect(self.write_trouble)
        w.relocated.connect(self._on_worker_relocated)
        w.shutdown_failed.connect(self._on_worker_shutdown_failed)
        w.stopped.connect(self._on_worker_stopped)

    # -- life cycle ----------------------------------------------------------------------------

    def start(self) -> None:
        """Start the worker, open the start-up env and dataset, watch gamepads."""
        self._thread.start()
        self.open_env(self.options.env_id, self.options.env_kwargs)
        self._check_lock()
        self.reload_dataset()
        if self.gamepads is not None:
            self._poll_timer.start()
            self.poll_gamepads()  # pads plugged in before start-up arrive as "added"
        if self.options.list_envs:
            self._env_lister.start()

    @property
    def episode_in_progress(self) -> bool:
        """True while recording an episode that has steps (closing would cut it)."""
        return self.recording and self.last_status.recording and self.last_status.step > 0

    @property
    def is_closed(self) -> bool:
        """True once the worker has stopped."""
        return self._is_closed

    def shutdown(self, keep_partial: bool = True) -> None:
        """Save (or drop) the open episode, close the recorder and env; `closed` follows."""
        self._poll_timer.stop()
        self._env_lister.stop()
        self._stopping = True
        self._worker.shutdown(keep_partial)

    def wait(self, ms: int = 10_000) -> bool:
        """Block until the worker thread has ended (after `closed`); True when it has."""
        return self._thread.wait(ms)

    def save_now(self) -> str:
        """Ask the worker to write every ended episode (any thread); says where they are."""
        self._worker.flush()
        return f"Every finished episode is saved in {self.dataset_path}."

    # -- env and input -------------------------------------------------------------------------

    def open_env(self, env_id: str, kwargs: dict[str, Any] | None = None) -> None:
        """Open an env on the worker (errors come back as `error`); not while recording."""
        if self.recording:
            self.message.emit("Stop recording (Ctrl+R) before switching env.")
            return
        self._worker.open_env(env_id, kwargs or {})

    def take_frame(self) -> Frame | None:
        """The newest frame, if any (newest wins: older ones were dropped)."""
        frame = self._worker.frames.take()
        if frame is not None:
            self.last_status = frame.status
        return frame

    def press_key(self, name: str) -> bool:
        """Forward a key press to the human; True when a binding uses the key."""
        if self.human is None or not self.human.handles(name):
            return False
        self.human.press(name)
        return True

    def release_key(self, name: str) -> bool:
        """Forward a key release to the human; True when a binding uses the key."""
        if self.human is None or not self.human.handles(name):
            return False
        self.human.release(name)
        return True

    def handles_key(self, name: str) -> bool:
        """True when a binding of the current env uses this key."""
        return self.human is not None and self.human.handles(name)

    def release_all_keys(self) -> None:
        """Forget held keys (the window lost focus: no key stays stuck)."""
        if self.human is not None:
            self.human.release_all()

    def binding_rows(self) -> list[tuple[str, str]]:
        """The current env's bindings as (input, action) lines for the Help dialog."""
        bindings = getattr(self.human, "bindings", None)
        return bindings.rows() if bindings is not None else []

    def set_expert(self, expert: Callable[[Any], Any] | None) -> None:
        """Drive the env with a callable `obs -> action` (a policy, a script); None: the human."""
        self._expert_override = expert
        self._worker.set_expert(expert if expert is not None else self.human)

    def reload_bindings(self) -> None:
        """Rebuild the human player from the saved bindings (after the key map editor)."""
        info = self.env_info
        if info is None:
            return
        bindings = load_bindings(info.env_id, info.action_space)
        self.human = HumanExpert(bindings, info.action_space, gamepad=self.gamepads)
        self._worker.set_expert(self._expert_override or self.human)

    def select_gamepad(self, index: int) -> None:
        """Drive with gamepad `index` of `gamepads.devices()` (-1: keyboard only)."""
        if self.gamepads is None:
            return
        self.gamepads.select(index if index >= 0 else None)
        self._emit_devices()

    def poll_gamepads(self) -> None:
        """Read gamepad hot-plug events (GUI thread, ~60 Hz): unplugging pauses, replug resumes."""
        if self.gamepads is None:
            return
        active_before = self.gamepads.active
        events = self.gamepads.poll()
        if not events:
            return
        for event in events:
            if (
                event.kind == "removed"
                and active_before is not None
                and self.gamepads.active is None
            ):
                self._on_gamepad_lost(event.name)
            elif event.kind == "added":
                self._on_gamepad_added(event.name)
        self._emit_devices()

    def _on_gamepad_lost(self, name: str) -> None:
        self._pad_paused = True
        self._worker.set_paused(True, "gamepad")
        self.message.emit(f"Gamepad {name} unplugged: paused. Plug it back in to resume.")

    def _on_gamepad_added(self, name: str) -> None:
        assert self.gamepads is not None
        if self.gamepads.active is None:
            names = [str(getattr(d, "name", d)) for d in self.gamepads.devices()]
            self.gamepads.select(names.index(name) if name in names else len(names) - 1)
        if self._pad_paused:
            self._pad_paused = False
            self._worker.resume_if("gamepad")
            self.message.emit(f"Gamepad {name} is back: resumed.")
        else:
            self.message.emit(f"Gamepad {name} connected.")

    def _emit_devices(self) -> None:
        assert self.gamepads is not None
        devices = self.gamepads.devices()
        names = [str(getattr(d, "name", d)) for d in devices]
        active = self.gamepads.active
        index = None
        if active is not None:
            active_id = getattr(active, "instance_id", active)
            ids = [getattr(d, "instance_id", d) for d in devices]
            index = ids.index(active_id) if active_id in ids else None
        self.devices_changed.emit(names, index)

    # -- recording controls --------------------------------------------------------------------

    def toggle_recording(self) -> None:
        """Start recording from a fresh episode into the dataset, or stop."""
        if self.env_info is None:
            self.error.emit("Cannot record", "no env is open yet")
            return
        if self.read_only and not self.recording:
            self.error.emit(
                "Cannot record",
                f"{self.dataset_path.name} is open read-only: {self.read_only} is writing it",
            )
            return
        request = RecordingRequest(
            path=self.dataset_path, append=not self._replace_next, metadata=self._metadata()
        )
        # Stopping merges the journal into the archive: reload once that is done, not during.
        self._stopping = self.recording
        self._worker.toggle_recording(request)

    def toggle_pause(self) -> None:
        """Pause or resume."""
        self._pad_paused = False
        self._worker.toggle_pause()

    def step_once(self) -> None:
        """One step while paused (pauses when running)."""
        self._worker.step_once()

    def discard_episode(self) -> None:
        """Drop the episode in progress and restart it from the same seed."""
        self._worker.restart_episode()

    def end_episode(self) -> None:
        """End the episode now (kept, marked truncated)."""
        self._worker.end_episode()

    def set_fps(self, fps: float) -> None:
        """Set the target fps."""
        self.fps = float(fps)
        self._fps_chosen = True
        self._worker.set_fps(self.fps)
        self.fps_changed.emit(self.fps)

    def change_fps(self, faster: bool) -> None:
        """One step up or down the fps ladder."""
        self.set_fps(next_fps(self.fps, faster))

    def native_fps(self) -> None:
        """Back to the env's own speed."""
        native = self.env_info.render_fps if self.env_info else None
        self.set_fps(native or 30.0)

    def set_wait_for_input(self, on: bool) -> None:
        """Turn-by-turn mode: step only while an action key or button is held."""
        self._worker.set_wait_for_input(on)

    def set_countdown(self, seconds: float) -> None:
        """Seconds of countdown before each recorded episode."""
        self.options.countdown = seconds
        self._worker.set_countdown(seconds)

    # -- dataset -------------------------------------------------------------------------------

    def open_dataset(self, path: str | Path) -> None:
        """Record into (and show) an existing or new dataset; not while recording."""
        self._set_dataset(path, replace=False)

    def new_dataset(self, path: str | Path) -> None:
        """Record into a new file; an existing file there is replaced when recording starts."""
        self._set_dataset(path, replace=True)

    def _set_dataset(self, path: str | Path, replace: bool) -> None:
        if self.recording:
            self.message.emit("Stop recording (Ctrl+R) before changing dataset.")
            return
        target = storage.normalise_path(path).absolute()
        holder = lock.locked_by(target)
        if holder is not None:
            self.dataset_locked.emit(target, holder.describe())
            return
        self.read_only = ""
        self.dataset_path = target
        self._dataset_follows_env = False
        self._replace_next = replace and self.dataset_path.exists()
        self.reload_dataset()

    def open_dataset_read_only(self, path: str | Path) -> None:
        """Show a dataset another writer holds: view, replay, train; no recording or deleting."""
        if self.recording:
            self.message.emit("Stop recording (Ctrl+R) before changing dataset.")
            return
        self.dataset_path = storage.normalise_path(path).absolute()
        holder = lock.locked_by(self.dataset_path)
        self.read_only = holder.describe() if holder is not None else ""
        self._dataset_follows_env = False
        self._replace_next = False
        self.message.emit(f"Opened {self.dataset_path.name} read-only.")
        self.reload_dataset()

    def save_elsewhere(self, path: str | Path) -> None:
        """After a write failure: go on recording into `path`, unsaved episodes first."""
        self._worker.save_elsewhere(storage.normalise_path(path).absolute())

    def discard_unsaved(self) -> None:
        """After a write failure: stop recording, giving up the episodes not saved."""
        self._worker.discard_unsaved()

    def _check_lock(self) -> None:
        holder = lock.locked_by(self.dataset_path)
        if holder is not None:
            self.dataset_locked.emit(self.dataset_path, holder.describe())

    def _on_worker_relocated(self, path: Path) -> None:
        self.dataset_path = path
        self._dataset_follows_env = False
        self.read_only = ""
        self.message.emit(f"Recording goes on in {path}; unsaved episodes are written there.")
        self._worker.resume_if("cannot save")
        self.reload_dataset()

    def reload_dataset(self) -> None:
        """Load the dataset in the background; coalesces requests made while loading."""
        if self._stopping:
            return  # recording_changed(False) reloads once the archive is merged
        if self._loading:
            self._reload_again = True
            return
        if self._replace_next:
            warning = "The existing file is replaced when recording starts (kept as .bak)."
            self.dataset = None
            self.dataset_changed.emit(DatasetView(self.dataset_path, None, warning))
            return
        self._loading = True
        self._load_generation += 1
        generation, path = self._load_generation, self.dataset_path
        run_task(
            lambda: _load_if_exists(path),
            lambda data: self._on_dataset_loaded(generation, path, data),
            lambda m: self._on_dataset_failed(generation, path, m),
            f"loading {path.name}",
        )

    def delete_episodes(self, indices: list[int]) -> None:
        """Delete episodes from the dataset on disk (off the GUI thread); not while recording."""
        if self.recording:
            self.message.emit("Stop recording (Ctrl+R) before deleting episodes.")
            return
        if self.read_only:
            self.error.emit("Cannot delete episodes", "the dataset is open read-only")
            return
        path = self.dataset_path
        self.message.emit(f"Deleting {len(indices)} episode(s) from {path.name}...")
        run_task(
            lambda: storage.delete_episodes(path, indices),
            lambda _: self._on_deleted(indices),
            lambda m: self.error.emit("Cannot delete episodes", m),
            "deleting episodes",
        )

    def _on_deleted(self, indices: list[int]) -> None:
        self.message.emit(f"Deleted episode(s) {', '.join(map(str, indices))}.")
        self.reload_dataset()

    def _on_dataset_loaded(self, generation: int, path: Path, data: DatasetArrays | None) -> None:
        self._loading = False
        if generation == self._load_generation and not self._reload_again:
            self.dataset = data
            self.dataset_changed.emit(DatasetView(path, data, self.mismatch(data)))
        if self._reload_again:
            self._reload_again = False
            self.reload_dataset()

    def _on_dataset_failed(self, generation: int, path: Path, message: str) -> None:
        self._loading = False
        if generation == self._load_generation:
            self.dataset = None
            self.dataset_changed.emit(DatasetView(path, None, message))
            self.error.emit("Cannot open dataset", message)
        if self._reload_again:
            self._reload_again = False
            self.reload_dataset()

    def mismatch(self, data: DatasetArrays | None) -> str:
        """Why a dataset does not fit the open env ("" when it fits, or nothing to compare)."""
        info = self.env_info
        if data is None or info is None:
            return ""
        problems = storage.space_problems(data, info.observation_space, info.action_space)
        if not problems:
            return ""
        return f"Does not fit {info.env_id}: {'; '.join(problems)}"

    def _metadata(self) -> dict[str, Any]:
        info = self.env_info
        assert info is not None
        meta: dict[str, Any] = {
            "env_id": info.env_id,
            "env_kwargs": info.kwargs,
            "fps": self.fps,
            "recorded_with": "recorder-app",
        }
        if self.human is not None:
            meta["input_device"] = self.human.device
            meta["bindings"] = _bindings_json(self.human)
        return meta

    # -- worker signals ------------------------------------------------------------------------

    def _on_worker_env_opened(self, info: EnvInfo) -> None:
        self.env_info = info
        self.reload_bindings()
        if not self._fps_chosen:
            self.fps = info.render_fps or 30.0
            self._worker.set_fps(self.fps)
        self.fps_changed.emit(self.fps)
        if self._dataset_follows_env:
            self.dataset_path = default_dataset_path(info.env_id, self.dataset_path.parent)
        self.reload_dataset()
        self.env_opened.emit(info)
        self.message.emit(f"Opened {info.env_id}.")

    def _on_worker_recording_changed(self, recording: bool) -> None:
        self.recording = recording
        self._stopping = False
        if recording:
            self._replace_next = False
        self.recording_changed.emit(recording)
        self.message.emit(
            f"Recording into {self.dataset_path}." if recording else "Recording stopped."
        )
        if not recording:
            self.reload_dataset()

    def _on_worker_paused_changed(self, paused: bool, reason: str) -> None:
        self.paused, self.pause_reason = paused, reason
        self.paused_changed.emit(paused, reason)

    def _on_worker_episode_saved(self, summary: EpisodeSummary) -> None:
        self.saved.append(summary)
        self.episode_saved.emit(summary)
        end = "terminated" if summary.terminated else "truncated"
        self.message.emit(
            f"Episode {summary.index} saved: {summary.length} steps, return {summary.ret:.2f}, "
            f"{end}."
        )
        self.reload_dataset()

    def _on_worker_failed(self, title: str, message: str) -> None:
        self._stopping = False  # a failed stop leaves recording on: reloads may go on
        self.error.emit(title, message)

    def _on_worker_shutdown_failed(self, message: str) -> None:
        self.write_trouble.emit(f"Could not save the recording before closing: {message}")
        self._poll_timer.start()
        self._stopping = False
        self.close_failed.emit()

    def _on_worker_stopped(self) -> None:
        self._thread.quit()
        self._is_closed = True
        self.closed.emit()


def _load_if_exists(path: Path) -> DatasetArrays | None:
    """Load a dataset, or None when neither the file nor a crash journal exists."""
    if not path.exists() and not journal.all_parts(path):
        return None
    return storage.load(path, check_images=False)


def _bindings_json(human: HumanExpert) -> Any:
    """The bindings as plain JSON data for the dataset's metadata (best effort)."""
    bindings = getattr(human, "bindings", None)
    to_dict = getattr(bindings, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    return str(bindings) if bindings is not None else None
