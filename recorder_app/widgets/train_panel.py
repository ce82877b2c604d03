"""The Train panel: one-click Pretrain with live loss plots, ETA, Cancel, evaluation, Watch."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
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

REDRAW_MS = 200
SMOOTHING = 0.9
"""Weight of the past in the per-batch loss's moving average."""
ANY_TAG = "any tag"
TRAIN_COLOUR = (30, 90, 200)
VAL_COLOUR = (220, 90, 30)
METRIC_COLOUR = (40, 150, 70)


class LossCurves:
    """Every point the plots show, kept apart from drawing (tests read it)."""

    def __init__(self) -> None:
        self.batch_x: list[float] = []
        self.batch_smoothed: list[float] = []
        self.epoch_x: list[int] = []
        self.train_loss: list[float] = []
        self.val_x: list[int] = []
        self.val_loss: list[float] = []
        self.val_metric: list[float] = []
        self._ema = math.nan

    def add_batch(self, report: BatchReport) -> None:
        """A training batch: position in epochs, exponentially smoothed loss."""
        self._ema = (
            report.loss
            if math.isnan(self._ema)
            else SMOOTHING * self._ema + (1 - SMOOTHING) * report.loss
        )
        self.batch_x.append(report.epoch - 1 + (report.batch + 1) / report.n_batches)
        self.batch_smoothed.append(self._ema)

    def add_epoch(self, report: EpochReport) -> None:
        """An epoch: training loss, and validation figures when it was validated."""
        self.epoch_x.append(report.epoch)
        self.train_loss.append(report.train_loss)
        if not math.isnan(report.val_loss):
            self.val_x.append(report.epoch)
            self.val_loss.append(report.val_loss)
            metric = report.val_accuracy if not math.isnan(report.val_accuracy) else report.val_mse
            self.val_metric.append(metric)


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
        self.rounds: list[tuple[int, float, bool]] = []
        """(labels, evaluated mean return, trained with corrections) per evaluated training."""
        self._labels_at_start = (0, False)
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
        self.progress = QProgressBar()
        self.progress.setFormat("%p%")
        self.eta_label = QLabel("")
        self.score_label = QLabel("Record a few episodes, then click Pretrain.")
        self.score_label.setWordWrap(True)
        # the key is in the title: a legend inside the plot hides the curves it names
        self.loss_plot = pg.PlotWidget(
            title=(
                "Loss: <span style='color:#96b4e6'>batch</span> · "
                "<span style='color:#1e5ac8'>train</span> · "
                "<span style='color:#dc5a1e'>validation</span>"
            )
        )
        self.loss_plot.setBackground("w")
        self.loss_plot.setLabel("bottom", "epoch")
        self.loss_plot.showGrid(x=True, y=True, alpha=0.2)
        self.batch_curve = self.loss_plot.plot(
            pen=pg.mkPen((150, 180, 230), width=1), name="train (per batch, smoothed)"
        )
        # markers in their curve's colour (pyqtgraph's default marker fill is navy for all)
        self.train_curve = self.loss_plot.plot(
            pen=pg.mkPen(TRAIN_COLOUR, width=2),
            symbol="o",
            symbolSize=5,
            symbolBrush=TRAIN_COLOUR,
            symbolPen=TRAIN_COLOUR,
            name="train (epoch)",
        )
        self.val_curve = self.loss_plot.plot(
            pen=pg.mkPen(VAL_COLOUR, width=2),
            symbol="s",
            symbolSize=6,
            symbolBrush=VAL_COLOUR,
            symbolPen=VAL_COLOUR,
            name="validation",
        )
        self.metric_plot = pg.PlotWidget(title="Validation accuracy")
        self.metric_plot.setBackground("w")
        self.metric_plot.setLabel("bottom", "epoch")
        self.metric_plot.showGrid(x=True, y=True, alpha=0.2)
        self.metric_curve = self.metric_plot.plot(
            pen=pg.mkPen(METRIC_COLOUR, width=2),
            symbol="o",
            symbolSize=5,
            symbolBrush=METRIC_COLOUR,
            symbolPen=METRIC_COLOUR,
        )
        # the learning curve over rounds of corrections (docs/dagger.md)
        self.rounds_plot = pg.PlotWidget(
            title=(
                "Return per round: <span style='color:#607d8b'>plain BC</span> · "
                "<span style='color:#ef6c00'>with corrections</span>"
            )
        )
        self.rounds_plot.setBackground("w")
        self.rounds_plot.setLabel("bottom", "human-labelled steps")
        self.rounds_plot.showGrid(x=True, y=True, alpha=0.2)
        self.bc_points = self.rounds_plot.plot(
            pen=None, symbol="s", symbolSize=9, symbolBrush=(96, 125, 139)
        )
        self.round_curve = self.rounds_plot.plot(
            pen=pg.mkPen((239, 108, 0), width=2), symbol="o", symbolSize=7,
            symbolBrush=(239, 108, 0),
        )  # fmt: skip
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
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
        self.rounds.append((labels, result.mean_return, corrected))
        self._draw_rounds()
        self.evaluated.emit(result)

    def set_labels(self, labels: int, corrections: bool) -> None:
        """The dataset's human-labelled steps now, and whether it holds corrections."""
        self.labels, self.corrections = int(labels), bool(corrections)

    def _draw_rounds(self) -> None:
        plain = [(x, y) for x, y, c in self.rounds if not c]
        rounds = sorted((x, y) for x, y, c in self.rounds if c)
        if plain:
            self.bc_points.setData([x for x, _ in plain], [y for _, y in plain])
        if rounds:
            self.round_curve.setData([x for x, _ in rounds], [y for _, y in rounds])

    def show_failed(self, _title: str, message: str) -> None:
        """Training failed (the error channel shows the dialog)."""
        self.score_label.setText(f"Training failed: {message}")

    def show_done(self) -> None:
        """The job is over: Pretrain again."""
        self.running = False
        self._timer.stop()
        self._redraw()
        self.pretrain_button.setEnabled(self.dataset is not None)
        self.cancel_button.setEnabled(False)

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

    def _on_correct_toggled(self, on: bool) -> None:
        if on:
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
