"""A virtual joystick attached through SDL itself, so tests drive the real gamepad code.

Uses ctypes on the SDL2 library that pygame-ce bundles (the one pygame has loaded, so pygame
sees the device as real: JOYDEVICEADDED/REMOVED, axes, buttons and hats).
"""

from __future__ import annotations

import ctypes
from pathlib import Path
from typing import Any

_HAT_BITS = {
    (0, 0): 0,
    (0, 1): 1,
    (1, 0): 2,
    (0, -1): 4,
    (-1, 0): 8,
    (1, 1): 3,
    (1, -1): 6,
    (-1, -1): 12,
    (-1, 1): 9,
}


def _sdl() -> Any:
    import pygame

    libs = Path(pygame.__file__).resolve().parent.parent / "pygame_ce.libs"
    candidates = sorted(libs.glob("libSDL2-2*.so*")) + sorted(
        Path(pygame.__file__).resolve().parent.glob("libSDL2-2*.so*")
    )
    if not candidates:
        raise RuntimeError(f"pygame's SDL2 library not found near {pygame.__file__}")
    lib = ctypes.CDLL(str(candidates[0]))
    lib.SDL_JoystickAttachVirtual.restype = ctypes.c_int
    lib.SDL_JoystickAttachVirtual.argtypes = [ctypes.c_int] * 4
    lib.SDL_JoystickOpen.restype = ctypes.c_void_p
    lib.SDL_JoystickOpen.argtypes = [ctypes.c_int]
    lib.SDL_JoystickClose.argtypes = [ctypes.c_void_p]
    lib.SDL_JoystickInstanceID.restype = ctypes.c_int
    lib.SDL_JoystickInstanceID.argtypes = [ctypes.c_void_p]
    lib.SDL_JoystickSetVirtualAxis.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int16]
    lib.SDL_JoystickSetVirtualButton.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint8]
    lib.SDL_JoystickSetVirtualHat.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint8]
    lib.SDL_JoystickDetachVirtual.argtypes = [ctypes.c_int]
    lib.SDL_JoystickGetDeviceInstanceID.restype = ctypes.c_int
    lib.SDL_JoystickGetDeviceInstanceID.argtypes = [ctypes.c_int]
    lib.SDL_NumJoysticks.restype = ctypes.c_int
    lib.SDL_GetError.restype = ctypes.c_char_p
    return lib


class VirtualJoystick:
    """An SDL virtual joystick: attach, move its axes, press its buttons, unplug it.

    Args:
        naxes: axes (values in [-1, 1]).
        nbuttons: buttons.
        nhats: hats (d-pads).
        gamecontroller: attach as a game controller (SDL type 1) rather than a plain joystick.

    Raises:
        RuntimeError: SDL refused to attach it.
    """

    def __init__(
        self, naxes: int = 6, nbuttons: int = 12, nhats: int = 1, gamecontroller: bool = False
    ) -> None:
        import pygame

        pygame.display.init()
        pygame.joystick.init()
        self._lib = _sdl()
        index = self._lib.SDL_JoystickAttachVirtual(
            1 if gamecontroller else 0, naxes, nbuttons, nhats
        )
        if index < 0:
            raise RuntimeError(
                f"SDL could not attach a virtual joystick: {self._lib.SDL_GetError()!r}"
            )
        self._joy = self._lib.SDL_JoystickOpen(index)
        self.instance_id = int(self._lib.SDL_JoystickInstanceID(self._joy))
        self.attached = True

    def set_axis(self, axis: int, value: float) -> None:
        """Move an axis to `value` in [-1, 1] (-1 maps to SDL's -32768)."""
        raw = round(max(-1.0, min(1.0, value)) * 32767) if value > -1.0 else -32768
        self._lib.SDL_JoystickSetVirtualAxis(self._joy, axis, raw)

    def set_button(self, button: int, pressed: bool) -> None:
        """Press or release a button."""
        self._lib.SDL_JoystickSetVirtualButton(self._joy, button, 1 if pressed else 0)

    def set_hat(self, hat: int, direction: tuple[int, int]) -> None:
        """Set a hat to (x, y), each in {-1, 0, 1} (y = 1 is up)."""
        self._lib.SDL_JoystickSetVirtualHat(self._joy, hat, _HAT_BITS[direction])

    def detach(self) -> None:
        """Unplug the joystick (pygame sees JOYDEVICEREMOVED)."""
        if not self.attached:
            return
        self._lib.SDL_JoystickClose(self._joy)
        for index in range(self._lib.SDL_NumJoysticks()):
            if self._lib.SDL_JoystickGetDeviceInstanceID(index) == self.instance_id:
                self._lib.SDL_JoystickDetachVirtual(index)
                break
        self.attached = False
