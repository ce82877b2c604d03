"""The dataset panel: open or create a dataset, its episodes, totals, and histograms."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyqtgraph as pg
from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from bc.curation import parse_tags
from recorder_app.state import DatasetSummary, LabelChange
from recorder_app.widgets.curation_bar import CurationBar
from recorder_app.widgets.dataset_dialogs import LabelDialog
from recorder_app.widgets.dataset_file_bar import DatasetFileBar
from recorder_app.widgets.episode_filter_bar import EpisodeFilterBar
from recorder_app.widgets.episode_table import (
    EpisodeTable,
    episode_rows,
    row_cells,
    row_matches,
    totals_text,
)
from recorder_app.widgets.histograms import DatasetHistograms

__all__ = ["DatasetPanel", "episode_rows", "row_cells", "row_matches", "totals_text"]

RECORDING_EMPTY = "Recording: each episode appears here as it ends."


class DatasetPanel(QWidget):
    """Shows one dataset; asks for files and confirmations; never reads or writes files itself.

    Its parts: the path with Open/New (`file_bar`), the filter row (`filter_bar`), the episode
    list (`table`), the curation buttons (`curation`), the totals with Replay and Delete, and
    the histograms (`histograms`).

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
        self.confirm_labels: bool = True
        """Ask with a dialog in `edit_labels` (tests pass the values instead)."""
        self._recording = False
        self._delete_allowed = True
        self.file_bar = DatasetFileBar()
        self.filter_bar = EpisodeFilterBar()
        self.table = EpisodeTable()
        self.curation = CurationBar()
        self.curation.add_keys(self.table)
        self.totals_label = QLabel(totals_text(None))
        self.totals_label.setWordWrap(True)
        self.delete_button = QPushButton("Delete episode")
        self.delete_button.setEnabled(False)
        self.replay_button = QPushButton("Replay")
        self.replay_button.setToolTip("Replay the selected episode (or double-click it)")
        self.replay_button.setEnabled(False)
        self.histograms = DatasetHistograms()
        # the parts' widgets, under the names the window, tests and scripts use
        bar, plots = self.file_bar, self.histograms
        self.path_label, self.warning_label = bar.path_label, bar.warning_label
        self.open_button, self.new_button = bar.open_button, bar.new_button
        self.filter_edit = self.filter_bar.filter_edit
        self.flag_filter, self.kind_filter = (
            self.filter_bar.flag_filter,
            self.filter_bar.kind_filter,
        )
        self.plots, self.no_plots_label = plots.plots, plots.no_plots_label
        self.returns_plot, self.actions_plot = plots.returns_plot, plots.actions_plot
        self._build_layout()
        bar.open_requested.connect(self.open_requested)
        bar.new_requested.connect(self.new_requested)
        self.filter_bar.changed.connect(self._apply_filter)
        self.curation.flag_toggled.connect(lambda flag: self.toggle_flag(flag))
        self.curation.flag_set.connect(lambda flag: self.set_flag(flag))
        self.curation.labels_requested.connect(lambda: self.edit_labels())
        self.delete_button.clicked.connect(self._on_delete_clicked)
        self.table.itemSelectionChanged.connect(self._update_delete_button)
        self.replay_button.clicked.connect(self._on_replay_clicked)
        self.table.cellDoubleClicked.connect(lambda row, _col: self.replay_requested.emit(row))

    def _build_layout(self) -> None:
        totals = QHBoxLayout()
        totals.addWidget(self.totals_label, 1)
        totals.addWidget(self.replay_button, 0, Qt.AlignmentFlag.AlignTop)
        totals.addWidget(self.delete_button, 0, Qt.AlignmentFlag.AlignTop)
        upper = QWidget()
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addWidget(self.file_bar)
        upper_layout.addWidget(self.filter_bar)
        upper_layout.addWidget(self.table, 1)
        upper_layout.addWidget(self.curation)
        upper_layout.addLayout(totals)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(upper)
        splitter.addWidget(self.histograms)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(splitter)

    @property
    def dim_plots(self) -> list[pg.PlotItem]:
        """Box actions with several dimensions: one small histogram each (see `histograms`)."""
        return self.histograms.dim_plots

    # -- display -----------------------------------------------------------------------------

    def show_dataset(self, path: Path, data: DatasetSummary | None) -> None:
        """Show a dataset (None: the file does not exist yet)."""
        self.path, self.data = path, data
        self.file_bar.show_path(path, exists=data is not None)
        self.table.show_rows(episode_rows(data) if data is not None else [])
        self._show_totals()
        self.histograms.plot(data)
        self._apply_filter()
        self.table.fit_columns()
        self._update_delete_button()

    def _apply_filter(self) -> None:
        """Hide the rows the filter excludes (the file and the selection are untouched)."""
        self.table.filter_rows(
            self.data.rows if self.data is not None else (), self.filter_bar.matches
        )

    def visible_episodes(self) -> list[int]:
        """Indices of the rows the filter shows."""
        return self.table.visible_episodes()

    def selected_episodes(self) -> list[int]:
        """Indices of the selected rows."""
        return self.table.selected_episodes()

    def select_episodes(self, indices: Sequence[int]) -> None:
        """Select these rows (replacing the selection)."""
        self.table.select_episodes(indices)

    def set_warning(self, text: str) -> None:
        """A red line under the path (e.g. the dataset does not fit the env); "" hides it."""
        self.file_bar.set_warning(text)

    def set_action_names(self, actions: Sequence[str], axes: Sequence[str]) -> None:
        """Name the Actions histogram's bars (Discrete) or curves (Box) as the key map does."""
        self.histograms.set_action_names(actions, axes)

    def set_delete_allowed(self, allowed: bool, reason: str = "") -> None:
        """Enable deleting (off while recording into this dataset), with a tooltip saying why."""
        self._delete_allowed = allowed
        self.delete_button.setToolTip("" if allowed else reason)
        self._update_delete_button()

    def set_recording(self, recording: bool) -> None:
        """Recording into this dataset or not (an empty one says so, not "press Ctrl+R")."""
        self._recording = recording
        self._show_totals()

    def _show_totals(self) -> None:
        empty = self.data is None or self.data.n_episodes == 0
        text = RECORDING_EMPTY if self._recording and empty else totals_text(self.data)
        self.totals_label.setText(text)

    def set_file_buttons_enabled(self, enabled: bool) -> None:
        """Open/New are disabled while recording."""
        self.file_bar.set_buttons_enabled(enabled)

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

    # -- user actions ------------------------------------------------------------------------

    def _update_delete_button(self) -> None:
        self.delete_button.setEnabled(self._delete_allowed and bool(self.selected_episodes()))
        self.replay_button.setEnabled(len(self.selected_episodes()) == 1)

    def _on_replay_clicked(self) -> None:
        selected = self.selected_episodes()
        if len(selected) == 1:
            self.replay_requested.emit(selected[0])

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
