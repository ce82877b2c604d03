"""The live gamepad tester: every axis as a bar, every button and d-pad direction lighting up.

It reads the snapshots the session's poll timer refreshes (it never calls SDL itself), so it
shows exactly what the env would get.
"""

from __future__ import annotations

from typing import Any

from PyQt6.QtCore import QTimer, pyqtSignal
from PyQt6.QtWidgets import QGridLayout, QGroupBox, QLabel, QProgressBar, QVBoxLayout, QWidget

from recorder_app.input.gamepad import GamepadState
from recorder_app.input.names import AXES, BUTTONS, TRIGGERS

REFRESH_MS = 33
LIT = "background: #3c8d40; color: white; border-radius: 3px; padding: 1px 4px;"
DARK = "background: #e4e4e4; color: #555; border-radius: 3px; padding: 1px 4px;"


class PadTester(QGroupBox):
    """Shows one pad live: its SDL name, whether SDL has a mapping for it, axes and buttons.

    Shows the selected pad, else the first connected one. Raw inputs are listed too, so a pad
    SDL does not know can still be bound (and a mapping written for it).

    Signals:
        inputs_changed(frozenset): the held input names of the shown pad, when they change.
    """

    inputs_changed = pyqtSignal(frozenset)

    def __init__(self, gamepads: Any, parent: QWidget | None = None) -> None:
        super().__init__("Gamepad tester", parent)
        self.gamepads = gamepads
        self.pad_label = QLabel("No gamepad connected.", self)
        self.pad_label.setWordWrap(True)
        self.bars: dict[str, QProgressBar] = {}
        self.lights: dict[str, QLabel] = {}
        self.raw = QLabel("", self)
        self.raw.setWordWrap(True)
        axes = QGridLayout()
        for i, name in enumerate(AXES):
            bar = QProgressBar(self)
            bar.setRange(0 if name in TRIGGERS else -100, 100)
            bar.setValue(0)
            bar.setFormat(f"{name} %v")
            self.bars[name] = bar
            axes.addWidget(bar, i // 2, i % 2)
        buttons = QGridLayout()
        for i, name in enumerate(BUTTONS):
            light = QLabel(name, self)
            light.setStyleSheet(DARK)
            self.lights[f"Pad:{name}"] = light
            buttons.addWidget(light, i // 5, i % 5)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pad_label)
        layout.addLayout(axes)
        layout.addLayout(buttons)
        layout.addWidget(self.raw)
        self._held: frozenset[str] = frozenset()
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.refresh()

    def shown_state(self) -> GamepadState | None:
        """The state on display: the selected pad's, else the first connected pad's."""
        state = self.gamepads.state()
        if state is None:
            states = self.gamepads.states()
            state = states[0] if states else None
        return state  # type: ignore[no-any-return]

    def refresh(self) -> None:
        """Redraw from the latest snapshot."""
        state = self.shown_state()
        if state is None:
            self.pad_label.setText("No gamepad connected: plug one in (it is picked up at once).")
            held: frozenset[str] = frozenset()
            for bar in self.bars.values():  # not the unplugged pad's last readings
                bar.setValue(0)
            self.raw.setText("")
        else:
            how = (
                "mapped by SDL: standard layout"
                if state.mapped
                else "not mapped: read raw (add a mapping line to gamecontrollerdb.txt in the "
                "config folder)"
            )
            self.pad_label.setText(f"{state.name} — {how}. GUID {state.guid}")
            held = state.input_names()
            for name, bar in self.bars.items():
                bar.setValue(round(100 * state.axes.get(name, 0.0)))
            raw = [f"Axis{i} {v:+.2f}" for i, v in enumerate(state.raw_axes)]
            raw += [n.removeprefix("Pad:") for n in sorted(held) if _is_raw(n)]
            self.raw.setText("Raw: " + ", ".join(raw))
        for name, light in self.lights.items():
            light.setStyleSheet(LIT if name in held else DARK)
        if held != self._held:
            self._held = held
            self.inputs_changed.emit(held)

    def shown_state_names(self) -> frozenset[str]:
        """Inputs held on the shown pad right now."""
        state = self.shown_state()
        return state.input_names() if state is not None else frozenset()

    def lit(self) -> set[str]:
        """Standard buttons shown as held (for tests and screenshots)."""
        return {n for n, light in self.lights.items() if light.styleSheet() == LIT}


def _is_raw(name: str) -> bool:
    rest = name.removeprefix("Pad:")
    return rest.startswith(("Button", "Hat"))
