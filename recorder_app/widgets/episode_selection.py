"""The Train panel's episode selection: tag, flag, kind, minimum return, first N, and the count."""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from bc.selection import EpisodeSelection, indices_from_columns
from recorder_app.state import DatasetSummary

ANY_TAG = "any tag"
FLAG_CHOICES = {
    "any flag": (),
    "good": (1,),
    "good or unset": (1, 0),
    "unset": (0,),
    "bad": (-1,),
}
"""The flag box's texts and the flags each one keeps (none: any flag)."""


class EpisodeSelector(QWidget):
    """Which episodes to train on (`bc.selection`), and how many episodes and steps that is.

    Signals:
        changed(): the user changed the selection (or the episodes it counts changed).
    """

    changed = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._episodes: DatasetSummary | None = None
        self.sel_tag = QComboBox()
        self.sel_tag.addItem(ANY_TAG)
        self.sel_tag.setToolTip("Only episodes with this tag")
        self.sel_flag = QComboBox()
        self.sel_flag.addItems(list(FLAG_CHOICES))
        self.sel_kind = QComboBox()
        self.sel_kind.addItems(["any kind", "demonstration", "correction"])
        self.sel_min_return = QDoubleSpinBox(decimals=1, minimum=-1e9, maximum=1e9, value=0.0)
        self.sel_use_return = QCheckBox("return at least")
        self.sel_first_n = QSpinBox()
        self.sel_first_n.setRange(0, 1_000_000)
        self.sel_first_n.setSpecialValueText("all")
        self.sel_first_n.setToolTip("Keep only the first N selected episodes (traj_limitation)")
        self.selection_label = QLabel("")
        for box in (self.sel_tag, self.sel_flag, self.sel_kind):
            box.currentTextChanged.connect(lambda _t: self.changed.emit())
        self.sel_use_return.toggled.connect(lambda _on: self.changed.emit())
        self.sel_min_return.valueChanged.connect(lambda _v: self.changed.emit())
        self.sel_first_n.valueChanged.connect(lambda _v: self.changed.emit())
        row1 = QHBoxLayout()
        for w in (self.sel_tag, self.sel_flag, self.sel_kind):
            row1.addWidget(w)
        row2 = QHBoxLayout()
        row2.addWidget(self.sel_use_return)
        row2.addWidget(self.sel_min_return, 1)
        row2.addWidget(QLabel("first"))
        row2.addWidget(self.sel_first_n)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row1)
        layout.addLayout(row2)
        layout.addWidget(self.selection_label)

    def first_row_height(self) -> int:
        """The height of the first row (the tag, flag and kind boxes), to align a form label."""
        return max(w.sizeHint().height() for w in (self.sel_tag, self.sel_flag, self.sel_kind))

    def set_episodes(self, data: DatasetSummary | None) -> None:
        """The dataset's episodes, to count what the selection holds (and offer its tags)."""
        self._episodes = data
        tags = sorted({t for r in data.rows for t in r.tags}) if data is not None else []
        current = self.sel_tag.currentText()
        self.sel_tag.blockSignals(True)
        self.sel_tag.clear()
        self.sel_tag.addItems([ANY_TAG, *tags])
        self.sel_tag.setCurrentText(current if current in tags else ANY_TAG)
        self.sel_tag.blockSignals(False)
        self.changed.emit()

    def selection(self) -> EpisodeSelection:
        """The episode selection the boxes describe."""
        tag = self.sel_tag.currentText()
        kind = self.sel_kind.currentText()
        return EpisodeSelection(
            tags=(tag,) if tag and tag != ANY_TAG else (),
            flags=FLAG_CHOICES.get(self.sel_flag.currentText(), ()),
            min_return=self.sel_min_return.value() if self.sel_use_return.isChecked() else None,
            kinds=(kind,) if kind != "any kind" else (),
            first_n=self.sel_first_n.value() or -1,
        )

    def selected_counts(self) -> tuple[int, int]:
        """Episodes and steps the selection holds in the dataset shown (0, 0 without one)."""
        data = self._episodes
        if data is None:
            return 0, 0
        rows = [r for r in data.rows if not r.undone]
        indices = indices_from_columns(
            [r.tags for r in rows],
            np.array([r.flag for r in rows]),
            np.array([r.ret for r in rows]),
            np.array([r.kind for r in rows], dtype=str),
            self.selection(),
        )
        return len(indices), int(sum(rows[i].length for i in indices))

    def show_counts(self) -> tuple[int, int]:
        """Say how many episodes and steps the selection holds; returns (selected, total)."""
        n, steps = self.selected_counts()
        total = len(self._episodes.rows) if self._episodes is not None else 0
        self.selection_label.setText(
            f"{n} of {total} episodes · {steps:,} steps" if total else "no episodes"
        )
        return n, total
