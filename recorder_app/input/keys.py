"""Our key names, and Qt key codes turned into them at the edge (the rest of input is Qt-free)."""

from __future__ import annotations

from typing import Any

from PyQt6.QtCore import Qt

_SPECIAL = {
    Qt.Key.Key_Left: "Left",
    Qt.Key.Key_Right: "Right",
    Qt.Key.Key_Up: "Up",
    Qt.Key.Key_Down: "Down",
    Qt.Key.Key_Space: "Space",
    Qt.Key.Key_Return: "Return",
    Qt.Key.Key_Enter: "Return",
    Qt.Key.Key_Tab: "Tab",
    Qt.Key.Key_Shift: "Shift",
    Qt.Key.Key_Backspace: "Backspace",
    Qt.Key.Key_Comma: ",",
    Qt.Key.Key_Period: ".",
    Qt.Key.Key_Slash: "/",
    Qt.Key.Key_Semicolon: ";",
    Qt.Key.Key_Minus: "-",
    Qt.Key.Key_Equal: "=",
    Qt.Key.Key_BracketLeft: "[",
    Qt.Key.Key_BracketRight: "]",
}

_RESERVED = (
    Qt.KeyboardModifier.ControlModifier
    | Qt.KeyboardModifier.AltModifier
    | Qt.KeyboardModifier.MetaModifier
)


def key_name_from_qt(key: int | Qt.Key, modifiers: Any = None) -> str | None:
    """Return our name of a Qt key ("Left", "A", "7", "Space"), or None.

    Keys pressed with Ctrl, Alt or Meta give None: those chords belong to the app's shortcuts,
    never to a game.
    """
    if (
        modifiers is not None
        and Qt.KeyboardModifier(int(getattr(modifiers, "value", modifiers))) & _RESERVED
    ):
        return None
    try:
        k = Qt.Key(int(getattr(key, "value", key)))
    except ValueError:
        return None
    if k in _SPECIAL:
        return _SPECIAL[k]
    code = k.value
    if ord("A") <= code <= ord("Z") or ord("0") <= code <= ord("9"):
        return chr(code)
    if Qt.Key.Key_F1.value <= code <= Qt.Key.Key_F12.value:
        return f"F{code - Qt.Key.Key_F1.value + 1}"
    return None
