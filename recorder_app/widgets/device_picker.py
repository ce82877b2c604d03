"""The gamepad picker: which connected gamepad drives the env (the keyboard always does)."""

from __future__ import annotations

from collections.abc import Sequence

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

NO_GAMEPAD = "Keyboard only"


class DevicePicker(QWidget):
    """A combo box listing connected gamepads; refreshed on hot-plug.

    Signals:
        device_selected(int): index of the chosen gamepad in the last list given, -1 for none.
    """

    device_selected = pyqtSignal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.combo = QComboBox()
        self.combo.setMinimumContentsLength(18)
        self.combo.setToolTip("Gamepads are detected when plugged in; the keyboard always works")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Gamepad"))
        layout.addWidget(self.combo)
        self.set_devices([], None)
        self.combo.activated.connect(lambda row: self.device_selected.emit(row - 1))

    def set_devices(self, names: Sequence[str], active: int | None) -> None:
        """List the gamepads and mark the active one (None: keyboard only)."""
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItem(NO_GAMEPAD)
        self.combo.addItems(list(names))
        self.combo.setCurrentIndex(0 if active is None else active + 1)
        self.combo.blockSignals(False)

    def names(self) -> list[str]:
        """The gamepads listed now."""
        return [self.combo.itemText(i) for i in range(1, self.combo.count())]
