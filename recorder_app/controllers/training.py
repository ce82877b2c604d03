"""Training: one behaviour-cloning job at a time for the Train panel, cancelled on close."""

from __future__ import annotations

from PyQt6.QtCore import QObject, pyqtSignal

from recorder_app.state import TrainSettings
from recorder_app.workers.train_worker import TrainJob


class TrainingController(QObject):
    """Starts, cancels and reports the training job; the panel only shows what it reports.

    Signals:
        batch(BatchReport): after each batch.
        epoch(EpochReport): after each epoch.
        trained(TrainResult): a run ended (also when cancelled); its policy is saved.
        evaluated(object): the policy's EvalResult.
        failed(str, str): what failed and a one-line message.
        done(): the job is over.
        eval_progress(int, int, float): evaluation episode k of n done, running mean return.
    """

    batch = pyqtSignal(object)
    epoch = pyqtSignal(object)
    trained = pyqtSignal(object)
    evaluated = pyqtSignal(object)
    failed = pyqtSignal(str, str)
    done = pyqtSignal()
    eval_progress = pyqtSignal(int, int, float)

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
        job.batch.connect(self.batch)
        job.epoch.connect(self.epoch)
        job.trained.connect(self.trained)
        job.evaluated.connect(self.evaluated)
        job.failed.connect(self.failed)
        job.done.connect(self.done)
        job.eval_progress.connect(self.eval_progress)
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
