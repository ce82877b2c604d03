"""Human input: keyboard and gamepad state turned into actions, with bindings kept as data.

Importing this package loads neither Qt nor SDL: Qt key codes are translated in
`recorder_app.input.keys` (the Qt edge), and pygame is imported when a `GamepadManager` is made.
"""

from recorder_app.input.bindings import (
    AxisBinding,
    Bindings,
    BindingsError,
    KeyBinding,
    PadAxisBinding,
    save_user_bindings,
    user_config_dir,
)
from recorder_app.input.gamepad import GamepadEvent, GamepadManager, GamepadState
from recorder_app.input.human import HumanExpert
from recorder_app.input.keymaps import default_bindings, generic_bindings, load_bindings

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
    "default_bindings",
    "generic_bindings",
    "load_bindings",
    "save_user_bindings",
    "user_config_dir",
]
