"""Plots of a dataset written to files (matplotlib, the `plot` extra): no display needed."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bc.data.arrays import DatasetArrays
from bc.errors import BCError, DatasetError


def write_returns_histogram(data: DatasetArrays, out: Path) -> None:
    """Write a histogram of episode returns to a PNG.

    Raises:
        BCError: matplotlib (the `plot` extra) is not installed.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise BCError("plotting needs matplotlib: pip install 'demo-recorder[plot]'") from exc
    returns = data.episode_returns.astype(np.float64)
    finite = returns[np.isfinite(returns)]
    if not len(finite):
        raise DatasetError(data.path, ["no episode has a finite return to plot"])
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.hist(finite, bins=min(30, max(5, len(finite) // 2)))
    ax.set_xlabel("episode return")
    ax.set_ylabel("episodes")
    name = str(data.metadata.get("env_id") or (data.path.name if data.path else "dataset"))
    skipped = len(returns) - len(finite)
    note = f", {skipped} non-finite not shown" if skipped else ""
    ax.set_title(f"{name[:60]}: {data.n_episodes} episodes, mean {finite.mean():.1f}{note}")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100)
    plt.close(fig)
