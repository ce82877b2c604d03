"""Key-to-action latency of human recordings (`step_latency`), summarised for people."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LatencySummary:
    """Median and 99th percentile of the steps that had a new input, in seconds."""

    n: int
    median: float
    p99: float

    def text(self) -> str:
        """One line for the dataset panel: "input latency 12 ms median, 21 ms p99 (n=340)"."""
        return (
            f"input latency {1e3 * self.median:.0f} ms median, {1e3 * self.p99:.0f} ms p99 "
            f"(n={self.n})"
        )


def summarise(step_latency: np.ndarray) -> LatencySummary | None:
    """Summarise a dataset's `step_latency`; None when no step had a measured input."""
    values = np.asarray(step_latency, dtype=np.float64)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return None
    return LatencySummary(
        int(values.size), float(np.median(values)), float(np.percentile(values, 99))
    )
