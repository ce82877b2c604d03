"""Tick timing figures of the env worker: how late each tick started and how long it took."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TickReport:
    """Summary of the ticks recorded so far (seconds)."""

    ticks: int
    period: float
    late_fraction: float
    """Fraction of ticks that started more than half a period after their deadline."""
    p50_tick: float
    p99_tick: float
    """99th percentile of the time spent in a tick (step, render, record, publish)."""
    max_late: float


class TickStats:
    """A bounded, thread-safe record of tick lateness and duration."""

    def __init__(self, maxlen: int = 100_000) -> None:
        self._lock = threading.Lock()
        self._late: deque[float] = deque(maxlen=maxlen)
        self._took: deque[float] = deque(maxlen=maxlen)
        self._periods: deque[float] = deque(maxlen=maxlen)

    def add(self, late: float, took: float, period: float) -> None:
        """Record one tick: seconds after its deadline it started, seconds it ran, its period."""
        with self._lock:
            self._late.append(late)
            self._took.append(took)
            self._periods.append(period)

    def clear(self) -> None:
        """Forget every tick (e.g. after a warm-up)."""
        with self._lock:
            self._late.clear()
            self._took.clear()
            self._periods.clear()

    def report(self) -> TickReport:
        """Summarise the recorded ticks (zeros when there are none)."""
        with self._lock:
            late = np.array(self._late)
            took = np.array(self._took)
            periods = np.array(self._periods)
        if late.size == 0:
            return TickReport(0, 0.0, 0.0, 0.0, 0.0, 0.0)
        return TickReport(
            ticks=int(late.size),
            period=float(np.median(periods)),
            late_fraction=float(np.mean(late > periods / 2)),
            p50_tick=float(np.percentile(took, 50)),
            p99_tick=float(np.percentile(took, 99)),
            max_late=float(late.max()),
        )
