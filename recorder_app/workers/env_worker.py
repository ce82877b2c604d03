"""The env worker: runs the Qt-free `EnvRunner` loop as a job and turns its events into signals."""

from __future__ import annotations

import threading
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PyQt6.QtCore import QObject, pyqtBoundSignal, pyqtSignal

from bc.rollout import Expert
from recorder_app.core.events import RunnerEvents
from recorder_app.core.loop import RunnerLoop
from recorder_app.core.mailbox import Mailbox
from recorder_app.core.runner import EnvRunner
from recorder_app.core.tick_stats import TickStats
from recorder_app.state import Frame, RecordingRequest
from recorder_app.workers.jobs import start_job
from recorder_app.workers.signal_bridge import forward_signals, qt_mirror

if TYPE_CHECKING:
    _RunnerSignals = QObject
else:
    _RunnerSignals = qt_mirror(RunnerEvents, "RunnerSignals")
    """The runner's signals (`RunnerEvents`) as Qt signals of the same names and types."""


class EnvWorker(_RunnerSignals):
    """The env runner on a thread of its own; every method below is safe from any thread.

    Commands are queued and run on the runner's thread between ticks (see `RunnerLoop`). The
    newest frame waits in `frames` (newest wins); `frame_ready` is emitted only when the GUI
    has taken the last one.

    Signals:
        every signal of `RunnerEvents` (frame_ready, env_opened, recording_changed, ...),
            same name and arguments, delivered on the receiver's thread.
        stopped(): the loop ended after `shutdown`.
    """

    stopped = pyqtSignal()

    if TYPE_CHECKING:

        def __getattr__(self, name: str) -> pyqtBoundSignal:
            """The runner's signals mirrored (mypy sees them through this)."""

    def __init__(
        self,
        fps: float = 30.0,
        countdown: float = 3.0,
        seed: int | None = None,
        adaptive_render: bool = True,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = EnvRunner(fps, countdown, seed, adaptive_render)
        self.loop = RunnerLoop(self.runner)
        self._ended = threading.Event()
        forward_signals(self.runner, self)

    @property
    def frames(self) -> Mailbox[Frame]:
        """Where the newest frame waits for the GUI."""
        return self.runner.frames

    @property
    def stats(self) -> TickStats:
        """Tick lateness and duration (for the tick bench)."""
        return self.loop.stats

    def start(self) -> None:
        """Start the loop on a worker thread; `stopped` follows `shutdown`."""
        start_job(
            self._run,
            "the env runner",
            on_failed=lambda m: self.failed.emit("The env runner stopped", m),
            long_running=True,
            owner=self,
        )

    def _run(self) -> None:
        try:
            self.loop.run()
        finally:
            self._ended.set()
            self.stopped.emit()

    def wait(self, ms: int = 10_000) -> bool:
        """Block until the loop has ended (after `stopped`); True when it has."""
        return self._ended.wait(ms / 1000)

    # -- commands (any thread) -------------------------------------------------------------------

    def open_env(self, env_id: str, kwargs: dict[str, Any] | None = None) -> None:
        """Make and reset an env (the old one stays on failure); stepping waits for an expert."""
        self._post(partial(self.runner.open_env, env_id, dict(kwargs or {})), "Cannot open env")

    def set_expert(self, expert: Expert | None) -> None:
        """Set the callable `obs -> action` asked on every step (the human, or a script)."""
        self._post(partial(self.runner.set_expert, expert))

    def toggle_recording(self, request: RecordingRequest) -> None:
        """Start recording into `request.path` from a fresh episode, or stop (kept, truncated)."""
        self._post(partial(self.runner.toggle_recording, request), "Cannot record")

    def stop_recording(self) -> None:
        """Stop recording if recording (the open episode is kept, marked truncated)."""
        self._post(self.runner.stop_recording, "Cannot save")

    def toggle_pause(self) -> None:
        """Pause, or resume whatever the pause's reason."""
        self._post(self.runner.toggle_pause)

    def set_paused(self, paused: bool, reason: str = "user") -> None:
        """Pause or resume; `reason` is reported with `paused_changed`."""
        self._post(partial(self.runner.set_paused, paused, reason))

    def resume_if(self, reason: str) -> None:
        """Resume only if paused for `reason` (e.g. the gamepad came back)."""
        self._post(partial(self.runner.resume_if, reason))

    def step_once(self) -> None:
        """While paused, take one step; while running, pause."""
        self._post(self.runner.step_once)

    def restart_episode(self) -> None:
        """Discard the episode in progress and start it again from the same seed."""
        self._post(self.runner.restart_episode)

    def end_episode(self) -> None:
        """End the episode now: recorded episodes are kept, marked truncated."""
        self._post(self.runner.end_episode)

    def set_fps(self, fps: float) -> None:
        """Set the target ticks per second (clamped to [0.5, 2000])."""
        self._post(partial(self.runner.set_fps, fps))

    def set_wait_for_input(self, on: bool) -> None:
        """Step only while the expert reports input (`has_input()`): turn-by-turn play."""
        self._post(partial(self.runner.set_wait_for_input, on))

    def set_start_on_input(self, on: bool) -> None:
        """Start each recorded episode on the first input (the env waits at its first frame)."""
        self._post(partial(self.runner.set_start_on_input, on))

    def set_countdown(self, seconds: float) -> None:
        """Set the pause before each recorded episode (0: none)."""
        self._post(partial(self.runner.set_countdown, seconds))

    def flush(self) -> None:
        """Write every ended episode now (errors come as `write_failed`)."""
        self._post(self.runner.flush)

    def save_elsewhere(self, path: Path) -> None:
        """Go on recording into `path`: episodes the disk refused are written there."""
        self._post(partial(self.runner.save_elsewhere, Path(path)), "Cannot save there")

    def discard_unsaved(self) -> None:
        """Stop recording and give up the episodes the disk refused (saved ones stay)."""
        self._post(self.runner.discard_unsaved)

    def shutdown(self, keep_partial: bool = True) -> None:
        """Save or drop the open episode, close the recorder and env, and end the loop."""
        self._post(partial(self.runner.shutdown, keep_partial), "Cannot save")

    def _post(self, command: Any, what: str = "Error") -> None:
        self.loop.post(command, what)
