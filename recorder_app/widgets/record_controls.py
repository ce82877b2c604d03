"""Recording controls: record/pause/step/discard/end buttons, target fps, countdown."""

from __future__ import annotations

from collections.abc import Mapping

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtGui import QAction
from PyQt6.QtWidgets import (
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

BUTTONS = ("record", "pause", "step", "discard", "end_episode", "wait_for_input")
MIN_FPS, MAX_FPS = 1, 1000


class RecordingControls(QWidget):
    """Buttons bound to the window's actions (menus, shortcuts, buttons agree), fps, countdown.

    Signals:
        fps_changed(float): the user set a target fps.
        countdown_changed(float): the user set the countdown before each episode (seconds).
    """

    fps_changed = pyqtSignal(float)
    countdown_changed = pyqtSignal(float)

    def __init__(self, actions: Mapping[str, QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        buttons_row = QHBoxLayout()
        self.buttons: dict[str, QToolButton] = {}
        for name in BUTTONS:
            button = QToolButton()
            button.setDefaultAction(actions[name])
            button.setAutoRaise(False)
            self.buttons[name] = button
            buttons_row.addWidget(button)
        buttons_row.addStretch(1)
        self.fps_box = QSpinBox()
        self.fps_box.setRange(MIN_FPS, MAX_FPS)
        self.fps_box.setSuffix(" fps")
        self.fps_box.setToolTip("Target steps per second: 1 for slow motion, above native to rush")
        self.fps_box.setKeyboardTracking(False)
        self.native_button = QPushButton("native")
        self.native_button.setToolTip("The env's own speed (render_fps)")
        self.countdown_box = QDoubleSpinBox()
        self.countdown_box.setRange(0.0, 10.0)
        self.countdown_box.setSingleStep(1.0)
        self.countdown_box.setDecimals(0)
        self.countdown_box.setSuffix(" s")
        self.countdown_box.setToolTip("Countdown before each recorded episode")
        settings_row = QHBoxLayout()
        settings_row.addWidget(QLabel("Speed"))
        settings_row.addWidget(self.fps_box)
        settings_row.addWidget(self.native_button)
        settings_row.addSpacing(12)
        settings_row.addWidget(QLabel("Countdown"))
        settings_row.addWidget(self.countdown_box)
        settings_row.addStretch(1)
        self._settings_row = settings_row
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons_row)
        layout.addLayout(settings_row)
        self._native = 30.0
        self.fps_box.valueChanged.connect(lambda v: self.fps_changed.emit(float(v)))
        self.countdown_box.valueChanged.connect(lambda v: self.countdown_changed.emit(float(v)))
        self.native_button.clicked.connect(lambda: self.fps_box.setValue(round(self._native)))

    def add_to_settings_row(self, widget: QWidget) -> None:
        """Put `widget` at the right end of the speed row (not beside the wide buttons row)."""
        self._settings_row.addWidget(widget)

    def set_native_fps(self, fps: float | None) -> None:
        """Tell the controls the env's own speed (for the 'native' button)."""
        self._native = fps or 30.0
        self.native_button.setText(f"native ({self._native:g})")

    def set_fps(self, fps: float) -> None:
        """Show a target fps without emitting `fps_changed`."""
        self.fps_box.blockSignals(True)
        self.fps_box.setValue(round(fps))
        self.fps_box.blockSignals(False)

    def set_countdown(self, seconds: float) -> None:
        """Show a countdown without emitting `countdown_changed`."""
        self.countdown_box.blockSignals(True)
        self.countdown_box.setValue(seconds)
        self.countdown_box.blockSignals(False)

    def set_recording(self, recording: bool) -> None:
        """Colour the record button while recording."""
        style = "QToolButton{background:#c62828;color:white;font-weight:bold;}" if recording else ""
        self.buttons["record"].setStyleSheet(style)
