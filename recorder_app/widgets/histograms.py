"""The dataset panel's histograms of returns, lengths and actions, and how each one is drawn."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QLabel, QVBoxLayout, QWidget

from recorder_app.state import DatasetSummary
from recorder_app.widgets.episode_table import PLOT_COLORS


class DatasetHistograms(QWidget):
    """Returns, lengths and actions of a dataset (a line of text while it has no episodes)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plots = pg.GraphicsLayoutWidget()
        self.plots.setBackground("w")
        self.returns_plot = self._add_plot("Episode returns", "return", 0)
        self.lengths_plot = self._add_plot("Episode lengths", "steps", 1)
        self.actions_area = self.plots.addLayout(row=2, col=0)
        self.actions_plot = self.actions_area.addPlot(row=0, col=0, title="Actions")
        style_plot(self.actions_plot, "action")
        self.dim_plots: list[pg.PlotItem] = []
        """Box actions with several dimensions: one small histogram each, named from the key map."""
        self.no_plots_label = QLabel("Histograms of returns, lengths and actions appear here.")
        self.no_plots_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.no_plots_label.setStyleSheet("color:#757575;")
        self._action_names: tuple[str, ...] = ()
        self._axis_names: tuple[str, ...] = ()
        self._data: DatasetSummary | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.no_plots_label)
        layout.addWidget(self.plots, 1)

    def _add_plot(self, title: str, x_label: str, row: int) -> pg.PlotItem:
        plot = self.plots.addPlot(row=row, col=0, title=title)
        style_plot(plot, x_label)
        return plot

    def set_action_names(self, actions: Sequence[str], axes: Sequence[str]) -> None:
        """Name the Actions histogram's bars (Discrete) or curves (Box) as the key map does."""
        self._action_names, self._axis_names = tuple(actions), tuple(axes)
        self.plot(self._data)

    def plot(self, data: DatasetSummary | None) -> None:
        """Draw the histograms of this dataset (None or no episodes: the line of text)."""
        self._data = data
        for plot in (self.returns_plot, self.lengths_plot, self.actions_plot):
            plot.clear()
        self.actions_area.clear()
        self.dim_plots = []
        self.actions_area.addItem(self.actions_plot, row=0, col=0)
        # no episodes: a line of text, not three empty plots with crowded axis labels
        empty = data is None or data.n_episodes == 0
        self.plots.setVisible(not empty)
        self.no_plots_label.setVisible(empty)
        if data is None or data.n_episodes == 0:
            return
        histogram(self.returns_plot, data.episode_returns, PLOT_COLORS[0])
        histogram(self.lengths_plot, data.episode_lengths.astype(float), PLOT_COLORS[1])
        if data.actions.dtype.kind in "iu":
            self._plot_discrete(data.actions)
        else:
            self._plot_box(data.actions)

    def _plot_discrete(self, actions: np.ndarray) -> None:
        values, counts = np.unique(actions.reshape(-1), return_counts=True)
        bars = pg.BarGraphItem(x=values, height=counts, width=0.7, brush=PLOT_COLORS[2])
        self.actions_plot.addItem(bars)
        self.actions_plot.getAxis("bottom").setTicks([[(int(v), str(v)) for v in values]])
        # the key map's names: under the axis when the line fits a narrow dock, else a tooltip
        names = self._action_names
        key = " · ".join(f"{i} {n}" for i, n in enumerate(names))
        self.actions_plot.setLabel("bottom", key if names and len(key) <= 40 else "action")
        self.plots.setToolTip(f"Actions: {key}" if names else "")

    def _plot_box(self, actions: np.ndarray) -> None:
        self.actions_plot.getAxis("bottom").setTicks(None)
        self.actions_plot.setLabel("bottom", "action")
        flat = actions.reshape(len(actions), -1)
        axes = self._axis_names
        if len(axes) != flat.shape[1]:
            axes = tuple(f"dim {dim}" for dim in range(flat.shape[1]))
        if flat.shape[1] == 1:
            histogram(self.actions_plot, flat[:, 0], PLOT_COLORS[2], name=axes[0])
            self.actions_plot.setLabel("bottom", axes[0])
            return
        # small multiples: one histogram per dimension, two a row, each titled by its name
        self.actions_area.clear()
        for dim in range(flat.shape[1]):
            plot = self.actions_area.addPlot(
                row=dim // 2, col=dim % 2, title=f"<small>{axes[dim]}</small>"
            )
            plot.setMouseEnabled(x=False, y=False)
            plot.hideButtons()
            color = PLOT_COLORS[(dim + 2) % len(PLOT_COLORS)]
            histogram(plot, flat[:, dim], color, name=axes[dim])
            self.dim_plots.append(plot)


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
