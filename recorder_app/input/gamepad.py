"""Gamepads and joysticks through pygame-ce (SDL2): hot-plug, selection, state snapshots.

SDL's event pump runs on one thread: `poll()` is meant for a timer on the GUI thread (~60 Hz).
It refreshes an immutable `GamepadState` snapshot that other threads (the env worker, through
`HumanExpert`) read without locks.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GamepadEvent:
    """A pad was plugged in ("added") or unplugged ("removed")."""

    kind: str
    name: str
    instance_id: int


@dataclass(frozen=True)
class GamepadState:
    """One reading of the active pad: axes in [-1, 1], buttons 0/1, hats (x, y)."""

    name: str
    axes: tuple[float, ...] = ()
    buttons: tuple[int, ...] = ()
    hats: tuple[tuple[int, int], ...] = ()

    def input_names(self, threshold: float = 0.5) -> frozenset[str]:
        """Held inputs as names: "Pad:Button0", "Pad:Hat0Left", "Pad:Axis1-"."""
        names = {f"Pad:Button{i}" for i, b in enumerate(self.buttons) if b}
        for h, (x, y) in enumerate(self.hats):
            if x < 0:
                names.add(f"Pad:Hat{h}Left")
            if x > 0:
                names.add(f"Pad:Hat{h}Right")
            if y > 0:
                names.add(f"Pad:Hat{h}Up")
            if y < 0:
                names.add(f"Pad:Hat{h}Down")
        for i, value in enumerate(self.axes):
            if value >= threshold:
                names.add(f"Pad:Axis{i}+")
            elif value <= -threshold:
                names.add(f"Pad:Axis{i}-")
        return frozenset(names)

    def axis_map(self) -> dict[int, float]:
        """Axis readings by index."""
        return dict(enumerate(self.axes))


class GamepadManager:
    """Owns pygame's joystick subsystem: lists pads, follows hot-plug, reads the selected one.

    Unplugging the selected pad leaves `active` None and remembers its name; when a pad of that
    name comes back it is selected again.
    """

    def __init__(self) -> None:
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
        os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
        import pygame

        self._pg = pygame
        pygame.display.init()  # joystick events need the video subsystem; no window is made
        pygame.joystick.init()
        self._pads: dict[int, Any] = {}
        self._active_id: int | None = None
        self._wanted: str | None = None
        self._state: GamepadState | None = None
        # pads already plugged in raise no hot-plug event later: the first poll reports them
        opened = (self._open(index) for index in range(pygame.joystick.get_count()))
        self._startup: list[GamepadEvent] = [e for e in opened if e is not None]

    def _open(self, device_index: int) -> GamepadEvent | None:
        try:
            pad = self._pg.joystick.Joystick(device_index)
        except self._pg.error as exc:
            log.warning("cannot open gamepad %d: %s", device_index, exc)
            return None
        iid = int(pad.get_instance_id())
        if iid in self._pads:
            return None
        self._pads[iid] = pad
        return GamepadEvent("added", str(pad.get_name()), iid)

    def poll(self) -> list[GamepadEvent]:
        """Pump SDL events; return hot-plug events; refresh the state snapshot. Never raises."""
        pg = self._pg
        events, self._startup = self._startup, []
        try:
            for event in pg.event.get():
                if event.type == pg.JOYDEVICEADDED:
                    added = self._open(event.device_index)
                    if added is not None:
                        events.append(added)
                        if self._active_id is None and added.name == self._wanted:
                            self._active_id = added.instance_id
                elif event.type == pg.JOYDEVICEREMOVED:
                    pad = self._pads.pop(int(event.instance_id), None)
                    name = str(pad.get_name()) if pad is not None else "gamepad"
                    events.append(GamepadEvent("removed", name, int(event.instance_id)))
                    if event.instance_id == self._active_id:
                        self._active_id = None
            self._state = self._read()
        except pg.error as exc:  # a pad vanishing mid-read must not take the app down
            log.warning("gamepad read failed: %s", exc)
            self._state = None
        return events

    def _read(self) -> GamepadState | None:
        pad = self._pads.get(self._active_id) if self._active_id is not None else None
        if pad is None:
            return None
        return GamepadState(
            name=str(pad.get_name()),
            axes=tuple(float(pad.get_axis(i)) for i in range(pad.get_numaxes())),
            buttons=tuple(int(pad.get_button(i)) for i in range(pad.get_numbuttons())),
            hats=tuple(tuple(pad.get_hat(i)) for i in range(pad.get_numhats())),  # type: ignore[misc]
        )

    def devices(self) -> list[str]:
        """Names of the connected pads, in a stable order."""
        return [str(self._pads[i].get_name()) for i in sorted(self._pads)]

    def select(self, index: int | None) -> None:
        """Use pad `index` of `devices()`; None: keyboard only."""
        ids = sorted(self._pads)
        if index is None or not 0 <= index < len(ids):
            self._active_id = None
            self._wanted = None
        else:
            self._active_id = ids[index]
            self._wanted = str(self._pads[ids[index]].get_name())
        self._state = self._read()

    @property
    def active(self) -> str | None:
        """Name of the selected pad, None when none is (or it was unplugged)."""
        pad = self._pads.get(self._active_id) if self._active_id is not None else None
        return None if pad is None else str(pad.get_name())

    @property
    def wanted(self) -> str | None:
        """Name of the pad the user chose, even while it is unplugged."""
        return self._wanted

    def state(self) -> GamepadState | None:
        """The latest snapshot of the selected pad (thread-safe: an immutable object)."""
        return self._state

    def close(self) -> None:
        """Release the joystick subsystem."""
        self._pads.clear()
        self._active_id = None
        self._state = None
        self._pg.joystick.quit()
