"""The dataset panel: open or create a dataset, its episodes, totals, and histograms."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from recorder_app.input.latency import summarise as summarise_latency
from recorder_app.state import DatasetSummary, EpisodeRow

COLUMNS = ("#", "Length", "Return", "End", "When", "Seed", "Kind", "Took over")
PLOT_COLORS = ("#1e88e5", "#e53935", "#43a047", "#fb8c00", "#8e24aa", "#00897b")
NPZ_FILTER = "Expert datasets (*.npz);;All files (*)"


def row_cells(row: EpisodeRow) -> tuple[str, ...]:
    """An episode's texts, in `COLUMNS` order."""
    when = "-" if math.isnan(row.created) else _when(row.created)
    return (
        str(row.index),
        str(row.length),
        f"{row.ret:.2f}",
        "term." if row.terminated else "trunc.",
        when,
        "-" if row.seed < 0 else str(row.seed),
        *interactive_cells(row),
    )


def interactive_cells(row: EpisodeRow) -> tuple[str, str]:
    """Kind (with its DAgger round) and intervention count; "-" for plain files."""
    if not row.kind:
        return "-", "-"
    kind = row.kind if row.kind == "demonstration" else f"{row.kind} r{row.round}"
    taken = "-" if row.kind == "demonstration" else f"{row.interventions} steps"
    return kind, taken


def episode_rows(data: DatasetSummary) -> list[EpisodeRow]:
    """One row per episode of a dataset."""
    return list(data.rows)


def totals_text(data: DatasetSummary | None) -> str:
    """One line: episodes, steps, mean and spread of the returns."""
    if data is None or data.n_episodes == 0:
        return "No episodes yet: press Ctrl+R to record into this file."
    returns = data.episode_returns
    kind = "image" if data.is_image else "vector"
    latency = summarise_latency(data.step_latency)
    return (
        f"{data.n_episodes} episodes · {data.n_steps:,} steps ({kind} obs) · return "
        f"{returns.mean():.2f} ± {returns.std():.2f} (min {returns.min():.2f}, "
        f"max {returns.max():.2f})" + (f" · {latency.text()}" if latency else "")
    )


def _when(created: float) -> str:
    """Time of day for today's episodes, the date and time for older ones."""
    if time.strftime("%Y%m%d", time.localtime(created)) == time.strftime("%Y%m%d"):
        return time.strftime("%H:%M:%S", time.localtime(created))
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(created))


class DatasetPanel(QWidget):
    """Shows one dataset; asks for files and confirmations; never reads or writes files itself.

    Signals:
        open_requested(str): the user chose an existing dataset to open.
        new_requested(str): the user chose a path for a new dataset.
        delete_requested(list): the user confirmed deleting these episode indices.
        replay_requested(int): replay this episode (the Replay button or a double click).
    """

    open_requested = pyqtSignal(str)
    new_requested = pyqtSignal(str)
    delete_requested = pyqtSignal(list)
    replay_requested = pyqtSignal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data: DatasetSummary | None = None
        self.path: Path | None = None
        self.confirm_delete = True
        """Ask before deleting (the question is a real modal box)."""
        self.path_label = QLabel("No dataset")
        self.path_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.path_label.setWordWrap(True)
        self.open_button = QPushButton("Open...")
        self.new_button = QPushButton("New...")
        self.warning_label = QLabel()
        self.warning_label.setWordWrap(True)
        self.warning_label.setStyleSheet("color:#b71c1c;")
        self.warning_label.hide()
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        rows_header = self.table.verticalHeader()
        assert rows_header is not None
        rows_header.setVisible(False)
        rows_header.setDefaultSectionSize(self.fontMetrics().height() + 6)  # compact rows
        header = self.table.horizontalHeader()
        assert header is not None
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.totals_label = QLabel(totals_text(None))
        self.totals_label.setWordWrap(True)
        self.delete_button = QPushButton("Delete episode")
        self.delete_button.setEnabled(False)
        self.replay_button = QPushButton("Replay")
        self.replay_button.setToolTip("Replay the selected episode (or double-click it)")
        self.replay_button.setEnabled(False)
        self.plots = pg.GraphicsLayoutWidget()
        self.plots.setBackground("w")
        self.returns_plot = self._add_plot("Episode returns", "return", 0)
        self.lengths_plot = self._add_plot("Episode lengths", "steps", 1)
        self.actions_plot = self._add_plot("Actions", "action", 2)
        self._build_layout()
        self.open_button.clicked.connect(self._on_open_clicked)
        self.new_button.clicked.connect(self._on_new_clicked)
        self.delete_button.clicked.connect(self._on_delete_clicked)
        self.table.itemSelectionChanged.connect(self._update_delete_button)
        self.replay_button.clicked.connect(self._on_replay_clicked)
        self.table.cellDoubleClicked.connect(lambda row, _col: self.replay_requested.emit(row))
        self._delete_allowed = True
        self._action_names: tuple[str, ...] = ()
        self._axis_names: tuple[str, ...] = ()

    def _add_plot(self, title: str, x_label: str, row: int) -> pg.PlotItem:
        plot = self.plots.addPlot(row=row, col=0, title=title)
        plot.setLabel("bottom", x_label)
        plot.setLabel("left", "count")
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        return plot

    def _build_layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.path_label, 1)
        top.addWidget(self.open_button)
        top.addWidget(self.new_button)
        totals = QHBoxLayout()
        totals.addWidget(self.totals_label, 1)
        totals.addWidget(self.replay_button, 0, Qt.AlignmentFlag.AlignTop)
        totals.addWidget(self.delete_button, 0, Qt.AlignmentFlag.AlignTop)
        upper = QWidget()
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addLayout(top)
        upper_layout.addWidget(self.warning_label)
        upper_layout.addWidget(self.table, 1)
        upper_layout.addLayout(totals)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(upper)
        splitter.addWidget(self.plots)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(splitter)

    # -- display -----------------------------------------------------------------------------

    def show_dataset(self, path: Path, data: DatasetSummary | None) -> None:
        """Show a dataset (None: the file does not exist yet)."""
        self.path, self.data = path, data
        self.path_label.setText(str(path) if data is not None else f"{path} (new)")
        self.path_label.setToolTip(str(path))
        selected = set(self.selected_episodes())
        rows = episode_rows(data) if data is not None else []
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate(row_cells(row)):
                item = QTableWidgetItem(text)
                if c in (0, 1, 2):  # numbers; the seed (long) starts at the left edge
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if c == 3:
                    item.setToolTip(
                        "terminated: the env ended the episode"
                        if row.terminated
                        else "truncated: a time limit, or ended early (Ctrl+E)"
                    )
                self.table.setItem(r, c, item)
        self.select_episodes(sorted(i for i in selected if i < len(rows)))
        if rows:
            self.table.scrollToBottom()
        self.totals_label.setText(totals_text(data))
        self._plot(data)
        self._update_delete_button()

    def set_warning(self, text: str) -> None:
        """A red line under the path (e.g. the dataset does not fit the env); "" hides it."""
        self.warning_label.setText(text)
        self.warning_label.setVisible(bool(text))

    def set_action_names(self, actions: Sequence[str], axes: Sequence[str]) -> None:
        """Name the Actions histogram's bars (Discrete) or curves (Box) as the key map does."""
        self._action_names, self._axis_names = tuple(actions), tuple(axes)
        self._plot(self.data)

    def set_delete_allowed(self, allowed: bool, reason: str = "") -> None:
        """Enable deleting (off while recording into this dataset), with a tooltip saying why."""
        self._delete_allowed = allowed
        self.delete_button.setToolTip("" if allowed else reason)
        self._update_delete_button()

    def set_file_buttons_enabled(self, enabled: bool) -> None:
        """Open/New are disabled while recording."""
        self.open_button.setEnabled(enabled)
        self.new_button.setEnabled(enabled)

    def selected_episodes(self) -> list[int]:
        """Indices of the selected rows."""
        model = self.table.selectionModel()
        if model is None:
            return []
        return sorted(index.row() for index in model.selectedRows())

    def select_episodes(self, indices: Sequence[int]) -> None:
        """Select these rows (replacing the selection)."""
        self.table.clearSelection()
        mode = self.table.selectionMode()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        for i in indices:
            self.table.selectRow(i)
        self.table.setSelectionMode(mode)

    def _plot(self, data: DatasetSummary | None) -> None:
        for plot in (self.returns_plot, self.lengths_plot, self.actions_plot):
            plot.clear()
        if data is None or data.n_episodes == 0:
            return
        _histogram(self.returns_plot, data.episode_returns, PLOT_COLORS[0])
        _histogram(self.lengths_plot, data.episode_lengths.astype(float), PLOT_COLORS[1])
        actions = data.actions
        if actions.dtype.kind in "iu":
            values, counts = np.unique(actions.reshape(-1), return_counts=True)
            bars = pg.BarGraphItem(x=values, height=counts, width=0.7, brush=PLOT_COLORS[2])
            self.actions_plot.addItem(bars)
            self.actions_plot.getAxis("bottom").setTicks([[(int(v), str(v)) for v in values]])
            # the key map's names: under the axis when the line fits a narrow dock, else a tooltip
            names = self._action_names
            key = " · ".join(f"{i} {n}" for i, n in enumerate(names))
            self.actions_plot.setLabel("bottom", key if names and len(key) <= 40 else "action")
            self.plots.setToolTip(f"Actions: {key}" if names else "")
        else:
            self.actions_plot.getAxis("bottom").setTicks(None)
            self.actions_plot.setLabel("bottom", "action")
            flat = actions.reshape(len(actions), -1)
            if flat.shape[1] > 1:
                self.actions_plot.addLegend(offset=(-10, 10))
            axes = self._axis_names
            if len(axes) != flat.shape[1]:
                axes = tuple(f"dim {dim}" for dim in range(flat.shape[1]))
            for dim in range(min(flat.shape[1], len(PLOT_COLORS))):
                color = PLOT_COLORS[(dim + 2) % len(PLOT_COLORS)]
                _histogram(self.actions_plot, flat[:, dim], color, name=axes[dim])

    # -- user actions ------------------------------------------------------------------------

    def _update_delete_button(self) -> None:
        self.delete_button.setEnabled(self._delete_allowed and bool(self.selected_episodes()))
        self.replay_button.setEnabled(len(self.selected_episodes()) == 1)

    def _on_replay_clicked(self) -> None:
        selected = self.selected_episodes()
        if len(selected) == 1:
            self.replay_requested.emit(selected[0])

    def _on_open_clicked(self) -> None:
        start = str(self.path.parent) if self.path else ""
        path, _ = QFileDialog.getOpenFileName(self, "Open dataset", start, NPZ_FILTER)
        if path:
            self.open_requested.emit(path)

    def _on_new_clicked(self) -> None:
        start = str(self.path.parent / "expert_new.npz") if self.path else "expert_new.npz"
        path, _ = QFileDialog.getSaveFileName(self, "New dataset", start, NPZ_FILTER)
        if path:
            self.new_requested.emit(path)

    def _on_delete_clicked(self) -> None:
        indices = self.selected_episodes()
        if not indices or self.data is None:
            return
        if self.confirm_delete:
            steps = int(sum(self.data.episode_lengths[i] for i in indices))
            shown = ", ".join(str(i) for i in indices[:8]) + ("..." if len(indices) > 8 else "")
            answer = QMessageBox.question(
                self,
                "Delete episodes",
                f"Delete episode(s) {shown} ({steps} steps) from {self.path}? "
                "This rewrites the file and cannot be undone.",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.delete_requested.emit(indices)


def _histogram(plot: pg.PlotItem, values: np.ndarray, color: str, name: str | None = None) -> None:
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
