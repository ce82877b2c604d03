"""Plots of a dataset written to files (matplotlib, the `plot` extra): no display needed."""

from __future__ import annotations

from pathlib import Path

from bc import storage
from bc.errors import BCError


def write_returns_histogram(data: storage.DatasetArrays, out: Path) -> None:
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
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.hist(data.episode_returns, bins=min(30, max(5, data.n_episodes // 2)))
    ax.set_xlabel("episode return")
    ax.set_ylabel("episodes")
    name = data.metadata.get("env_id") or (data.path.name if data.path else "dataset")
    ax.set_title(f"{name}: {data.n_episodes} episodes, mean {data.episode_returns.mean():.1f}")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100)
    plt.close(fig)
