"""The dataset panel: open or create a dataset, its episodes, totals, and histograms."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QColor, QKeySequence, QShortcut
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bc.curation import parse_tags
from recorder_app.state import DatasetSummary, LabelChange
from recorder_app.widgets.dataset_dialogs import LabelDialog
from recorder_app.widgets.episode_table import (
    COLUMNS,
    FLAG_FILTERS,
    KIND_FILTERS,
    NPZ_FILTER,
    NUMERIC,
    PLOT_COLORS,
    episode_rows,
    row_cells,
    row_matches,
    totals_text,
)
from recorder_app.widgets.histograms import histogram, style_plot

__all__ = ["DatasetPanel", "episode_rows", "row_cells", "row_matches", "totals_text"]


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
    label_requested = pyqtSignal(object)
    """A `LabelChange` the user made (flag keys, the tags/note editor)."""

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
        self._build_curation()
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

    def _build_curation(self) -> None:
        """Flag buttons (keys G, B, 0 in the list), the tags/note editor (T), and the filter."""
        self.good_button = QPushButton("Good")
        self.good_button.setToolTip("Flag the selected episodes good (G; again: unset)")
        self.bad_button = QPushButton("Bad")
        self.bad_button.setToolTip("Flag the selected episodes bad (B; again: unset)")
        self.label_button = QPushButton("Tags/note...")
        self.label_button.setToolTip("Edit tags and note of the selected episodes (T)")
        self.good_button.clicked.connect(lambda: self.toggle_flag(1))
        self.bad_button.clicked.connect(lambda: self.toggle_flag(-1))
        self.label_button.clicked.connect(lambda: self.edit_labels())
        for key, slot in (
            ("G", lambda: self.toggle_flag(1)),
            ("B", lambda: self.toggle_flag(-1)),
            ("0", lambda: self.set_flag(0)),
            ("T", lambda: self.edit_labels()),
        ):
            shortcut = QShortcut(QKeySequence(key), self.table)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(slot)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter by tag or note")
        self.filter_edit.setClearButtonEnabled(True)
        self.flag_filter = QComboBox()
        self.flag_filter.addItems(list(FLAG_FILTERS))
        self.filter_edit.textChanged.connect(lambda _t: self._apply_filter())
        self.flag_filter.currentTextChanged.connect(lambda _t: self._apply_filter())
        self.kind_filter = QComboBox()
        self.kind_filter.addItems(list(KIND_FILTERS))
        self.kind_filter.setToolTip(
            "Show demonstrations, corrections (Correct mode) or rollouts only (docs/dagger.md)"
        )
        self.kind_filter.currentTextChanged.connect(lambda _t: self._apply_filter())
        self.confirm_labels: bool = True
        """Ask with a dialog in `edit_labels` (tests pass the values instead)."""

    def _add_plot(self, title: str, x_label: str, row: int) -> pg.PlotItem:
        plot = self.plots.addPlot(row=row, col=0, title=title)
        style_plot(plot, x_label)
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
        filters = QHBoxLayout()
        filters.addWidget(self.filter_edit, 1)
        filters.addWidget(self.flag_filter)
        filters.addWidget(self.kind_filter)
        upper_layout.addLayout(filters)
        upper_layout.addWidget(self.table, 1)
        labels = QHBoxLayout()
        labels.addWidget(self.good_button)
        labels.addWidget(self.bad_button)
        labels.addWidget(self.label_button)
        labels.addStretch(1)
        upper_layout.addLayout(labels)
        upper_layout.addLayout(totals)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(upper)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.no_plots_label)
        lower_layout.addWidget(self.plots, 1)
        splitter.addWidget(lower)
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
                if c in (7, 8) and text:
                    item.setToolTip(text if c == 7 else row.note)
                if row.undone:
                    font = item.font()
                    font.setStrikeOut(True)
                    item.setFont(font)
                if c == 1 and row.flag:
                    item.setForeground(QColor("#2e7d32" if row.flag > 0 else "#c62828"))
                if c in NUMERIC:  # numbers; the seed (long) starts at the left edge
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if c == 4:
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
        self._apply_filter()
        self._fit_columns()
        self._update_delete_button()

    def _fit_columns(self) -> None:
        """Ask for the width that shows every column up to Seed (tags and note may scroll)."""
        header = self.table.horizontalHeader()
        assert header is not None
        self.table.resizeColumnsToContents()
        through_seed = sum(header.sectionSize(c) for c in range(COLUMNS.index("Seed") + 1))
        bar = self.table.verticalScrollBar()
        extra = 2 * self.table.frameWidth() + (bar.sizeHint().width() if bar is not None else 0)
        self.table.setMinimumWidth(through_seed + extra)

    def _apply_filter(self) -> None:
        """Hide the rows the filter excludes (the file and the selection are untouched)."""
        rows = self.data.rows if self.data is not None else ()
        text, flag = self.filter_edit.text(), self.flag_filter.currentText()
        kind = self.kind_filter.currentText()
        for r, row in enumerate(rows):
            self.table.setRowHidden(r, not row_matches(row, text, flag, kind))

    def visible_episodes(self) -> list[int]:
        """Indices of the rows the filter shows."""
        return [r for r in range(self.table.rowCount()) if not self.table.isRowHidden(r)]

    # -- curation ----------------------------------------------------------------------------

    def _targets(self) -> list[int]:
        """The selected episodes, else the last one (the one that just ended)."""
        selected = self.selected_episodes()
        if selected:
            return selected
        rows = self.data.rows if self.data is not None else ()
        live = [r.index for r in rows if not r.undone]
        return live[-1:]

    def set_flag(self, flag: int, indices: Sequence[int] | None = None) -> None:
        """Flag episodes (default: the selected, else the last) good (1), bad (-1) or unset (0)."""
        targets = list(indices) if indices is not None else self._targets()
        if targets:
            self.label_requested.emit(LabelChange(tuple(targets), flag=flag))

    def toggle_flag(self, flag: int, indices: Sequence[int] | None = None) -> None:
        """Set the flag, or unset it when every target already has it."""
        targets = list(indices) if indices is not None else self._targets()
        rows = self.data.rows if self.data is not None else ()
        have = [rows[i].flag for i in targets if i < len(rows)]
        self.set_flag(0 if have and all(f == flag for f in have) else flag, targets)

    def edit_labels(
        self,
        indices: Sequence[int] | None = None,
        tags: str | None = None,
        note: str | None = None,
    ) -> None:
        """Edit tags (comma-separated) and the note of episodes; asks unless both are given."""
        targets = list(indices) if indices is not None else self._targets()
        if not targets or self.data is None:
            return
        first = self.data.rows[targets[0]]
        if tags is None or note is None:
            dialog = LabelDialog(targets, ", ".join(first.tags), first.note, self)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return
            tags, note = dialog.values()
        try:
            new = parse_tags(tags)
        except ValueError as exc:
            QMessageBox.warning(self, "Tags", str(exc))
            return
        old = {t for i in targets for t in self.data.rows[i].tags}
        self.label_requested.emit(
            LabelChange(
                tuple(targets),
                add_tags=tuple(new),
                remove_tags=tuple(sorted(old - set(new))),
                note=note,
            )
        )

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
