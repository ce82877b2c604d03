"""The key map editor: rebind an env's keys or pad inputs, test the pad live, save the map."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import gymnasium as gym
from PyQt6.QtCore import QEvent, QObject, Qt
from PyQt6.QtGui import QBrush, QColor, QKeyEvent
from PyQt6.QtWidgets import (
    QApplication,
    QCheckBox,
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
from recorder_app.input import settings
from recorder_app.input.atari import KeyHints
from recorder_app.input.bindings import AxisBinding, Bindings, KeyBinding, save_user_bindings
from recorder_app.input.keymaps import default_bindings, load_bindings
from recorder_app.input.keys import key_name_from_qt
from recorder_app.input.names import is_pad_name, is_raw_pad_name
from recorder_app.widgets.pad_tester import PadTester

CONFLICT = QBrush(QColor(255, 200, 200))


class KeymapEditor(QDialog):
    """Edit the inputs of one env: select a row, press Rebind (or Enter), press a key or pad input.

    Rows: one per Discrete action binding, or one per side of each Box axis. Inputs bound in
    contradictory ways are shaded and listed. With a gamepad manager, a live tester shows the
    pad, and a pad input pressed while rebinding is captured by its standard name. Save writes
    the user's bindings file.

    Args:
        hints: the env's own key table (ALE games), for the defaults.
        gamepads: the app's `GamepadManager` (polled by the session); None: no tester.
    """

    def __init__(
        self,
        env_id: str,
        action_space: gym.Space[Any],
        parent: QWidget | None = None,
        hints: KeyHints | None = None,
        gamepads: Any = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Key map: {env_id}")
        self.env_id = env_id
        self.action_space = action_space
        self.hints = hints
        self.gamepads = gamepads
        self.bindings = load_bindings(env_id, action_space, hints)
        self._capturing: int | None = None
        self._pad_baseline: frozenset[str] = frozenset()
        self.table = QTableWidget(0, 2, self)
        self.table.setHorizontalHeaderLabels(["Keys", "Does"])
        header = self.table.horizontalHeader()
        assert header is not None  # a QTableWidget always has one
        header.setStretchLastSection(True)
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
        self.raw_notice = QLabel(self)
        self.raw_notice.setWordWrap(True)
        self.convert_button = QPushButton("Use standard pad names", self)
        self.convert_button.clicked.connect(self.convert_to_standard)
        layout.addWidget(self.raw_notice)
        layout.addWidget(self.convert_button)
        self.tester: PadTester | None = None
        self.rumble_box: QCheckBox | None = None
        if gamepads is not None:
            self.tester = PadTester(gamepads, self)
            self.tester.inputs_changed.connect(self._on_tester_inputs_changed)
            self.rumble_box = QCheckBox(
                "Rumble when recording starts and when an episode is saved", self
            )
            self.rumble_box.setChecked(settings.load().rumble)
            self.rumble_box.toggled.connect(self._on_rumble_toggled)
            layout.addWidget(self.tester)
            layout.addWidget(self.rumble_box)
        layout.addWidget(buttons)
        self.resize(560, 640 if gamepads is not None else 420)
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
        raw = self.bindings.raw_pad_names()
        self.raw_notice.setText(
            f"This map uses raw pad inputs ({', '.join(raw)}): they still work, but mean "
            "different buttons on different pads. The standard names mean the same on every pad."
            if raw
            else ""
        )
        self.raw_notice.setVisible(bool(raw))
        self.convert_button.setVisible(bool(raw))

    def convert_to_standard(self) -> None:
        """Rename raw pad inputs to SDL's standard layout (in the order earlier maps assumed)."""
        self.bindings = self.bindings.to_standard()
        self._refresh()

    def start_capture(self, row: int) -> None:
        """Wait for the next key press to rebind `row`."""
        if row < 0:
            return
        self._capturing = row
        self._pad_baseline = (
            self.tester.shown_state_names() if self.tester is not None else frozenset()
        )
        self.table.selectRow(row)
        self.status.setText("Press the new key or pad input (Esc cancels)...")
        # Arrows, Space, Tab and Enter would otherwise move focus or click the focused button
        # before the dialog sees them: while capturing, every key press comes here first.
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def _stop_capture_filter(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def eventFilter(self, watched: QObject | None, event: QEvent | None) -> bool:
        """While capturing, take every key press (arrows and Space included) as the new key."""
        if self._capturing is None or event is None:
            return False
        if event.type() == QEvent.Type.ShortcutOverride:
            event.accept()
            return True
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if event.isAutoRepeat():
                return True
            self._capture_key(event)
            return True
        return event.type() == QEvent.Type.KeyRelease

    def _on_tester_inputs_changed(self, held: frozenset[str]) -> None:
        """While capturing, a pad input pressed now (not held before) becomes the row's input."""
        if self._capturing is None:
            self._pad_baseline = held
            return
        new = sorted(n for n in held - self._pad_baseline if is_pad_name(n))
        self._pad_baseline &= held
        if not new:
            return
        standard = [n for n in new if not is_raw_pad_name(n)]
        row, self._capturing = self._capturing, None
        self._stop_capture_filter()
        self.set_row_keys(row, ((standard or new)[0],))

    def _on_rumble_toggled(self, on: bool) -> None:
        settings.save(settings.InputSettings(rumble=on))
        if self.gamepads is not None:
            self.gamepads.rumble_enabled = on

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
        self._capture_key(event)

    def _capture_key(self, event: QKeyEvent) -> None:
        """Bind the row being captured to the pressed key (Esc cancels)."""
        if self._capturing is None:
            return
        row, self._capturing = self._capturing, None
        self._stop_capture_filter()
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

    def done(self, result: int) -> None:
        """Close, leaving no key filter behind."""
        self._capturing = None
        self._stop_capture_filter()
        super().done(result)

    def reset_to_defaults(self) -> None:
        """Go back to the shipped bindings (or the game's own, or generic), ignoring the user's."""
        self.bindings = default_bindings(self.env_id, self.action_space, self.hints)
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
