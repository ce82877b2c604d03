"""The runner's scheduler: ticks on `perf_counter` deadlines, commands run between ticks.

Any thread may `post` a command; the loop's own thread runs it between ticks, so the runner
itself needs no locks. The loop sleeps on the command queue, so a command is handled within
microseconds and ticks stay on schedule.
"""

from __future__ import annotations

import queue
from collections.abc import Callable
from typing import Any

from recorder_app.core.errors import one_line
from recorder_app.core.runner import EnvRunner
from recorder_app.core.tick_stats import TickStats

IDLE_WAIT_S = 0.25
"""How long the loop sleeps on the queue while there is nothing to step."""


class RunnerLoop:
    """Runs an `EnvRunner` on the calling thread until it shuts down."""

    def __init__(self, runner: EnvRunner) -> None:
        self.runner = runner
        self.stats = TickStats()
        self._commands: queue.Queue[tuple[Callable[[], Any], str]] = queue.Queue()

    def post(self, command: Callable[[], Any], what: str = "Error") -> None:
        """Queue `command` for the loop's thread (any thread); `what` titles its failure."""
        self._commands.put((command, what))

    def run(self) -> None:
        """Tick until the runner shuts down."""
        r, clock = self.runner, self.runner.clock
        deadline = clock()
        while r.alive:
            if not r.wants_ticks():
                self._handle_commands(clock() + IDLE_WAIT_S)
                deadline = clock()
                continue
            self._handle_commands(deadline)
            if not r.alive or not r.wants_ticks():
                continue
            start = clock()
            stepped = r.tick(start, deadline + r.period)
            end = clock()
            if stepped:
                self.stats.add(start - deadline, end - start, r.period)
            deadline += r.period
            if end > deadline + r.period:
                deadline = end  # far behind (a slow env): do not burst to catch up

    def _handle_commands(self, until: float) -> None:
        """Run queued commands until the deadline; sleeps on the queue, so wakes at once."""
        clock = self.runner.clock
        while self.runner.alive:
            timeout = until - clock()
            try:
                command, what = (
                    self._commands.get(timeout=timeout)
                    if timeout > 0
                    else self._commands.get_nowait()
                )
            except queue.Empty:
                return
            try:
                command()
            except Exception as exc:  # report and carry on: never a dead runner
                self.runner.failed.emit(what, one_line(exc))
