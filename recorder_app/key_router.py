"""Window-level keyboard capture: key events anywhere in one window go to the human player."""

from __future__ import annotations

from typing import Protocol

from PyQt6.QtCore import QEvent, QObject, Qt
from PyQt6.QtGui import QKeyEvent
from PyQt6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from recorder_app.input.keys import key_name_from_qt

SHORTCUT_MODIFIERS = (
    Qt.KeyboardModifier.ControlModifier
    | Qt.KeyboardModifier.AltModifier
    | Qt.KeyboardModifier.MetaModifier
)
TEXT_ENTRY = (QLineEdit, QAbstractSpinBox, QTextEdit, QPlainTextEdit)


class KeyTarget(Protocol):
    """What receives key names: the player controller, which forwards to its `HumanExpert`."""

    def press_key(self, name: str) -> bool:
        """Press a key; True when it is a game key (the event is then consumed)."""
        ...

    def release_key(self, name: str) -> bool:
        """Release a key; True when it is a game key."""
        ...

    def release_all_keys(self) -> None:
        """Forget every held key (the window lost focus)."""
        ...


class KeyRouter(QObject):
    """An application event filter that sends one window's key events to a `KeyTarget`.

    Installed on the QApplication, it sees key events whichever child has focus, so the game
    keeps its keys when a button or the episode list was clicked last. It leaves alone: keys
    typed into a text field, keys pressed with Ctrl/Alt/Meta (the app's shortcuts), and keys
    no binding uses. Auto-repeat is swallowed for game keys (a held key is one press).
    """

    def __init__(self, window: QWidget, target: KeyTarget) -> None:
        super().__init__(window)
        self._window = window
        self._target = target

    def install(self) -> None:
        """Start filtering (Qt drops the filter when the router goes with its window)."""
        app = QApplication.instance()
        assert app is not None
        app.installEventFilter(self)

    def eventFilter(self, obj: QObject | None, event: QEvent | None) -> bool:
        """Route game keys; release everything when the window loses focus."""
        if event is None:
            return False
        kind = event.type()
        if kind == QEvent.Type.WindowDeactivate and obj is self._window:
            self._target.release_all_keys()
            return False
        if kind not in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            return False
        if not isinstance(obj, QWidget) or obj.window() is not self._window:
            return False
        assert isinstance(event, QKeyEvent)
        press = kind == QEvent.Type.KeyPress
        if press and (event.modifiers() & SHORTCUT_MODIFIERS or _typing(obj)):
            return False
        name = key_name_from_qt(event.key(), event.modifiers())
        if name is None:
            return False
        if event.isAutoRepeat():
            return self._is_game_key(name)
        if press:
            return self._target.press_key(name)
        return self._target.release_key(name)

    def _is_game_key(self, name: str) -> bool:
        handles = getattr(self._target, "handles_key", None)
        return bool(handles(name)) if callable(handles) else False


def _typing(obj: QWidget) -> bool:
    """True when keys go into a text field (the env id, the kwargs, a spin box)."""
    focus = QApplication.focusWidget() or obj
    return any(
        isinstance(w, TEXT_ENTRY) or (isinstance(w, QComboBox) and w.isEditable())
        for w in (focus, obj)
    )
