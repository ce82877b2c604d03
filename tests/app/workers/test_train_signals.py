"""The training signals are declared once and relayed whole from a job to its controller."""

from __future__ import annotations

from PyQt6.QtCore import pyqtSignal

from recorder_app.controllers.training import TrainingController
from recorder_app.workers.train_worker import TRAIN_SIGNALS, TrainSignals
from tests.app.conftest import QT_MARKS

pytestmark = QT_MARKS


def test_the_relay_list_names_every_declared_signal():
    declared = {name for name, value in vars(TrainSignals).items() if isinstance(value, pyqtSignal)}
    assert declared == set(TRAIN_SIGNALS)


def test_a_job_s_signals_reach_the_controller(qtbot):
    controller = TrainingController()
    source = TrainSignals()
    source.relay_to(controller)
    got: list[tuple] = []
    controller.eval_progress.connect(lambda k, n, mean: got.append(("progress", k, n, mean)))
    controller.failed.connect(lambda what, message: got.append(("failed", what, message)))
    controller.done.connect(lambda: got.append(("done",)))
    source.eval_progress.emit(2, 5, 10.5)
    source.failed.emit("Training failed", "no episodes")
    source.done.emit()
    assert got == [
        ("progress", 2, 5, 10.5),
        ("failed", "Training failed", "no episodes"),
        ("done",),
    ]
