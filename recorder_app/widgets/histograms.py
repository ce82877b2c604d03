"""Small histogram plots of the dataset panel (returns, lengths, actions)."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg


def style_plot(plot: pg.PlotItem, x_label: str) -> None:
    """Axis labels and a fixed view (the panel's plots are glances, not tools)."""
    plot.setLabel("bottom", x_label)
    plot.setLabel("left", "count")
    plot.setMouseEnabled(x=False, y=False)
    plot.hideButtons()


def histogram(plot: pg.PlotItem, values: np.ndarray, color: str, name: str | None = None) -> None:
    """Add a filled step histogram of `values` to `plot`."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return
    bins = int(min(20, max(5, math.sqrt(values.size))))
    if values.min() == values.max():
        edges = np.array([values.min() - 0.5, values.min() + 0.5])
        counts = np.array([values.size])
    else:
        counts, edges = np.histogram(values, bins=bins)
    fill = pg.mkColor(color)
    fill.setAlpha(110)
    plot.plot(
        edges, counts, stepMode="center", fillLevel=0, brush=fill, pen=pg.mkPen(color), name=name
    )
