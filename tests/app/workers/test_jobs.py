"""The one worker pattern: results and one-line errors on the GUI thread; long jobs widen the pool."""

from __future__ import annotations

import threading

from PyQt6.QtCore import QThread, QThreadPool

from bc.errors import EnvError
from recorder_app.workers.jobs import start_job
from tests.app.conftest import QT_MARKS

pytestmark = QT_MARKS


def test_a_job_runs_off_the_gui_thread_and_returns_on_it(qtbot):
    gui = QThread.currentThread()
    where, results, finished = [], [], []
    start_job(
        lambda: where.append(QThread.currentThread()) or 42,
        "adding",
        results.append,
        on_finished=lambda: finished.append(results[:]),
    )
    qtbot.waitUntil(lambda: bool(finished), timeout=10_000)
    assert where[0] is not gui and finished == [[42]]  # finished comes after returned


def test_errors_become_one_line_messages(qtbot):
    messages = []

    def broken() -> None:
        raise EnvError("expert.npz: not a zip file")

    start_job(broken, "loading expert.npz", on_failed=messages.append)
    qtbot.waitUntil(lambda: len(messages) == 1, timeout=10_000)

    def unexpected() -> None:
        raise KeyError("obs")

    start_job(unexpected, "loading expert.npz", on_failed=messages.append)
    qtbot.waitUntil(lambda: len(messages) == 2, timeout=10_000)
    assert messages == [
        "expert.npz: not a zip file",  # our own errors say it all
        "loading expert.npz failed: KeyError: 'obs'",
    ]


def test_a_long_job_widens_the_pool_while_it_runs(qtbot):
    pool = QThreadPool.globalInstance()
    before = pool.maxThreadCount()
    release = threading.Event()
    start_job(lambda: release.wait(10), "a loop", long_running=True)
    assert pool.maxThreadCount() == before + 1
    shorts: list[str] = []
    for _ in range(before + 1):  # more short jobs than the pool had threads: none waits
        start_job(lambda: "done", "short", shorts.append)
    qtbot.waitUntil(lambda: len(shorts) == before + 1, timeout=5_000)
    assert pool.maxThreadCount() == before + 1  # the loop still runs
    release.set()
    qtbot.waitUntil(lambda: pool.maxThreadCount() == before, timeout=10_000)


def test_callbacks_of_an_owner_qt_has_deleted_are_skipped(qtbot):
    """A window closed while its dataset loads: the result must not reach the deleted object."""
    from PyQt6 import sip
    from PyQt6.QtCore import QObject

    owner = QObject()
    release = threading.Event()
    results, done = [], threading.Event()

    def slow() -> int:
        release.wait(10)
        return 7

    worker = start_job(slow, "loading", lambda r: results.append(r), owner=owner)
    worker.finished.connect(lambda *_: done.set())
    sip.delete(owner)  # as Qt deletes a closed window's children
    release.set()
    qtbot.waitUntil(done.is_set, timeout=10_000)
    qtbot.wait(50)
    assert results == []

    alive = QObject()
    start_job(lambda: 8, "loading", results.append, owner=alive)
    qtbot.waitUntil(lambda: results == [8], timeout=10_000)
