"""The Train panel: one-click Pretrain with live loss plots, ETA, Cancel, evaluation, Watch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PyQt6.QtCore import QTimer, pyqtSignal
from PyQt6.QtWidgets import QVBoxLayout, QWidget

from bc.evaluation import EvalResult
from bc.selection import EpisodeSelection
from bc.train.loop import BatchReport, EpochReport
from recorder_app.core.auto_retrain import AutoRetrain
from recorder_app.state import DatasetSummary, TrainResult, TrainSettings
from recorder_app.widgets.episode_selection import EpisodeSelector
from recorder_app.widgets.train_controls import TrainControls
from recorder_app.widgets.train_plots import LossCurves, RoundsPlot, loss_plot, metric_plot
from recorder_app.widgets.train_settings import TrainSettingsForm
from recorder_app.widgets.train_status import IDLE_HINTS, NO_EPISODES_HINT, READY_HINT, TrainStatus

__all__ = ["LossCurves", "TrainPanel"]

REDRAW_MS = 200


class TrainPanel(QWidget):
    """Settings, a Pretrain button, live plots and the policy's score beside the human's.

    The training itself runs elsewhere (`TrainingController`): the panel asks for it with
    `train_requested` and shows what the `show_*` slots receive. Its parts: the episode
    selection and settings form (`selector`, `form`), the buttons (`controls`), progress and
    score (`status`), and the plots.

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
        self.recording = False
        """The app records into the dataset: its newest episodes reach the file when it stops."""
        """True from a Pretrain click until the job is done."""
        self.result: TrainResult | None = None
        self.curves = LossCurves()
        self._dirty = False
        self.labels = 0
        """Human-labelled steps of the dataset now (demonstrations + take-overs)."""
        self.corrections = False
        """True when the dataset holds correction episodes."""
        self._labels_at_start = (0, False)
        self.auto = AutoRetrain()
        """Automatic retrain per round (docs/dagger.md); `retrain_every` sets its `every`."""
        self._build()
        self._timer = QTimer(self, interval=REDRAW_MS, timeout=self._redraw)

    def _build(self) -> None:
        self.selector = EpisodeSelector()
        self.form = TrainSettingsForm(self.selector)
        self.controls = TrainControls()
        self.status = TrainStatus()
        self.loss_plot, self.batch_curve, self.train_curve, self.val_curve = loss_plot()
        self.metric_plot, self.metric_curve = metric_plot()
        self.rounds_plot = RoundsPlot()
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(self.controls)
        layout.addWidget(self.status)
        layout.addWidget(self.loss_plot, 3)
        layout.addWidget(self.metric_plot, 2)
        layout.addWidget(self.rounds_plot, 2)
        # the parts' widgets, under the names the window, tests and scripts use
        sel, form, controls = self.selector, self.form, self.controls
        self.sel_tag, self.sel_flag = sel.sel_tag, sel.sel_flag
        self.sel_use_return, self.sel_min_return = sel.sel_use_return, sel.sel_min_return
        self.sel_first_n = sel.sel_first_n
        self.selection_label = sel.selection_label
        self.epochs, self.batch_size = form.epochs, form.batch_size
        self.eval_episodes, self.device = form.eval_episodes, form.device
        self.pretrain_button, self.cancel_button = controls.pretrain_button, controls.cancel_button
        self.watch_button, self.correct_button = controls.watch_button, controls.correct_button
        self.holdoff, self.retrain_every = controls.holdoff, controls.retrain_every
        self.progress, self.score_label = self.status.progress, self.status.score_label
        sel.changed.connect(self._update_selection)
        self.pretrain_button.clicked.connect(self.start_training)
        self.cancel_button.clicked.connect(self.cancel)
        self.watch_button.toggled.connect(self._on_watch_toggled)
        self.correct_button.toggled.connect(self._on_correct_toggled)

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
        self.metric_plot.setTitle("Validation accuracy" if discrete else "Validation MSE")
        self._update_selection()

    def set_episodes(self, data: DatasetSummary | None) -> None:
        """The dataset's episodes, to count what the selection holds (and offer its tags)."""
        self.selector.set_episodes(data)

    def selection(self) -> EpisodeSelection:
        """The episode selection the form describes."""
        return self.selector.selection()

    def selected_counts(self) -> tuple[int, int]:
        """Episodes and steps the selection holds in the dataset shown (0, 0 without one)."""
        return self.selector.selected_counts()

    def _update_selection(self) -> None:
        """Say how many episodes and steps the selection holds; no Pretrain on an empty one."""
        n, total = self.selector.show_counts()
        if self.result is None and not self.running and self.score_label.text() in IDLE_HINTS:
            self.status.say(READY_HINT if self.dataset is not None and total else NO_EPISODES_HINT)
        self.pretrain_button.setEnabled(
            self.dataset is not None
            and not self.running
            and not self.recording
            and (n > 0 or total == 0)
        )
        self.pretrain_button.setToolTip(
            "Stop recording first (Ctrl+R, or Correct off): the episodes being recorded reach "
            "the file when it stops"
            if self.recording
            else ""
        )

    def settings(self) -> TrainSettings:
        """The settings shown in the form."""
        assert self.dataset is not None
        return self.form.settings(self.dataset, self.env_id, self.env_kwargs, self.selection())

    # -- training ------------------------------------------------------------------------------

    def start_training(self) -> None:
        """Start a run on the current dataset (the click on Pretrain)."""
        if self.dataset is None or self.running or self.recording:
            return
        self.watch_button.setChecked(False)
        self.correct_button.setChecked(False)
        self._labels_at_start = (self.labels, self.corrections)
        self.curves = LossCurves()
        self._dirty = True
        self.status.started(self.epochs.value())
        self.running = True
        self.controls.set_running(True, can_start=False)
        self._timer.start()
        self.train_requested.emit(self.settings())

    def cancel(self) -> None:
        """Stop after the current batch; the best weights so far are saved."""
        if self.running:
            self.cancel_requested.emit()
            self.cancel_button.setEnabled(False)
            self.status.cancelling()

    def show_batch(self, report: BatchReport) -> None:
        """A training batch ended: its loss joins the curves; progress and ETA move on."""
        self.curves.add_batch(report)
        self._dirty = True
        self.status.batch(report, self.epochs.value())

    def show_epoch(self, report: EpochReport) -> None:
        """An epoch ended: its losses join the curves."""
        self.curves.add_epoch(report)
        self._dirty = True

    def show_trained(self, result: TrainResult) -> None:
        """Training ended: say how, offer Watch."""
        self.result = result
        self._redraw()
        self.status.trained(
            result, evaluating=bool(self.eval_episodes.value()) and not result.cancelled
        )
        self.controls.set_policy_buttons_enabled(True)
        self.trained.emit(result)

    def show_eval_progress(self, k: int, n: int, running_mean: float) -> None:
        """Evaluation episode k of n is done: say so with the running mean return."""
        self.status.eval_progress(k, n, running_mean)

    def show_evaluated(self, result: EvalResult) -> None:
        """The policy was scored: its mean return beside the human's."""
        self.status.evaluated(result, self.eval_episodes.value(), self.human_mean)
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
        self.status.say(f"Training failed: {message}")
        self.auto.training_failed()

    def show_done(self) -> None:
        """The job is over: Pretrain again."""
        self.running = False
        self._timer.stop()
        self._redraw()
        self.controls.set_running(False, can_start=False)
        self._update_selection()  # Pretrain again, when a dataset fits and nothing records
        trained = self.result is not None and not self.result.cancelled
        if self.auto.training_done(trained):
            self.correct_button.setChecked(True)  # the new policy corrects the next round

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
        self.controls.set_policy_buttons_enabled(True)
        if not self.running:  # not the hint to record and Pretrain: a policy is here
            self.status.say(
                f"Policy {result.path.name} loaded: Watch policy or Correct; Pretrain trains "
                "a new one."
            )

    def _on_watch_toggled(self, on: bool) -> None:
        if on:
            self.correct_button.setChecked(False)
        self.watch_requested.emit(self.result.policy if on and self.result else None)

    # -- automatic retrain per round ------------------------------------------------------------

    @property
    def auto_state(self) -> str:
        """The automatic round's state (`recorder_app.core.auto_retrain`); "" when idle."""
        return self.auto.state

    def episode_saved(self, kind: str) -> None:
        """An episode of this `kind` was saved; the Nth correction of a round retrains."""
        self.auto.every = self.retrain_every.value()
        if self.auto.episode_saved(kind, self.correct_button.isChecked(), self.running):
            self.status.say(f"{self.auto.seen} corrections: saving the round, then retraining...")
            self.correct_button.setChecked(False)  # stops recording: the journal merges

    def set_recording(self, recording: bool) -> None:
        """Whether the app records now (the round's file is merged once it stops)."""
        self.recording = recording
        self.auto.recording_changed(recording)
        self._update_selection()  # no Pretrain on a file whose newest episodes are not in it

    def _auto_dataset_ready(self) -> None:
        """The merged dataset was read again (`set_labels`): the round's training may start."""
        if self.auto.dataset_reloaded(self.running):
            QTimer.singleShot(0, self.start_training)  # after the window has shown the dataset

    def _on_correct_toggled(self, on: bool) -> None:
        self.auto.correct_switched(on)
        if on:
            self.watch_button.setChecked(False)
        self.correct_requested.emit(self.result.policy if on and self.result else None)
