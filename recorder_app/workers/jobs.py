"""The one worker pattern: a function run by a superqt worker on Qt's thread pool.

Every background job of the app (the env runner's loop, replay, training, loading and deleting
datasets) starts here. superqt's `create_worker` gives each job `started`, `returned`,
`errored` and `finished` signals delivered on the GUI thread; errors become one-line messages
through `recorder_app.core.errors.one_line`. A long-running job (a loop that lives as long as
its panel) widens the pool by one thread while it runs, so that short jobs never queue
behind it (the pool's default size is the number of cores, two on a small machine).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PyQt6 import sip
from PyQt6.QtCore import QObject, QThreadPool
from superqt.utils import FunctionWorker, create_worker

from recorder_app.core.errors import one_line


def start_job(
    fn: Callable[[], Any],
    name: str,
    on_returned: Callable[[Any], None] | None = None,
    on_failed: Callable[[str], None] | None = None,
    long_running: bool = False,
    on_finished: Callable[[], None] | None = None,
    owner: QObject | None = None,
) -> FunctionWorker[Any]:
    """Run `fn()` off the GUI thread; results and errors come back on the GUI thread.

    Args:
        fn: the blocking work; it must not touch widgets.
        name: what the job does ("loading expert.npz"), used in unexpected errors' messages.
        on_returned: receives the return value.
        on_failed: receives a one-line message when `fn` raised.
        long_running: the job lives long (a loop): the pool gets one more thread meanwhile.
        on_finished: called after `on_returned` or `on_failed`. Connect here, not to the
            returned worker: a quick job may have finished before the caller gets it.
        owner: the QObject the callbacks belong to; once Qt has deleted it (the window
            closed while the job ran), the callbacks are skipped instead of reaching it.

    Returns:
        The started worker (its `finished` signal says when it ended).
    """
    worker: FunctionWorker[Any] = create_worker(fn, _start_thread=False, _ignore_errors=True)
    if on_returned is not None:
        worker.returned.connect(_while_alive(owner, on_returned))
    if on_failed is not None:
        failed = on_failed
        worker.errored.connect(_while_alive(owner, lambda exc: failed(one_line(exc, name))))
    if long_running:
        pool = QThreadPool.globalInstance()
        assert pool is not None
        pool.setMaxThreadCount(pool.maxThreadCount() + 1)

        def shrink(*_: object) -> None:
            pool.setMaxThreadCount(pool.maxThreadCount() - 1)

        worker.finished.connect(shrink)
    if on_finished is not None:
        finished = on_finished
        worker.finished.connect(_while_alive(owner, lambda *_: finished()))
    worker.start()
    return worker


def _while_alive(owner: QObject | None, fn: Callable[..., None]) -> Callable[..., None]:
    """`fn`, skipped once `owner` (when given) has been deleted by Qt."""
    if owner is None:
        return fn

    def call(*args: Any) -> None:
        if not sip.isdeleted(owner):
            fn(*args)

    return call
