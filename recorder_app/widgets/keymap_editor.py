"""The key map editor: rebind an env's keys, see conflicts, save to the user's config folder."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import gymnasium as gym
from PyQt6.QtCore import Qt
from PyQt6.QtGui import QBrush, QColor, QKeyEvent
from PyQt6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bc.errors import BCError
from recorder_app.input.bindings import (
    ASSETS,
    AxisBinding,
    Bindings,
    KeyBinding,
    _file_name,
    _kind,
    generic_bindings,
    load_bindings,
    read_file,
    save_user_bindings,
)
from recorder_app.input.keys import key_name_from_qt

CONFLICT = QBrush(QColor(255, 200, 200))


class KeymapEditor(QDialog):
    """Edit the keys of one env: select a row, press Rebind (or Enter), press the new key.

    Rows: one per Discrete action binding, or one per side of each Box axis. Keys bound in
    contradictory ways are shaded and listed. Save writes the user's bindings file.
    """

    def __init__(
        self, env_id: str, action_space: gym.Space[Any], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Key map: {env_id}")
        self.env_id = env_id
        self.action_space = action_space
        self.bindings = load_bindings(env_id, action_space)
        self._capturing: int | None = None
        self.table = QTableWidget(0, 2, self)
        self.table.setHorizontalHeaderLabels(["Keys", "Does"])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.cellDoubleClicked.connect(lambda row, _col: self.start_capture(row))
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        rebind = QPushButton("Rebind", self)
        rebind.clicked.connect(lambda: self.start_capture(self.table.currentRow()))
        reset = QPushButton("Reset to defaults", self)
        reset.clicked.connect(self.reset_to_defaults)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        buttons.addButton(rebind, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(reset, QDialogButtonBox.ButtonRole.ResetRole)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Source: {self.bindings.source}", self))
        layout.addWidget(self.table)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.resize(460, 420)
        self._refresh()

    # -- model ----------------------------------------------------------------------------

    def _rows(self) -> list[tuple[tuple[str, ...], str]]:
        if self.bindings.kind == "discrete":
            return [(b.keys, self.bindings.action_label(b.action)) for b in self.bindings.keys]
        rows = []
        for a in self.bindings.axes:
            rows.append((a.negative, f"{self.bindings.axis_label(a.dim)} towards low"))
            rows.append((a.positive, f"{self.bindings.axis_label(a.dim)} towards high"))
        return rows

    def set_row_keys(self, row: int, keys: tuple[str, ...]) -> None:
        """Bind row `row` to `keys` (what a captured key press does)."""
        b = self.bindings
        if b.kind == "discrete":
            items = list(b.keys)
            items[row] = KeyBinding(keys, items[row].action)
            self.bindings = replace(b, keys=tuple(items))
        else:
            axes = list(b.axes)
            axis: AxisBinding = axes[row // 2]
            axes[row // 2] = (
                replace(axis, negative=keys) if row % 2 == 0 else replace(axis, positive=keys)
            )
            self.bindings = replace(b, axes=tuple(axes))
        self._refresh()

    # -- view -----------------------------------------------------------------------------

    def _refresh(self) -> None:
        rows = self._rows()
        bad = self.bindings.conflicting_keys()
        self.table.setRowCount(len(rows))
        for i, (keys, does) in enumerate(rows):
            key_item = QTableWidgetItem("+".join(keys) or "(none)")
            does_item = QTableWidgetItem(does)
            if bad & set(keys):
                key_item.setBackground(CONFLICT)
                does_item.setBackground(CONFLICT)
            self.table.setItem(i, 0, key_item)
            self.table.setItem(i, 1, does_item)
        conflicts = self.bindings.conflicts()
        self.status.setText("Conflicts: " + "; ".join(conflicts) if conflicts else "No conflicts.")

    def start_capture(self, row: int) -> None:
        """Wait for the next key press to rebind `row`."""
        if row < 0:
            return
        self._capturing = row
        self.table.selectRow(row)
        self.status.setText("Press the new key (Esc cancels)...")

    def keyPressEvent(self, event: QKeyEvent | None) -> None:
        """While capturing, the pressed key becomes the row's key."""
        if event is None:
            return
        if self._capturing is None:
            if (
                event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                and self.table.currentRow() >= 0
            ):
                self.start_capture(self.table.currentRow())
                return
            super().keyPressEvent(event)
            return
        row, self._capturing = self._capturing, None
        if event.key() == Qt.Key.Key_Escape:
            self._refresh()
            return
        name = key_name_from_qt(event.key(), event.modifiers())
        if name is None:
            self.status.setText(
                "That key cannot be bound (Ctrl, Alt and Meta chords belong to the app)."
            )
            return
        self.set_row_keys(row, (name,))

    def reset_to_defaults(self) -> None:
        """Go back to the shipped bindings (or the generic map), ignoring the user's file."""
        path = ASSETS / _file_name(self.env_id, _kind(self.action_space))
        self.bindings = (
            read_file(path) if path.is_file() else generic_bindings(self.env_id, self.action_space)
        )
        self._refresh()

    def save(self) -> None:
        """Save to the user's config folder and close; a failure shows a dialog and stays open."""
        try:
            save_user_bindings(
                self.env_id, replace(self.bindings, env_id=self.env_id), self.action_space
            )
        except BCError as exc:
            QMessageBox.warning(self, "Cannot save key map", str(exc))
            return
        self.accept()


__all__ = ["Bindings", "KeymapEditor"]
