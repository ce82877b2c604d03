"""The dataset panel's episode table: the widget, its columns, one row's texts, the totals line."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QColor
from PyQt6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from recorder_app.input.latency import summarise as summarise_latency
from recorder_app.state import DatasetSummary, EpisodeRow

COLUMNS = (
    "#",
    "Flag",
    "Length",
    "Return",
    "End",
    "When",
    "Seed",
    "Tags",
    "Note",
    "Kind",
    "Took over",
)
NUMERIC = (0, 2, 3)
FLAG_TEXT = {1: "✔ good", -1: "✘ bad", 0: ""}
FLAG_FILTERS = ("any flag", "good", "bad", "unset")
KIND_FILTERS = ("all kinds", "demonstration", "correction", "rollout")
"""The kind filter's choices: every episode, or one `episode_kind` (docs/dagger.md)."""
PLOT_COLORS = ("#1e88e5", "#e53935", "#43a047", "#fb8c00", "#8e24aa", "#00897b")
NPZ_FILTER = "Expert datasets (*.npz);;All files (*)"


class EpisodeTable(QTableWidget):
    """One row per episode (undone ones struck out); selecting rows picks episodes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels(list(COLUMNS))
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        rows_header = self.verticalHeader()
        assert rows_header is not None
        rows_header.setVisible(False)
        rows_header.setDefaultSectionSize(self.fontMetrics().height() + 6)  # compact rows
        header = self.horizontalHeader()
        assert header is not None
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)

    def show_rows(self, rows: Sequence[EpisodeRow]) -> None:
        """Show these episodes, keeping the selected rows that still exist."""
        selected = set(self.selected_episodes())
        self.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate(row_cells(row)):
                self.setItem(r, c, _cell(row, c, text))
        self.select_episodes(sorted(i for i in selected if i < len(rows)))
        if rows:
            self.scrollToBottom()

    def fit_columns(self) -> None:
        """Ask for the width that shows every column up to Seed (tags and note may scroll)."""
        header = self.horizontalHeader()
        assert header is not None
        self.resizeColumnsToContents()
        through_seed = sum(header.sectionSize(c) for c in range(COLUMNS.index("Seed") + 1))
        bar = self.verticalScrollBar()
        extra = 2 * self.frameWidth() + (bar.sizeHint().width() if bar is not None else 0)
        self.setMinimumWidth(through_seed + extra)

    def filter_rows(self, rows: Sequence[EpisodeRow], shown: Callable[[EpisodeRow], bool]) -> None:
        """Hide the rows `shown` says no to."""
        for r, row in enumerate(rows):
            self.setRowHidden(r, not shown(row))

    def visible_episodes(self) -> list[int]:
        """Indices of the rows the filter shows."""
        return [r for r in range(self.rowCount()) if not self.isRowHidden(r)]

    def selected_episodes(self) -> list[int]:
        """Indices of the selected rows."""
        model = self.selectionModel()
        if model is None:
            return []
        return sorted(index.row() for index in model.selectedRows())

    def select_episodes(self, indices: Sequence[int]) -> None:
        """Select these rows (replacing the selection)."""
        self.clearSelection()
        mode = self.selectionMode()
        self.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        for i in indices:
            self.selectRow(i)
        self.setSelectionMode(mode)


def _cell(row: EpisodeRow, c: int, text: str) -> QTableWidgetItem:
    """Column `c` of an episode's row: its text, colour, alignment and tooltip."""
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
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if c == 4:
        item.setToolTip(
            "terminated: the env ended the episode"
            if row.terminated
            else "truncated: a time limit, or ended early (Ctrl+E)"
        )
    return item


def row_cells(row: EpisodeRow) -> tuple[str, ...]:
    """An episode's texts, in `COLUMNS` order."""
    when = "-" if math.isnan(row.created) else _when(row.created)
    return (
        str(row.index),
        "undone" if row.undone else FLAG_TEXT.get(row.flag, ""),
        str(row.length),
        f"{row.ret:.2f}",
        "term." if row.terminated else "trunc.",
        when,
        "-" if row.seed < 0 else str(row.seed),
        ", ".join(row.tags),
        row.note.replace("\n", " "),
        *interactive_cells(row),
    )


def row_matches(row: EpisodeRow, text: str, flag_filter: str, kind_filter: str = "") -> bool:
    """True when a row passes the panel's filters: text in its tags or note, flag and kind."""
    wanted = {"good": 1, "bad": -1, "unset": 0}.get(flag_filter)
    if wanted is not None and row.flag != wanted:
        return False
    if kind_filter in KIND_FILTERS[1:] and (row.kind or "demonstration") != kind_filter:
        return False
    text = text.strip().lower()
    if not text:
        return True
    return any(text in t.lower() for t in row.tags) or text in row.note.lower()


def interactive_cells(row: EpisodeRow) -> tuple[str, str]:
    """Kind (with its DAgger round) and intervention count; "-" where nobody took over."""
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
