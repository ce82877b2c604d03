"""Human input: keyboard and gamepad state turned into actions, with bindings kept as data."""

from recorder_app.input.bindings import (
    AxisBinding,
    Bindings,
    BindingsError,
    KeyBinding,
    PadAxisBinding,
    load_bindings,
    save_user_bindings,
    user_config_dir,
)
from recorder_app.input.gamepad import GamepadEvent, GamepadManager, GamepadState
from recorder_app.input.human import HumanExpert
from recorder_app.input.keys import key_name_from_qt

__all__ = [
    "AxisBinding",
    "Bindings",
    "BindingsError",
    "GamepadEvent",
    "GamepadManager",
    "GamepadState",
    "HumanExpert",
    "KeyBinding",
    "PadAxisBinding",
    "key_name_from_qt",
    "load_bindings",
    "save_user_bindings",
    "user_config_dir",
]
