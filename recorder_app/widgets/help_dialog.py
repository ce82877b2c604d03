"""The Help dialog: recording shortcuts, the current env's game keys, and how recording works."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QKeySequence, QShortcut
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from recorder_app.shortcuts import Shortcut

ABOUT = (
    "<p>Play with the keyboard (this window must have focus) or a gamepad (pick it under the "
    "view; plug and unplug at will: unplugging pauses, plugging back resumes). "
    "<b>Ctrl+R</b> starts recording from a fresh, seeded episode; every episode is saved as "
    "it ends, as an SB2 expert dataset (<code>.npz</code>), appended to the file shown in "
    "the dataset panel.</p>"
)


def _table(headers: tuple[str, ...], rows: Iterable[tuple[str, ...]]) -> QTableWidget:
    rows = list(rows)
    table = QTableWidget(len(rows), len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)  # type: ignore[union-attr]
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(text))
    header = table.horizontalHeader()
    assert header is not None
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return table


class HelpDialog(QDialog):
    """Lists every shortcut and the env's bindings; non-modal, so play can go on beside it."""

    def __init__(
        self,
        shortcuts: Mapping[str, Shortcut],
        bindings: Iterable[tuple[str, str]],
        env_id: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Shortcuts and keys")
        self.resize(640, 560)
        about = QLabel(ABOUT)
        about.setWordWrap(True)
        self.shortcut_table = _table(
            ("Keys", "Command", "What it does"),
            ((s.keys, s.text.replace("&", ""), s.help) for s in shortcuts.values()),
        )
        self.binding_table = _table(("Input", "Action"), bindings)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(about)
        layout.addWidget(QLabel("<b>Recording controls</b> (remap them in shortcuts.json)"))
        layout.addWidget(self.shortcut_table, 3)
        layout.addWidget(QLabel(f"<b>Game keys for {env_id}</b> (Env ▸ Key map... to change)"))
        layout.addWidget(self.binding_table, 2)
        layout.addWidget(buttons)
        # Escape closes it whichever child has focus (the tables would otherwise keep it)
        close = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        close.setContext(Qt.ShortcutContext.WindowShortcut)
        close.activated.connect(self.reject)
