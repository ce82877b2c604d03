"""The dataset panel's filter row: text in tags or note, a flag, a kind."""

from __future__ import annotations

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QWidget

from recorder_app.state import EpisodeRow
from recorder_app.widgets.episode_table import FLAG_FILTERS, KIND_FILTERS, row_matches


class EpisodeFilterBar(QWidget):
    """Which episodes the list shows (the file and the selection are untouched).

    Signals:
        changed(): the user changed a filter.
    """

    changed = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter by tag or note")
        self.filter_edit.setClearButtonEnabled(True)
        self.flag_filter = QComboBox()
        self.flag_filter.addItems(list(FLAG_FILTERS))
        self.kind_filter = QComboBox()
        self.kind_filter.addItems(list(KIND_FILTERS))
        self.kind_filter.setToolTip(
            "Show demonstrations, corrections (Correct mode) or rollouts only (docs/dagger.md)"
        )
        self.filter_edit.textChanged.connect(lambda _t: self.changed.emit())
        self.flag_filter.currentTextChanged.connect(lambda _t: self.changed.emit())
        self.kind_filter.currentTextChanged.connect(lambda _t: self.changed.emit())
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter_edit, 1)
        layout.addWidget(self.flag_filter)
        layout.addWidget(self.kind_filter)

    def matches(self, row: EpisodeRow) -> bool:
        """True when the filters show this episode."""
        text, flag = self.filter_edit.text(), self.flag_filter.currentText()
        return row_matches(row, text, flag, self.kind_filter.currentText())
