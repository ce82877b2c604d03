"""The env worker's Qt signals mirror the runner's psygnal ones: same names, same arguments."""

from __future__ import annotations

from PyQt6.QtCore import pyqtSignal

from recorder_app.core.events import signal_types
from recorder_app.core.runner import EnvRunner
from recorder_app.workers.env_worker import EnvWorker
from tests.app.conftest import QT_MARKS

pytestmark = QT_MARKS

QT_NAMES = {bool: "bool", str: "QString", object: "PyQt_PyObject"}
"""How Qt spells the argument types of the runner's signals."""


def test_every_runner_signal_has_a_qt_signal_of_the_same_name_and_arguments(qtbot):
    worker = EnvWorker()
    for name, types in signal_types(EnvRunner).items():
        declared = getattr(type(worker), name)
        assert isinstance(declared, pyqtSignal), name
        names = [QT_NAMES[t] for t in types]
        assert declared.signatures == (f"{name}({','.join(names)})",), name
    assert isinstance(type(worker).stopped, pyqtSignal)


def test_what_the_runner_emits_arrives_as_the_qt_signal(qtbot):
    worker = EnvWorker()
    with qtbot.waitSignal(worker.paused_changed, timeout=5_000) as paused:
        worker.runner.set_paused(True, "gamepad")
    assert paused.args == [True, "gamepad"]
    with qtbot.waitSignal(worker.failed, timeout=5_000) as failed:
        worker.runner.failed.emit("The env failed", "boom")
    assert failed.args == ["The env failed", "boom"]
