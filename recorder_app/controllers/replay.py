"""Replay: which episode the Replay tab shows, and the worker that re-simulates and exports it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PyQt6.QtCore import QObject

from bc.export_overlay import ExportOptions
from recorder_app.workers.replay_worker import ReplayWorker


class ReplayController(QObject):
    """Owns the replay worker: the Replay panel asks through here.

    What the worker reports (its signals opened, frame, checked, disagreement, exported,
    failed) is connected to the panel by the window.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker = ReplayWorker(self)
        self.episode: tuple[Path, int] | None = None
        """The dataset and episode index shown."""

    def open(self, dataset: Path, index: int, env_id: str, env_kwargs: dict[str, Any]) -> None:
        """Replay episode `index` of `dataset` (vector episodes re-simulated in `env_id`)."""
        self.episode = (dataset, index)
        self.worker.open(dataset, index, env_id, env_kwargs)

    def request_frame(self, step: int) -> None:
        """Show the frame of `step` (a newer request replaces one not yet served)."""
        self.worker.request_frame(step)

    def compare(self, policy: Any) -> None:
        """Compute the policy's action at every step and where it differs from the human's."""
        self.worker.compare(policy)

    def export(
        self,
        path: Path,
        fps: float,
        options: ExportOptions | None = None,
        describe: Callable[[Any], str] = str,
    ) -> None:
        """Write the episode as a GIF or MP4 (scaled, captioned as `options` say)."""
        self.worker.export(path, fps, options, describe)

    def close(self) -> None:
        """Stop the worker (the app is closing)."""
        self.worker.close()
