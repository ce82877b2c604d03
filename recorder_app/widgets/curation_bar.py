"""The dataset panel's curation buttons: Good, Bad, Tags/note..., and their keys in the list."""

from __future__ import annotations

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QKeySequence, QShortcut
from PyQt6.QtWidgets import QHBoxLayout, QPushButton, QWidget


class CurationBar(QWidget):
    """Flag buttons (keys G, B, 0 in the list) and the tags/note editor's button (T).

    Signals:
        flag_toggled(int): set this flag (1 good, -1 bad) on the targets, or unset it.
        flag_set(int): set this flag (0: unset) on the targets.
        labels_requested(): edit the targets' tags and note.
    """

    flag_toggled = pyqtSignal(int)
    flag_set = pyqtSignal(int)
    labels_requested = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.good_button = QPushButton("Good")
        self.good_button.setToolTip("Flag the selected episodes good (G; again: unset)")
        self.bad_button = QPushButton("Bad")
        self.bad_button.setToolTip("Flag the selected episodes bad (B; again: unset)")
        self.label_button = QPushButton("Tags/note...")
        self.label_button.setToolTip("Edit tags and note of the selected episodes (T)")
        self.good_button.clicked.connect(lambda: self.flag_toggled.emit(1))
        self.bad_button.clicked.connect(lambda: self.flag_toggled.emit(-1))
        self.label_button.clicked.connect(lambda: self.labels_requested.emit())
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.good_button)
        layout.addWidget(self.bad_button)
        layout.addWidget(self.label_button)
        layout.addStretch(1)

    def add_keys(self, widget: QWidget) -> None:
        """The keys G, B, 0 and T, while `widget` (the episode list) has the focus."""
        for key, slot in (
            ("G", lambda: self.flag_toggled.emit(1)),
            ("B", lambda: self.flag_toggled.emit(-1)),
            ("0", lambda: self.flag_set.emit(0)),
            ("T", lambda: self.labels_requested.emit()),
        ):
            shortcut = QShortcut(QKeySequence(key), widget)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(slot)
