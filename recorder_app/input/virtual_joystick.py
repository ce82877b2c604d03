"""A virtual joystick attached through SDL itself, so tests drive the real gamepad code.

Uses ctypes on the SDL2 library that pygame-ce bundles (the one pygame has loaded, so pygame
sees the device as real: JOYDEVICEADDED/REMOVED, axes, buttons, hats, and as a GameController
when attached as one). `SDL_JoystickAttachVirtualEx` gives each pad its own name (so its own
GUID, and its own mapping) and records rumble requests.
"""

from __future__ import annotations

import ctypes
from typing import Any

from recorder_app.input import sdl

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
_RUMBLE = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_uint16, ctypes.c_uint16)
_VOIDFN = ctypes.c_void_p


class _Guid(ctypes.Structure):
    """SDL_JoystickGUID, passed by value."""

    _fields_ = [("data", ctypes.c_uint8 * 16)]


class _Desc(ctypes.Structure):
    """SDL_VirtualJoystickDesc (SDL 2.24+, version 1)."""

    _fields_ = [
        ("version", ctypes.c_uint16),
        ("type", ctypes.c_uint16),
        ("naxes", ctypes.c_uint16),
        ("nbuttons", ctypes.c_uint16),
        ("nhats", ctypes.c_uint16),
        ("vendor_id", ctypes.c_uint16),
        ("product_id", ctypes.c_uint16),
        ("padding", ctypes.c_uint16),
        ("button_mask", ctypes.c_uint32),
        ("axis_mask", ctypes.c_uint32),
        ("name", ctypes.c_char_p),
        ("userdata", ctypes.c_void_p),
        ("Update", _VOIDFN),
        ("SetPlayerIndex", _VOIDFN),
        ("Rumble", _RUMBLE),
        ("RumbleTriggers", _VOIDFN),
        ("SetLED", _VOIDFN),
        ("SendEffect", _VOIDFN),
    ]


def _lib() -> Any:
    lib = sdl.library()
    lib.SDL_JoystickAttachVirtual.restype = ctypes.c_int
    lib.SDL_JoystickAttachVirtual.argtypes = [ctypes.c_int] * 4
    lib.SDL_JoystickAttachVirtualEx.restype = ctypes.c_int
    lib.SDL_JoystickAttachVirtualEx.argtypes = [ctypes.POINTER(_Desc)]
    lib.SDL_JoystickOpen.restype = ctypes.c_void_p
    lib.SDL_JoystickOpen.argtypes = [ctypes.c_int]
    lib.SDL_JoystickClose.argtypes = [ctypes.c_void_p]
    lib.SDL_JoystickInstanceID.restype = ctypes.c_int
    lib.SDL_JoystickInstanceID.argtypes = [ctypes.c_void_p]
    lib.SDL_JoystickGetGUIDString.argtypes = [_Guid, ctypes.c_char_p, ctypes.c_int]
    lib.SDL_JoystickGetGUID.restype = _Guid
    lib.SDL_JoystickGetGUID.argtypes = [ctypes.c_void_p]
    lib.SDL_JoystickSetVirtualAxis.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int16]
    lib.SDL_JoystickSetVirtualButton.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint8]
    lib.SDL_JoystickSetVirtualHat.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint8]
    lib.SDL_JoystickDetachVirtual.argtypes = [ctypes.c_int]
    lib.SDL_JoystickGetDeviceInstanceID.restype = ctypes.c_int
    lib.SDL_JoystickGetDeviceInstanceID.argtypes = [ctypes.c_int]
    lib.SDL_NumJoysticks.restype = ctypes.c_int
    return lib


class VirtualJoystick:
    """An SDL virtual joystick: attach, move its axes, press its buttons, unplug it.

    Args:
        naxes: axes (values in [-1, 1]).
        nbuttons: buttons.
        nhats: hats (d-pads).
        gamecontroller: attach as a game controller (SDL type 1) rather than a plain joystick.
        name: the device's name; None: SDL's default ("Virtual Joystick"/"Virtual Controller").
            A name gives the pad its own GUID, so it can have its own mapping.
        mapping: the rest of an SDL mapping line ("a:b0,b:b1,...") added for this pad's GUID.

    Raises:
        RuntimeError: SDL refused to attach it.
        ValueError: SDL refused the mapping.
    """

    def __init__(
        self,
        naxes: int = 6,
        nbuttons: int = 12,
        nhats: int = 1,
        gamecontroller: bool = False,
        name: str | None = None,
        mapping: str | None = None,
    ) -> None:
        import pygame

        pygame.display.init()
        pygame.joystick.init()
        self._lib = _lib()
        self.rumbles: list[tuple[int, int]] = []
        """Rumble requests SDL passed to the device: (low, high) strengths, 0..65535."""
        if name is None:
            index = self._lib.SDL_JoystickAttachVirtual(
                1 if gamecontroller else 0, naxes, nbuttons, nhats
            )
        else:
            self._name = name.encode("utf-8")
            self._rumble_cb = _RUMBLE(self._on_rumble)  # kept alive as long as the pad
            desc = _Desc(
                version=1,
                type=1 if gamecontroller else 0,
                naxes=naxes,
                nbuttons=nbuttons,
                nhats=nhats,
                name=self._name,
                Rumble=self._rumble_cb,
            )
            index = self._lib.SDL_JoystickAttachVirtualEx(ctypes.byref(desc))
        if index < 0:
            raise RuntimeError(
                f"SDL could not attach a virtual joystick: {self._lib.SDL_GetError()!r}"
            )
        self._joy = self._lib.SDL_JoystickOpen(index)
        self.instance_id = int(self._lib.SDL_JoystickInstanceID(self._joy))
        self.attached = True
        if mapping is not None:
            sdl.add_mapping(f"{self.guid},{name or 'Virtual'},{mapping}")

    def _on_rumble(self, _userdata: Any, low: int, high: int) -> int:
        self.rumbles.append((int(low), int(high)))
        return 0

    @property
    def guid(self) -> str:
        """SDL's GUID string of this device (the first field of its mapping line)."""
        buffer = ctypes.create_string_buffer(33)
        self._lib.SDL_JoystickGetGUIDString(self._lib.SDL_JoystickGetGUID(self._joy), buffer, 33)
        return buffer.value.decode("ascii")

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
        self.attached = False
        for index in range(self._lib.SDL_NumJoysticks()):
            if self._lib.SDL_JoystickGetDeviceInstanceID(index) == self.instance_id:
                self._lib.SDL_JoystickClose(self._joy)
                self._lib.SDL_JoystickDetachVirtual(index)
                return
        # gone already: SDL was shut down (pygame.quit()) and freed it; nothing to close
