"""Input names: keyboard keys, SDL's standard gamepad layout, and raw joystick indices.

Pure data, no Qt and no SDL. A gamepad read through SDL's GameController API has one standard
layout whatever its make (`Pad:A`, `Pad:DpadLeft`, `Pad:LeftX-`, `Pad:RightTrigger`); a device
SDL has no mapping for is read raw (`Pad:Button3`, `Pad:Hat0Left`, `Pad:Axis2+`).
"""

from __future__ import annotations

import re

KEY_NAMES = frozenset(
    {"Left", "Right", "Up", "Down", "Space", "Return", "Tab", "Shift", "Backspace"}
    | {",", ".", "/", ";", "-", "=", "[", "]"}
    | {chr(c) for c in range(ord("A"), ord("Z") + 1)}
    | {str(d) for d in range(10)}
    | {f"F{i}" for i in range(1, 13)}
)
"""Keyboard key names a binding may use (chords with Ctrl/Alt/Meta belong to the app)."""

BUTTONS = (
    "A",
    "B",
    "X",
    "Y",
    "Back",
    "Guide",
    "Start",
    "LeftStick",
    "RightStick",
    "LeftShoulder",
    "RightShoulder",
    "DpadUp",
    "DpadDown",
    "DpadLeft",
    "DpadRight",
)
"""SDL's standard buttons, in SDL_GameControllerButton order (A is the bottom face button)."""

STICKS = ("LeftX", "LeftY", "RightX", "RightY")
"""Stick axes, -1..1 (Y is positive downwards, as SDL reports it)."""

TRIGGERS = ("LeftTrigger", "RightTrigger")
"""Trigger axes, 0 at rest to 1 fully pulled."""

AXES = STICKS + TRIGGERS
"""SDL's standard axes, in SDL_GameControllerAxis order."""

_RAW_HELD = re.compile(r"^Pad:(Button\d+|Hat\d+(Left|Right|Up|Down)|Axis\d+[+-])$")
_STANDARD_HELD = frozenset(
    {f"Pad:{b}" for b in BUTTONS}
    | {f"Pad:{s}{sign}" for s in STICKS for sign in "+-"}
    | {f"Pad:{t}" for t in TRIGGERS}
)
_RAW_AXIS = re.compile(r"^Axis\d+$")

DEFAULT_PAD_KEYS = {
    "Pad:DpadLeft": "Left",
    "Pad:DpadRight": "Right",
    "Pad:DpadUp": "Up",
    "Pad:DpadDown": "Down",
    "Pad:LeftX-": "Left",
    "Pad:LeftX+": "Right",
    "Pad:LeftY-": "Up",
    "Pad:LeftY+": "Down",
    "Pad:A": "Space",
}
"""Pad inputs read as keys in every Discrete map: d-pad and left stick as arrows, A as Space."""


def is_pad_name(name: str) -> bool:
    """True for a gamepad input that can be held: standard ("Pad:A") or raw ("Pad:Button0")."""
    return name in _STANDARD_HELD or bool(_RAW_HELD.match(name))


def is_raw_pad_name(name: str) -> bool:
    """True for a raw joystick input name ("Pad:Button0", "Pad:Hat0Left", "Pad:Axis1-")."""
    return bool(_RAW_HELD.match(name))


def is_input_name(name: str) -> bool:
    """True for a key name (see KEY_NAMES) or a gamepad input name."""
    return name in KEY_NAMES or is_pad_name(name)


def is_pad_axis(name: str) -> bool:
    """True for an axis a Box dimension can follow: "LeftX" ... "RightTrigger", or raw "Axis3"."""
    return name in AXES or bool(_RAW_AXIS.match(name))


# The layout the raw-index maps of earlier versions assumed: SDL's own GameController order,
# which is also XInput's (axes 0-3 sticks, 4-5 triggers resting at -1; hat 0 the d-pad).
_RAW_BUTTON = {f"Pad:Button{i}": f"Pad:{b}" for i, b in enumerate(BUTTONS)}
_RAW_HAT = {f"Pad:Hat0{d}": f"Pad:Dpad{d}" for d in ("Left", "Right", "Up", "Down")}
_RAW_AXIS_HELD = {f"Pad:Axis{i}{s}": f"Pad:{a}{s}" for i, a in enumerate(STICKS) for s in "+-"}
_RAW_AXIS_HELD |= {"Pad:Axis4+": "Pad:LeftTrigger", "Pad:Axis5+": "Pad:RightTrigger"}
RAW_TO_STANDARD = _RAW_BUTTON | _RAW_HAT | _RAW_AXIS_HELD
"""Raw input names of earlier key maps and their standard equivalents (XInput order)."""
RAW_AXIS_TO_STANDARD = {f"Axis{i}": a for i, a in enumerate(AXES)}
"""Raw axis indices of earlier key maps and their standard axes (XInput order)."""
