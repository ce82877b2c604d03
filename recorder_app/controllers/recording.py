"""Recording: the env worker's life cycle, the recording controls and the frames it shows."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PyQt6.QtCore import QObject, pyqtSignal

from bc.rollout import Expert
from recorder_app.state import EnvInfo, Frame, HudStatus, RecordingRequest, SavedEpisode
from recorder_app.workers.env_worker import EnvWorker

FPS_STEPS = (1, 2, 3, 5, 8, 10, 15, 20, 25, 30, 40, 50, 60, 75, 100, 120, 150, 200, 300, 500, 1000)


def next_fps(fps: float, faster: bool) -> float:
    """The next step up or down the fps ladder (1 ... 1000)."""
    if faster:
        return float(next((s for s in FPS_STEPS if s > fps + 1e-9), FPS_STEPS[-1]))
    return float(next((s for s in reversed(FPS_STEPS) if s < fps - 1e-9), FPS_STEPS[0]))


class RecordingController(QObject):
    """Drives the env worker for the window: env, speed, pause, recording, shutting down.

    Methods run on the GUI thread; the worker confirms each change by a signal, and the
    state here (`active`, `paused`, `fps`, `last_status`) follows those signals.

    Signals:
        env_opened(EnvInfo): an env is open.
        frame_ready(): a new frame waits in `take_frame()`.
        recording_changed(bool): recording started or stopped.
        paused_changed(bool, str): paused or resumed, and why.
        fps_changed(float): the target fps changed.
        episode_saved(SavedEpisode): a recorded episode is on disk.
        message(str): a short note for the status bar.
        failed(str, str): what failed and a one-line message.
        write_trouble(str): the disk refused a write (the real cause); the env is paused and
            no episode is lost yet: `save_elsewhere` or `discard_unsaved` (or try again later).
        relocated(Path): recording goes on in this dataset after `save_elsewhere`.
        close_failed(): shutting down could not save the recording; the app keeps running
            (`write_trouble` says why).
        closed(): the worker saved everything and stopped; the app may quit.
    """

    env_opened = pyqtSignal(object)
    frame_ready = pyqtSignal()
    recording_changed = pyqtSignal(bool)
    paused_changed = pyqtSignal(bool, str)
    fps_changed = pyqtSignal(float)
    episode_saved = pyqtSignal(object)
    message = pyqtSignal(str)
    failed = pyqtSignal(str, str)
    write_trouble = pyqtSignal(str)
    relocated = pyqtSignal(object)
    close_failed = pyqtSignal()
    closed = pyqtSignal()

    def __init__(
        self,
        fps: float | None,
        countdown: float,
        seed: int | None,
        device_label: Callable[[], str] = str,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.env_info: EnvInfo | None = None
        self.active = False
        """True while recording."""
        self.paused = False
        self.pause_reason = ""
        self.fps = fps or 30.0
        self.countdown = countdown
        self._fps_chosen = fps is not None
        self.last_status = HudStatus()
        self.saved: list[SavedEpisode] = []
        """Episodes saved to disk in this session, in order."""
        self.stopping = False
        """True from a stop request until recording_changed(False): the archive is merging."""
        self._is_closed = False
        self._device_label = device_label
        self.worker = EnvWorker(fps=self.fps, countdown=countdown, seed=seed, parent=self)
        w = self.worker
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

    # -- life cycle ------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the worker's loop."""
        self.worker.start()

    @property
    def is_closed(self) -> bool:
        """True once the worker has stopped."""
        return self._is_closed

    @property
    def episode_in_progress(self) -> bool:
        """True while recording an episode that has steps (closing would cut it)."""
        return self.active and self.last_status.recording and self.last_status.step > 0

    def shutdown(self, keep_partial: bool = True) -> None:
        """Save (or drop) the open episode, close the recorder and env; `closed` follows."""
        self.stopping = True
        self.worker.shutdown(keep_partial)

    def wait(self, ms: int = 10_000) -> bool:
        """Block until the worker's loop has ended (after `closed`); True when it has."""
        return self.worker.wait(ms)

    def save_now(self) -> None:
        """Ask the worker to write every ended episode (any thread)."""
        self.worker.flush()

    def save_elsewhere(self, path: str | Path) -> None:
        """After refused writes: go on recording into `path`, the unsaved episodes first."""
        self.worker.save_elsewhere(Path(path))

    def discard_unsaved(self) -> None:
        """After refused writes: stop recording, giving up the episodes not saved yet."""
        self.worker.discard_unsaved()

    # -- env and frames --------------------------------------------------------------------------

    def open_env(self, env_id: str, kwargs: dict[str, Any] | None = None) -> None:
        """Open an env on the worker (errors come back as `failed`); not while recording."""
        if self.active:
            self.message.emit("Stop recording (Ctrl+R) before switching env.")
            return
        self.worker.open_env(env_id, kwargs or {})

    def set_expert(self, expert: Expert | None) -> None:
        """The expert the worker asks for every action (None: stop stepping)."""
        self.worker.set_expert(expert)

    def take_frame(self) -> Frame | None:
        """The newest frame, if any (older ones were dropped), with who plays filled in."""
        frame = self.worker.frames.take()
        if frame is None:
            return None
        status = dataclasses.replace(frame.status, device=self._device_label())
        self.last_status = status
        return Frame(frame.image, status)

    # -- controls --------------------------------------------------------------------------------

    def toggle_recording(self, request: RecordingRequest) -> None:
        """Start recording from a fresh episode into `request.path`, or stop."""
        if self.env_info is None:
            self.failed.emit("Cannot record", "no env is open yet")
            return
        # Stopping merges the journal into the archive: the dataset reloads once that is done.
        self.stopping = self.active
        self.worker.toggle_recording(request)

    def toggle_pause(self) -> None:
        """Pause or resume."""
        self.worker.toggle_pause()

    def pause_for(self, reason: str) -> None:
        """Pause because of `reason` (e.g. "gamepad")."""
        self.worker.set_paused(True, reason)

    def resume_if(self, reason: str) -> None:
        """Resume if paused because of `reason`."""
        self.worker.resume_if(reason)

    def step_once(self) -> None:
        """One step while paused (pauses when running)."""
        self.worker.step_once()

    def discard_episode(self) -> None:
        """Drop the episode in progress and restart it from the same seed."""
        self.worker.restart_episode()

    def end_episode(self) -> None:
        """End the episode now (kept, marked truncated)."""
        self.worker.end_episode()

    def set_fps(self, fps: float) -> None:
        """Set the target fps."""
        self.fps = float(fps)
        self._fps_chosen = True
        self.worker.set_fps(self.fps)
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
        self.worker.set_wait_for_input(on)

    def set_start_on_input(self, on: bool) -> None:
        """Start each recorded episode on the first key press (the env waits at frame 1)."""
        self.worker.set_start_on_input(on)

    def set_countdown(self, seconds: float) -> None:
        """Seconds of countdown before each recorded episode."""
        self.countdown = seconds
        self.worker.set_countdown(seconds)

    # -- worker signals --------------------------------------------------------------------------

    def _on_worker_env_opened(self, info: EnvInfo) -> None:
        self.env_info = info
        if not self._fps_chosen:
            self.fps = info.render_fps or 30.0
            self.worker.set_fps(self.fps)
        self.fps_changed.emit(self.fps)
        self.env_opened.emit(info)
        self.message.emit(f"Opened {info.env_id}.")

    def _on_worker_recording_changed(self, recording: bool) -> None:
        self.active = recording
        self.stopping = False
        self.recording_changed.emit(recording)

    def _on_worker_paused_changed(self, paused: bool, reason: str) -> None:
        self.paused, self.pause_reason = paused, reason
        self.paused_changed.emit(paused, reason)

    def _on_worker_episode_saved(self, saved: SavedEpisode) -> None:
        self.saved.append(saved)
        s = saved.summary
        end = "terminated" if s.terminated else "truncated"
        self.message.emit(f"Episode {s.index} saved: {s.length} steps, return {s.ret:.2f}, {end}.")
        self.episode_saved.emit(saved)

    def _on_worker_failed(self, title: str, message: str) -> None:
        self.stopping = False  # a failed stop leaves recording on
        if title == "Cannot open env" and self.env_info is not None:  # what is left, what to do
            message += (
                f"\n\nStill playing {self.env_info.env_id}. Pick an env from the Env list "
                "(Ctrl+L), or type another id and press Enter."
            )
        self.failed.emit(title, message)

    def _on_worker_shutdown_failed(self, message: str) -> None:
        self.stopping = False
        self.write_trouble.emit(f"Could not save the recording before closing: {message}")
        self.close_failed.emit()

    def _on_worker_relocated(self, path: Path) -> None:
        self.message.emit(f"Recording goes on in {path}; unsaved episodes are written there.")
        self.relocated.emit(path)

    def _on_worker_stopped(self) -> None:
        self._is_closed = True
        self.closed.emit()
