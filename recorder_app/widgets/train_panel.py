"""The Train panel: one-click Pretrain with live loss plots, ETA, Cancel, evaluation, Watch."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
from PyQt6.QtCore import QTimer, pyqtSignal
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from bc.evaluation import EvalResult
from bc.selection import EpisodeSelection, indices_from_columns
from bc.train.loop import BatchReport, EpochReport
from recorder_app.state import DatasetSummary, TrainResult, TrainSettings
from recorder_app.widgets.train_plots import LossCurves, RoundsPlot, loss_plot, metric_plot

__all__ = ["LossCurves", "TrainPanel"]

REDRAW_MS = 200
ANY_TAG = "any tag"


class TrainPanel(QWidget):
    """Settings, a Pretrain button, live plots and the policy's score beside the human's.

    The training itself runs elsewhere (`TrainingController`): the panel asks for it with
    `train_requested` and shows what the `show_*` slots receive.

    Signals:
        train_requested(TrainSettings): the user clicked Pretrain.
        cancel_requested(): the user clicked Cancel.
        trained(TrainResult): a run ended; its policy is saved.
        evaluated(object): the policy's EvalResult.
        watch_requested(object): play this policy in the env view (None: the human again).
        correct_requested(object): Correct mode: the policy plays, the human's take-overs are
            recorded as corrections (None: stop correcting).
    """

    train_requested = pyqtSignal(object)
    cancel_requested = pyqtSignal()
    trained = pyqtSignal(object)
    evaluated = pyqtSignal(object)
    watch_requested = pyqtSignal(object)
    correct_requested = pyqtSignal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.dataset: Path | None = None
        self.env_id = ""
        self.env_kwargs: dict[str, Any] = {}
        self.human_mean: float | None = None
        self.running = False
        """True from a Pretrain click until the job is done."""
        self.result: TrainResult | None = None
        self.curves = LossCurves()
        self._started = 0.0
        self._dirty = False
        self._discrete = True
        self._eval_note = ""
        self._episodes: DatasetSummary | None = None
        self.labels = 0
        """Human-labelled steps of the dataset now (demonstrations + take-overs)."""
        self.corrections = False
        """True when the dataset holds correction episodes."""
        self._labels_at_start = (0, False)
        self.auto_state = ""
        """Automatic retrain (docs/dagger.md): "" idle, "stopping" (the round's recording
        merges), "reloading" (the dataset is read again), "training" (then Correct resumes)."""
        self._corrections_seen = 0
        """Correction episodes saved since Correct was switched on."""
        self._build()
        self._timer = QTimer(self, interval=REDRAW_MS, timeout=self._redraw)

    # -- building ------------------------------------------------------------------------------

    def _build(self) -> None:
        self.preset = QComboBox()
        self.preset.addItems(["auto", "mlp", "cnn"])
        self.preset.setToolTip("auto: a CNN for image observations, else an MLP")
        self.epochs = _spin(1, 100_000, 30)
        self.learning_rate = QDoubleSpinBox(decimals=5, minimum=1e-5, maximum=1.0, value=1e-3)
        self.learning_rate.setSingleStep(1e-4)
        self.batch_size = _spin(1, 65_536, 64)
        self.val_fraction = QDoubleSpinBox(decimals=2, minimum=0.0, maximum=0.9, value=0.2)
        self.val_fraction.setSingleStep(0.05)
        self.split = QComboBox()
        self.split.addItems(["episode", "sample"])
        self.seed = _spin(0, 2**31 - 1, 0)
        self.eval_episodes = _spin(0, 1000, 5)
        self.device = QComboBox()
        self.device.addItems(["auto", "cpu", "cuda"])
        self.device.setToolTip("auto: a GPU when torch sees one, else the CPU")
        # which episodes (bc.selection), and how much that is
        self.sel_tag = QComboBox()
        self.sel_tag.addItem(ANY_TAG)
        self.sel_tag.setToolTip("Only episodes with this tag")
        self.sel_flag = QComboBox()
        self.sel_flag.addItems(["any flag", "good", "good or unset", "unset", "bad"])
        self.sel_kind = QComboBox()
        self.sel_kind.addItems(["any kind", "demonstration", "correction"])
        self.sel_min_return = QDoubleSpinBox(decimals=1, minimum=-1e9, maximum=1e9, value=0.0)
        self.sel_use_return = QCheckBox("return at least")
        self.sel_first_n = _spin(0, 1_000_000, 0)
        self.sel_first_n.setSpecialValueText("all")
        self.sel_first_n.setToolTip("Keep only the first N selected episodes (traj_limitation)")
        self.selection_label = QLabel("")
        for box in (self.sel_tag, self.sel_flag, self.sel_kind):
            box.currentTextChanged.connect(lambda _t: self._update_selection())
        self.sel_use_return.toggled.connect(lambda _on: self._update_selection())
        self.sel_min_return.valueChanged.connect(lambda _v: self._update_selection())
        self.sel_first_n.valueChanged.connect(lambda _v: self._update_selection())
        sel_row1 = QHBoxLayout()
        for w in (self.sel_tag, self.sel_flag, self.sel_kind):
            sel_row1.addWidget(w)
        sel_row2 = QHBoxLayout()
        sel_row2.addWidget(self.sel_use_return)
        sel_row2.addWidget(self.sel_min_return, 1)
        sel_row2.addWidget(QLabel("first"))
        sel_row2.addWidget(self.sel_first_n)
        form = QFormLayout()
        form.addRow("Episodes", sel_row1)
        form.addRow("", sel_row2)
        form.addRow("", self.selection_label)
        form.addRow("Policy", self.preset)
        form.addRow("Epochs", self.epochs)
        form.addRow("Learning rate", self.learning_rate)
        form.addRow("Batch size", self.batch_size)
        form.addRow("Validation share", self.val_fraction)
        form.addRow("Split by", self.split)
        form.addRow("Seed", self.seed)
        form.addRow("Evaluate on (episodes)", self.eval_episodes)
        form.addRow("Device", self.device)
        self.pretrain_button = QPushButton("Pretrain", enabled=False)  # until a dataset fits
        self.pretrain_button.setDefault(True)
        self.pretrain_button.clicked.connect(self.start_training)
        self.cancel_button = QPushButton("Cancel", enabled=False)
        self.cancel_button.clicked.connect(self.cancel)
        self.watch_button = QPushButton("Watch policy", checkable=True, enabled=False)
        self.watch_button.toggled.connect(self._on_watch_toggled)
        self.correct_button = QPushButton("Correct", checkable=True, enabled=False)
        self.correct_button.setToolTip(
            "The policy plays and every episode is recorded: hold any game key (or move a "
            "stick) to take over, release to hand back. Pretrain again to learn from the "
            "corrections (docs/dagger.md)."
        )
        self.correct_button.toggled.connect(self._on_correct_toggled)
        self.holdoff = QDoubleSpinBox(decimals=2, minimum=0.0, maximum=5.0, value=0.3)
        self.holdoff.setSingleStep(0.1)
        self.holdoff.setSuffix(" s")
        self.holdoff.setToolTip(
            "After you release, you keep control this long before the hand-back"
        )
        buttons = QHBoxLayout()
        for b in (self.pretrain_button, self.cancel_button, self.watch_button, self.correct_button):
            buttons.addWidget(b)
        buttons.addWidget(QLabel("hand back after"))
        buttons.addWidget(self.holdoff)
        self.retrain_every = _spin(0, 10_000, 0)
        self.retrain_every.setSpecialValueText("off")
        self.retrain_every.setSuffix(" corrections")
        self.retrain_every.setToolTip(
            "Correct mode: after this many correction episodes, train on every demonstration "
            "plus every take-over step, evaluate, and let the new policy go on correcting "
            "(the next round); off: click Pretrain yourself"
        )
        auto_row = QHBoxLayout()
        auto_row.addWidget(QLabel("Retrain after"))
        auto_row.addWidget(self.retrain_every)
        auto_row.addStretch(1)
        self.progress = QProgressBar()
        self.progress.setFormat("%p%")
        self.eta_label = QLabel("")
        self.score_label = QLabel("Record a few episodes, then click Pretrain.")
        self.score_label.setWordWrap(True)
        self.loss_plot, self.batch_curve, self.train_curve, self.val_curve = loss_plot()
        self.metric_plot, self.metric_curve = metric_plot()
        self.rounds_plot = RoundsPlot()
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addLayout(auto_row)
        row = QHBoxLayout()
        row.addWidget(self.progress, 1)
        row.addWidget(self.eta_label)
        layout.addLayout(row)
        layout.addWidget(self.score_label)
        layout.addWidget(self.loss_plot, 3)
        layout.addWidget(self.metric_plot, 2)
        layout.addWidget(self.rounds_plot, 2)

    # -- state from the session ----------------------------------------------------------------

    def set_target(
        self,
        dataset: Path | None,
        env_id: str,
        env_kwargs: dict[str, Any],
        discrete: bool,
        human_mean: float | None,
    ) -> None:
        """The dataset to train on, its env, and the human's mean return in it."""
        self.dataset, self.env_id, self.env_kwargs = dataset, env_id, dict(env_kwargs)
        self.human_mean = human_mean
        self._discrete = discrete
        self.metric_plot.setTitle("Validation accuracy" if discrete else "Validation MSE")
        self._update_selection()

    def set_episodes(self, data: DatasetSummary | None) -> None:
        """The dataset's episodes, to count what the selection holds (and offer its tags)."""
        self._episodes = data
        tags = sorted({t for r in data.rows for t in r.tags}) if data is not None else []
        current = self.sel_tag.currentText()
        self.sel_tag.blockSignals(True)
        self.sel_tag.clear()
        self.sel_tag.addItems([ANY_TAG, *tags])
        self.sel_tag.setCurrentText(current if current in tags else ANY_TAG)
        self.sel_tag.blockSignals(False)
        self._update_selection()

    def selection(self) -> EpisodeSelection:
        """The episode selection the form describes."""
        flags = {
            "good": (1,),
            "good or unset": (1, 0),
            "unset": (0,),
            "bad": (-1,),
        }.get(self.sel_flag.currentText(), ())
        tag = self.sel_tag.currentText()
        kind = self.sel_kind.currentText()
        return EpisodeSelection(
            tags=(tag,) if tag and tag != ANY_TAG else (),
            flags=flags,
            min_return=self.sel_min_return.value() if self.sel_use_return.isChecked() else None,
            kinds=(kind,) if kind != "any kind" else (),
            first_n=self.sel_first_n.value() or -1,
        )

    def selected_counts(self) -> tuple[int, int]:
        """Episodes and steps the selection holds in the dataset shown (0, 0 without one)."""
        data = self._episodes
        if data is None:
            return 0, 0
        rows = [r for r in data.rows if not r.undone]
        indices = indices_from_columns(
            [r.tags for r in rows],
            np.array([r.flag for r in rows]),
            np.array([r.ret for r in rows]),
            np.array([r.kind for r in rows], dtype=str),
            self.selection(),
        )
        return len(indices), int(sum(rows[i].length for i in indices))

    def _update_selection(self) -> None:
        """Say how many episodes and steps the selection holds; no Pretrain on an empty one."""
        n, steps = self.selected_counts()
        total = len(self._episodes.rows) if self._episodes is not None else 0
        self.selection_label.setText(
            f"{n} of {total} episodes · {steps:,} steps" if total else "no episodes"
        )
        self.pretrain_button.setEnabled(
            self.dataset is not None and not self.running and (n > 0 or total == 0)
        )

    def settings(self) -> TrainSettings:
        """The settings shown in the form."""
        assert self.dataset is not None
        return TrainSettings(
            dataset=self.dataset,
            env_id=self.env_id,
            env_kwargs=self.env_kwargs,
            preset=self.preset.currentText(),
            n_epochs=self.epochs.value(),
            learning_rate=self.learning_rate.value(),
            batch_size=self.batch_size.value(),
            train_fraction=1.0 - self.val_fraction.value(),
            split=self.split.currentText(),
            seed=self.seed.value(),
            eval_episodes=self.eval_episodes.value(),
            device=self.device.currentText(),
            selection=None if self.selection().is_all else self.selection(),
        )

    # -- training ------------------------------------------------------------------------------

    def start_training(self) -> None:
        """Start a run on the current dataset (the click on Pretrain)."""
        if self.dataset is None or self.running:
            return
        self.watch_button.setChecked(False)
        self.correct_button.setChecked(False)
        self._labels_at_start = (self.labels, self.corrections)
        self.curves = LossCurves()
        self._dirty = True
        self.progress.setRange(0, self.epochs.value() * 1000)
        self.progress.setValue(0)
        self.eta_label.setText("loading...")
        self.score_label.setText("Training...")
        self.running = True
        self.pretrain_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self._started = time.monotonic()
        self._timer.start()
        self.train_requested.emit(self.settings())

    def cancel(self) -> None:
        """Stop after the current batch; the best weights so far are saved."""
        if self.running:
            self.cancel_requested.emit()
            self.cancel_button.setEnabled(False)
            self.eta_label.setText("cancelling...")

    def show_batch(self, report: BatchReport) -> None:
        """A training batch ended: its loss joins the curves; progress and ETA move on."""
        self.curves.add_batch(report)
        self._dirty = True
        done = (report.epoch - 1 + (report.batch + 1) / report.n_batches) / max(
            1, self.epochs.value()
        )
        self.progress.setValue(int(done * self.progress.maximum()))
        if done > 0:
            left = (time.monotonic() - self._started) * (1 - done) / done
            self.eta_label.setText(f"ETA {_duration(left)}")

    def show_epoch(self, report: EpochReport) -> None:
        """An epoch ended: its losses join the curves."""
        self.curves.add_epoch(report)
        self._dirty = True

    def show_trained(self, result: TrainResult) -> None:
        """Training ended: say how, offer Watch."""
        self.result = result
        self._redraw()
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
            f"{result.path.name}."
            + (" Evaluating..." if self.eval_episodes.value() and not result.cancelled else "")
        )
        self._eval_note = self.score_label.text()
        self.watch_button.setEnabled(True)
        self.correct_button.setEnabled(True)
        self.trained.emit(result)

    def show_eval_progress(self, k: int, n: int, running_mean: float) -> None:
        """Evaluation episode k of n is done: say so with the running mean return."""
        self.progress.setRange(0, n)
        self.progress.setValue(k)
        self.eta_label.setText(f"evaluating {k}/{n}")
        self.score_label.setText(
            f"{self._eval_note} Evaluating: episode {k} of {n}, mean return so far "
            f"{running_mean:.1f} (Cancel stops)."
        )

    def show_evaluated(self, result: EvalResult) -> None:
        """The policy was scored: its mean return beside the human's."""
        human = f"{self.human_mean:.1f}" if self.human_mean is not None else "n/a"
        planned = self.eval_episodes.value()
        partial = (
            f" (evaluation cancelled after {len(result.returns)} of {planned})"
            if len(result.returns) < planned
            else ""
        )
        self.score_label.setText(
            f"Policy: {result.mean_return:.1f} ± {result.std_return:.1f} over "
            f"{len(result.returns)} episodes{partial} · you: {human} (dataset mean)"
        )
        self.eta_label.setText("done" if not partial else "cancelled")
        labels, corrected = self._labels_at_start
        self.rounds_plot.add(labels, result.mean_return, corrected)
        self.evaluated.emit(result)

    def set_labels(self, labels: int, corrections: bool) -> None:
        """The dataset's human-labelled steps now, and whether it holds corrections."""
        self.labels, self.corrections = int(labels), bool(corrections)
        self._auto_dataset_ready()

    @property
    def rounds(self) -> list[tuple[int, float, bool]]:
        """(labels, evaluated mean return, trained with corrections) per evaluated training."""
        return self.rounds_plot.rounds

    def show_failed(self, _title: str, message: str) -> None:
        """Training failed (the error channel shows the dialog)."""
        self.score_label.setText(f"Training failed: {message}")
        self.auto_state = ""  # no new policy: Correct stays off

    def show_done(self) -> None:
        """The job is over: Pretrain again."""
        self.running = False
        self._timer.stop()
        self._redraw()
        self.pretrain_button.setEnabled(self.dataset is not None)
        self.cancel_button.setEnabled(False)
        if self.auto_state == "training":  # the round's policy is trained and scored
            self.auto_state = ""
            if self.result is not None and not self.result.cancelled:
                self.correct_button.setChecked(True)  # it corrects the next round

    def _redraw(self) -> None:
        """Redraw the plots on a timer (not per point)."""
        if not self._dirty:
            return
        self._dirty = False
        c = self.curves
        self.batch_curve.setData(np.asarray(c.batch_x), np.asarray(c.batch_smoothed))
        self.train_curve.setData(np.asarray(c.epoch_x, float), np.asarray(c.train_loss))
        self.val_curve.setData(np.asarray(c.val_x, float), np.asarray(c.val_loss))
        self.metric_curve.setData(np.asarray(c.val_x, float), np.asarray(c.val_metric))

    # -- watching ------------------------------------------------------------------------------

    def set_policy(self, result: TrainResult) -> None:
        """Use a policy trained elsewhere (or loaded) for Watch."""
        self.result = result
        self.watch_button.setEnabled(True)
        self.correct_button.setEnabled(True)

    def _on_watch_toggled(self, on: bool) -> None:
        if on:
            self.correct_button.setChecked(False)
        self.watch_requested.emit(self.result.policy if on and self.result else None)

    # -- automatic retrain per round ------------------------------------------------------------

    def episode_saved(self, kind: str) -> None:
        """An episode of this `kind` was saved; the Nth correction of a round retrains."""
        n = self.retrain_every.value()
        if not (n and kind == "correction" and self.correct_button.isChecked()):
            return
        self._corrections_seen += 1
        if self._corrections_seen >= n and not self.auto_state and not self.running:
            self.auto_state = "stopping"
            self.score_label.setText(
                f"{self._corrections_seen} corrections: saving the round, then retraining..."
            )
            self.correct_button.setChecked(False)  # stops recording: the journal merges

    def set_recording(self, recording: bool) -> None:
        """Whether the app records now (the round's file is merged once it stops)."""
        if self.auto_state == "stopping" and not recording:
            self.auto_state = "reloading"

    def _auto_dataset_ready(self) -> None:
        """The merged dataset was read again (`set_labels`): train on it."""
        if self.auto_state == "reloading":
            self.auto_state = "" if self.running else "training"  # a Pretrain click came first
            if self.auto_state:
                QTimer.singleShot(0, self.start_training)  # after the window has shown the dataset

    def _on_correct_toggled(self, on: bool) -> None:
        if on:
            self._corrections_seen = 0
            self.auto_state = ""  # switched on (by hand or by the retrain): a new round
            self.watch_button.setChecked(False)
        self.correct_requested.emit(self.result.policy if on and self.result else None)


def _spin(low: int, high: int, value: int) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    return box


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"
