"""The Train panel's status: a progress bar with the ETA, and a line saying how the run went."""

from __future__ import annotations

import time

from PyQt6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from bc.evaluation import EvalResult
from bc.train.loop import BatchReport
from recorder_app.state import TrainResult

NO_EPISODES_HINT = "Record a few episodes, then click Pretrain."
READY_HINT = "Click Pretrain to train a policy on the episodes above."
IDLE_HINTS = (NO_EPISODES_HINT, READY_HINT)
"""What the score line says before any run or policy (which one: are there episodes)."""


class TrainStatus(QWidget):
    """Progress and ETA of the training (then of the evaluation), and the score line under it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._started = 0.0
        self._eval_note = ""
        self.progress = QProgressBar()
        self.progress.setFormat("%p%")
        self.eta_label = QLabel("")
        self.score_label = QLabel(NO_EPISODES_HINT)
        self.score_label.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.progress, 1)
        row.addWidget(self.eta_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.score_label)

    def say(self, text: str) -> None:
        """Show `text` on the score line."""
        self.score_label.setText(text)

    def started(self, n_epochs: int) -> None:
        """A run of `n_epochs` started: the clock for the ETA starts too."""
        self.progress.setRange(0, n_epochs * 1000)
        self.progress.setValue(0)
        self.eta_label.setText("loading...")
        self.score_label.setText("Training...")
        self._started = time.monotonic()

    def cancelling(self) -> None:
        """Cancel was clicked; the run stops after its batch."""
        self.eta_label.setText("cancelling...")

    def batch(self, report: BatchReport, n_epochs: int) -> None:
        """A batch of a run of `n_epochs` ended: progress and ETA move on."""
        done = (report.epoch - 1 + (report.batch + 1) / report.n_batches) / max(1, n_epochs)
        self.progress.setValue(int(done * self.progress.maximum()))
        if done > 0:
            left = (time.monotonic() - self._started) * (1 - done) / done
            self.eta_label.setText(f"ETA {duration(left)}")

    def trained(self, result: TrainResult, evaluating: bool) -> None:
        """Training ended: how, the best validation loss, where the policy is saved."""
        if not result.cancelled:  # a cancelled run stays where it stopped
            self.progress.setValue(self.progress.maximum())
        h = result.history
        how = "cancelled" if result.cancelled else "done"
        best = (
            f"best validation loss {h.best_val_loss:.4f} (epoch {h.best_epoch})"
            if h.best_epoch is not None
            else "no validation"
        )
        self.eta_label.setText(how)
        self.score_label.setText(
            f"Training {how}: {len(h.epochs)} epoch(s), {best}. Policy saved to "
            f"{result.path.name}." + (" Evaluating..." if evaluating else "")
        )
        self._eval_note = self.score_label.text()

    def eval_progress(self, k: int, n: int, running_mean: float) -> None:
        """Evaluation episode k of n is done: say so with the running mean return."""
        self.progress.setRange(0, n)
        self.progress.setValue(k)
        self.eta_label.setText(f"evaluating {k}/{n}")
        self.score_label.setText(
            f"{self._eval_note} Evaluating: episode {k} of {n}, mean return so far "
            f"{running_mean:.1f} (Cancel stops)."
        )

    def evaluated(self, result: EvalResult, planned: int, human_mean: float | None) -> None:
        """The policy's mean return (of `planned` episodes) beside the human's."""
        human = f"{human_mean:.1f}" if human_mean is not None else "n/a"
        partial = (
            f" (evaluation cancelled after {len(result.returns)} of {planned})"
            if len(result.returns) < planned
            else ""
        )
        self.score_label.setText(
            f"Policy: {result.mean_return:.1f} ± {result.std_return:.1f} over "
            f"{len(result.returns)} episodes{partial} · you: {human} (mean of your demonstrations)"
        )
        self.eta_label.setText("done" if not partial else "cancelled")


def duration(seconds: float) -> str:
    """Minutes and seconds, as 'm:ss'."""
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"
