"""Run one blocking function (load, delete, list envs) on Qt's thread pool; results by signal."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PyQt6.QtCore import QObject, QRunnable, QThreadPool, pyqtSignal

from bc.errors import BCError

log = logging.getLogger(__name__)


class Task(QObject):
    """A function run once on the global thread pool.

    Signals:
        finished(object): the function's return value.
        failed(str): a one-line message (a BCError's own, or the exception's type and text).
    """

    finished = pyqtSignal(object)
    failed = pyqtSignal(str)

    _running: set[Task] = set()  # keeps each task alive until it has reported

    def __init__(self, fn: Callable[[], Any], name: str = "task") -> None:
        super().__init__()
        self._fn = fn
        self.name = name

    def start(self) -> Task:
        """Queue the function on the thread pool; returns self for chaining."""
        Task._running.add(self)
        self.finished.connect(self._forget)
        self.failed.connect(self._forget)
        QThreadPool.globalInstance().start(_Runnable(self))
        return self

    def _run(self) -> None:
        """Run on a pool thread; only emits (never touches a widget)."""
        try:
            result = self._fn()
        except BCError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:
            log.exception("%s failed", self.name)
            self.failed.emit(f"{self.name} failed: {type(exc).__name__}: {exc}")
        else:
            self.finished.emit(result)

    def _forget(self, *_: object) -> None:
        Task._running.discard(self)


class _Runnable(QRunnable):
    def __init__(self, task: Task) -> None:
        super().__init__()
        self._task = task

    def run(self) -> None:
        self._task._run()


def run_task(
    fn: Callable[[], Any],
    on_finished: Callable[[Any], None],
    on_failed: Callable[[str], None],
    name: str = "task",
) -> Task:
    """Run `fn` off the GUI thread; call `on_finished(result)` or `on_failed(message)` on it.

    Args:
        fn: the blocking work; it must not touch widgets.
        on_finished: receives the return value (queued to the caller's thread).
        on_failed: receives a one-line message.
        name: used in log lines and generic error messages.

    Returns:
        The started task.
    """
    task = Task(fn, name)
    task.finished.connect(on_finished)
    task.failed.connect(on_failed)
    return task.start()
