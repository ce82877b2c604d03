"""The session: builds the feature controllers from the start-up options and wires them together."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PyQt6.QtCore import QObject, pyqtSignal

from bc.errors import BCError
from recorder_app.controllers.curation import apply_edits
from recorder_app.controllers.dataset import DatasetController
from recorder_app.controllers.gamepads import GamepadWatch
from recorder_app.controllers.player import PlayerController
from recorder_app.controllers.recording import RecordingController
from recorder_app.controllers.replay import ReplayController
from recorder_app.controllers.training import TrainingController
from recorder_app.input import GamepadManager
from recorder_app.state import RecordingRequest
from recorder_app.workers.env_list import EnvLister


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
    """Seed of the first recorded episode (each next one adds one); None: random."""
    gamepads: bool = True
    """Watch for gamepads (SDL through pygame)."""
    list_envs: bool = True
    """List the supported env ids in the background for the picker."""

    def __post_init__(self) -> None:
        if self.fps is not None and self.fps <= 0:
            raise ValueError(f"fps must be positive, got {self.fps}")
        if self.countdown < 0:
            raise ValueError(f"countdown must be >= 0, got {self.countdown}")


class Session(QObject):
    """The app's controllers, built and wired; the window talks to them directly.

    Attributes:
        recording: the env worker, recording controls and frames.
        player: the human player (keys, gamepad) or the policy that plays instead.
        dataset: the dataset file and its summary.
        gamepads: the SDL gamepad manager (None with `gamepads=False`).
        gamepad_watch: hot-plug handling of `gamepads` (None without).
        training: the behaviour-cloning job of the Train panel.
        replay: the episode the Replay tab shows.

    Signals:
        message(str): a short note for the status bar (from any controller).
        failed(str, str): what failed and a one-line message (from any controller).
    """

    message = pyqtSignal(str)
    failed = pyqtSignal(str, str)

    def __init__(self, options: SessionOptions, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.options = options
        self.drop_partial_on_stop = False
        """Stopping drops the episode in progress instead of keeping it truncated (a setting)."""
        self.gamepads = GamepadManager() if options.gamepads else None
        self.player = PlayerController(self.gamepads, self)
        self.recording = RecordingController(
            options.fps, options.countdown, options.seed, self.player.device_label, self
        )
        self.dataset = DatasetController(options.dataset, options.env_id, self)
        self.gamepad_watch = GamepadWatch(self.gamepads, self) if self.gamepads else None
        self.training = TrainingController(self)
        self.replay = ReplayController(self)
        self.env_lister = EnvLister(self)
        self._wire()

    def _wire(self) -> None:
        rec, player, data = self.recording, self.player, self.dataset
        for source in (rec, player, data, self.training, self.replay.worker):
            source.failed.connect(self.failed)
        for source in (rec, data, player):
            source.message.connect(self.message)
        rec.env_opened.connect(player.bind)
        rec.env_opened.connect(data.set_env)
        player.expert_changed.connect(rec.set_expert)
        rec.recording_changed.connect(self._on_recording_changed)
        rec.episode_saved.connect(data.append)
        rec.episode_saved.connect(lambda *_: self._rumble(0.7, 200))  # the episode is on disk
        rec.failed.connect(lambda *_: self._release_dataset())
        rec.close_failed.connect(self._on_close_failed)
        rec.closed.connect(self._write_pending_edits)
        rec.relocated.connect(data.relocated)
        watch = self.gamepad_watch
        if watch is not None:
            watch.pause_requested.connect(rec.pause_for)
            watch.resume_requested.connect(rec.resume_if)
            watch.message.connect(self.message)
            watch.devices_changed.connect(lambda *_: self.player.refresh_device())

    def start(self) -> None:
        """Start the worker, open the start-up env and dataset, watch gamepads, list envs."""
        self.recording.start()
        self.recording.open_env(self.options.env_id, self.options.env_kwargs)
        self.dataset.check_lock()
        self.dataset.reload()
        if self.gamepad_watch is not None:
            self.gamepad_watch.start()
        if self.gamepads is not None and self.gamepads.mapping_problems:
            self.message.emit(
                "Gamepad mappings refused: " + "; ".join(self.gamepads.mapping_problems)
            )
        if self.options.list_envs:
            self.env_lister.start()

    def toggle_recording(self, keep_partial: bool | None = None) -> None:
        """Start recording into the dataset (with the env's and input's metadata), or stop.

        On stop, the open episode is kept truncated, or dropped when `keep_partial` is False
        (None: as `drop_partial_on_stop` says).
        """
        rec, info = self.recording, self.recording.env_info
        if self.dataset.read_only and not rec.active:
            self.failed.emit(
                "Cannot record",
                f"{self.dataset.path.name} is open read-only: {self.dataset.read_only} is "
                "writing it",
            )
            return
        if rec.active:
            self.dataset.held = True  # stopping merges the journal: reload once it is done
        metadata: dict[str, Any] = {"recorded_with": "recorder-app", "fps": rec.fps}
        if info is not None:
            metadata.update(env_id=info.env_id, env_kwargs=info.kwargs)
        metadata.update(self.player.metadata())
        keep = not self.drop_partial_on_stop if keep_partial is None else keep_partial
        request = RecordingRequest(
            path=self.dataset.path,
            append=not self.dataset.replace_next,
            metadata=metadata,
            keep_partial=keep,
        )
        rec.toggle_recording(request)

    def toggle_pause(self) -> None:
        """Pause or resume by hand (a later gamepad replug does not resume again)."""
        if self.gamepad_watch is not None:
            self.gamepad_watch.user_resumed()
        self.recording.toggle_pause()

    def shutdown(self, keep_partial: bool = True) -> None:
        """Stop watching, then let the worker save and stop; `recording.closed` follows."""
        if self.gamepad_watch is not None:
            self.gamepad_watch.stop()
        self.env_lister.stop()
        self.dataset.held = True
        self.recording.shutdown(keep_partial)

    def save_now(self) -> str:
        """Ask the worker to write every ended episode (any thread); says where they are."""
        self.recording.save_now()
        return f"Every finished episode is saved in {self.dataset.path}."

    def _on_recording_changed(self, recording: bool) -> None:
        self.dataset.recording = recording
        if recording:
            self.dataset.recording_started()
            self._rumble(0.4, 120)  # feedback: recording has started
            self.message.emit(f"Recording into {self.dataset.path}.")
        else:
            self.message.emit("Recording stopped.")
            self._release_dataset()

    def _rumble(self, strength: float, ms: int) -> None:
        """Buzz the chosen pad, where it can (feedback the player feels without looking)."""
        if self.gamepads is not None:
            self.gamepads.rumble(strength, ms)

    def _release_dataset(self) -> None:
        if self.dataset.held and not self.recording.stopping:
            self.dataset.held = False
            self.dataset.reload()

    def _write_pending_edits(self) -> None:
        """The recorder let go of the file for good: write labels and undos made while recording.

        Runs once, as the app closes (a small rewrite of the dataset; nothing else runs then).
        """
        edits = self.dataset.take_pending()
        if not edits:
            return
        try:
            apply_edits(self.dataset.path, edits)
        except BCError as exc:
            self.dataset.failed.emit("Cannot save episode labels", str(exc))

    def _on_close_failed(self) -> None:
        self._release_dataset()
        if self.gamepad_watch is not None:
            self.gamepad_watch.start()
