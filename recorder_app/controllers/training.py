"""Training: one behaviour-cloning job at a time for the Train panel, cancelled on close."""

from __future__ import annotations

from PyQt6.QtCore import QObject

from recorder_app.state import TrainSettings
from recorder_app.workers.train_worker import TrainJob, TrainSignals


class TrainingController(TrainSignals):
    """Starts, cancels and reports the training job; the panel only shows what it reports.

    Its signals (`TrainSignals`: batch, epoch, trained, evaluated, failed, done, eval_progress)
    relay those of whichever job runs, so the panel connects once.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.job: TrainJob | None = None

    def is_running(self) -> bool:
        """True while a job trains or evaluates."""
        return self.job is not None and self.job.is_running()

    def start(self, settings: TrainSettings) -> None:
        """Train with `settings` (ignored while a job runs)."""
        if self.is_running():
            return
        job = TrainJob(settings, self)
        job.relay_to(self)
        self.job = job
        job.start()

    def cancel(self) -> None:
        """Stop after the current batch (or evaluation episode); the best weights are saved."""
        if self.job is not None:
            self.job.cancel()

    def shutdown(self) -> None:
        """Cancel a running job and wait for it (the app is closing)."""
        if self.is_running():
            assert self.job is not None
            self.job.cancel()
            self.job.wait(10.0)
