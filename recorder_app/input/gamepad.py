"""Gamepads through pygame-ce (SDL2): SDL's standard controller layout, hot-plug, snapshots.

A pad SDL knows (its community mapping database, or a mapping the user added) is read through
the GameController API, so every make reads as one layout (`Pad:A`, `Pad:DpadLeft`, `LeftX`,
`RightTrigger` 0..1). Any other device is read raw (`Pad:Button3`, `Axis2`), with a best guess
of the standard names that nearly every pad shares (hat 0 the d-pad, axes 0/1 the left stick,
button 0 the bottom face button). Raw names are read for every pad, so raw-index key maps of
earlier versions keep working.

SDL's event pump runs on one thread: `poll()` is meant for a timer on the GUI thread (~60 Hz).
It refreshes immutable `GamepadState` snapshots that other threads (the env runner, through
`HumanExpert`) read without locks. Nothing here calls SDL from another thread.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from recorder_app.input.names import AXES, BUTTONS, TRIGGERS

log = logging.getLogger(__name__)

MAPPING_FILE = "gamecontrollerdb.txt"
"""The user's extra SDL mappings, in the config folder (SDL's community database format)."""
_HATS = (("Left", 0, -1), ("Right", 0, 1), ("Up", 1, 1), ("Down", 1, -1))


@dataclass(frozen=True)
class GamepadEvent:
    """A pad was plugged in ("added") or unplugged ("removed")."""

    kind: str
    name: str
    instance_id: int


@dataclass(frozen=True)
class GamepadState:
    """One reading of a pad, by input name; immutable, so any thread may read it."""

    name: str
    """The name SDL gives the pad (its controller name when mapped)."""
    mapped: bool = False
    """True when SDL reads it through a controller mapping (the standard layout is exact)."""
    guid: str = ""
    """SDL's GUID of the device: the first field of a mapping line."""
    axes: Mapping[str, float] = field(default_factory=dict)
    """Sticks ("LeftX") -1..1, triggers ("RightTrigger") 0..1, raw axes ("Axis3") -1..1."""
    pressed: frozenset[str] = frozenset()
    """Buttons and d-pad held: standard ("Pad:A", "Pad:DpadLeft") and raw ("Pad:Button0")."""
    changed_at: float = float("-inf")
    """`time.perf_counter()` of the poll that first saw this reading (new input)."""
    raw_axes: tuple[float, ...] = ()
    raw_buttons: tuple[int, ...] = ()
    raw_hats: tuple[tuple[int, int], ...] = ()

    def input_names(self, threshold: float = 0.5) -> frozenset[str]:
        """Held inputs as names: buttons, d-pad, sticks and triggers past `threshold`.

        Sticks give "Pad:LeftX-" / "Pad:Axis1+", triggers "Pad:RightTrigger".
        """
        names = set(self.pressed)
        for axis, value in self.axes.items():
            if axis in TRIGGERS:
                if value >= threshold:
                    names.add(f"Pad:{axis}")
            elif value >= threshold:
                names.add(f"Pad:{axis}+")
            elif value <= -threshold:
                names.add(f"Pad:{axis}-")
        return frozenset(names)

    def axis_map(self) -> dict[str, float]:
        """Axis readings by name."""
        return dict(self.axes)

    def same_reading(self, other: GamepadState | None, tolerance: float = 1e-3) -> bool:
        """True when `other` holds the same inputs (axes within `tolerance`)."""
        if other is None or other.pressed != self.pressed or other.axes.keys() != self.axes.keys():
            return False
        return all(abs(other.axes[k] - v) <= tolerance for k, v in self.axes.items())


@dataclass
class _Pad:
    """An open device: its joystick, its controller when SDL has a mapping, cached names."""

    instance_id: int
    name: str
    guid: str
    joystick: Any
    controller: Any | None


def _stick(value: int) -> float:
    """An SDL axis (-32768..32767) as -1..1, both ends exact."""
    return max(-1.0, min(1.0, value / (32767.0 if value > 0 else 32768.0)))


def read_pad(pad: _Pad, standard: Mapping[str, int], axes_ids: Mapping[str, int]) -> GamepadState:
    """One reading of a pad: raw inputs always, standard ones through its mapping or a guess."""
    js = pad.joystick
    raw_axes = tuple(float(js.get_axis(i)) for i in range(js.get_numaxes()))
    raw_buttons = tuple(int(js.get_button(i)) for i in range(js.get_numbuttons()))
    raw_hats: tuple[tuple[int, int], ...] = tuple(
        (int(h[0]), int(h[1])) for h in (js.get_hat(i) for i in range(js.get_numhats()))
    )
    axes = {f"Axis{i}": v for i, v in enumerate(raw_axes)}
    pressed = {f"Pad:Button{i}" for i, b in enumerate(raw_buttons) if b}
    for h, hat in enumerate(raw_hats):
        pressed |= {f"Pad:Hat{h}{name}" for name, i, sign in _HATS if hat[i] == sign}
    ctl = pad.controller
    if ctl is not None:
        pressed |= {f"Pad:{b}" for b, sdl_id in standard.items() if ctl.get_button(sdl_id)}
        for name, sdl_id in axes_ids.items():
            value = int(ctl.get_axis(sdl_id))
            axes[name] = max(0.0, min(1.0, value / 32767.0)) if name in TRIGGERS else _stick(value)
    else:  # unmapped: the layout nearly every pad shares
        if raw_hats:
            pressed |= {f"Pad:Dpad{name}" for name, i, sign in _HATS if raw_hats[0][i] == sign}
        if raw_buttons and raw_buttons[0]:
            pressed.add("Pad:A")
        for i, name in enumerate(("LeftX", "LeftY")[: len(raw_axes)]):
            axes[name] = raw_axes[i]
    return GamepadState(
        name=pad.name,
        mapped=ctl is not None,
        guid=pad.guid,
        axes=axes,
        pressed=frozenset(pressed),
        raw_axes=raw_axes,
        raw_buttons=raw_buttons,
        raw_hats=raw_hats,
    )


class GamepadManager:
    """Owns pygame's joystick and controller subsystems: lists pads, follows hot-plug, reads them.

    Unplugging the selected pad leaves `active` None and remembers its name; when a pad of that
    name comes back it is selected again. Pads present at start-up come out of the first
    `poll()` as "added" events.

    Args:
        mapping_file: extra SDL mappings to load first; default `<config>/gamecontrollerdb.txt`
            (a missing file is fine). Refused lines are in `mapping_problems`.
    """

    def __init__(self, mapping_file: Path | None = None) -> None:
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
        os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
        import pygame
        import pygame._sdl2.controller as controller

        self._pg = pygame
        self._ctl = controller
        pygame.display.init()  # joystick events need the video subsystem; no window is made
        pygame.joystick.init()
        controller.init()
        self._buttons = {
            b: int(getattr(pygame, f"CONTROLLER_BUTTON_{_sdl_name(b)}")) for b in BUTTONS
        }
        self._axes = {a: int(getattr(pygame, f"CONTROLLER_AXIS_{_sdl_name(a)}")) for a in AXES}
        from recorder_app.input import settings

        self.rumble_enabled = settings.load().rumble
        """Rumble as feedback (`rumble()`); from the user's settings, changed in the editor."""
        self.mappings_added = 0
        self.mapping_problems: list[str] = []
        self._mapping_file = mapping_file
        self._load_mappings(mapping_file)
        self._pads: dict[int, _Pad] = {}
        self._states: dict[int, GamepadState] = {}
        self._active_id: int | None = None
        self._wanted: str | None = None
        self._state: GamepadState | None = None
        opened = (self._open(index) for index in range(pygame.joystick.get_count()))
        self._startup: list[GamepadEvent] = [e for e in opened if e is not None]

    def _load_mappings(self, mapping_file: Path | None) -> None:
        from recorder_app.input import sdl
        from recorder_app.input.bindings import user_config_dir

        path = mapping_file if mapping_file is not None else user_config_dir() / MAPPING_FILE
        if not path.is_file():
            return
        try:
            self.mappings_added, problems = sdl.add_mappings_from_file(path)
        except (OSError, RuntimeError, AttributeError) as exc:  # no usable SDL library
            self.mapping_problems = [f"{path}: cannot load mappings ({exc})"]
            return
        self.mapping_problems = [f"{path}: {p}" for p in problems]
        for problem in self.mapping_problems:
            log.warning("gamepad mapping refused: %s", problem)

    def _open(self, device_index: int) -> GamepadEvent | None:
        pg = self._pg
        try:
            joystick = pg.joystick.Joystick(device_index)
            iid = int(joystick.get_instance_id())
            if iid in self._pads:
                return None
            ctl = None
            if self._ctl.is_controller(device_index):
                ctl = self._ctl.Controller(device_index)
            name = str(ctl.name if ctl is not None else joystick.get_name())
            pad = _Pad(iid, name, str(joystick.get_guid()), joystick, ctl)
        except pg.error as exc:
            log.warning("cannot open gamepad %d: %s", device_index, exc)
            return None
        self._pads[iid] = pad
        return GamepadEvent("added", pad.name, iid)

    def poll(self) -> list[GamepadEvent]:
        """Pump SDL events; return hot-plug events; refresh the snapshots. Never raises."""
        pg = self._pg
        events, self._startup = self._startup, []
        now = time.perf_counter()
        if not self._sdl_alive():
            events += self._restart()
        try:
            for event in pg.event.get():
                if event.type == pg.JOYDEVICEADDED:
                    added = self._open(event.device_index)
                    if added is not None:
                        events.append(added)
                        if self._active_id is None and added.name == self._wanted:
                            self._active_id = added.instance_id
                elif event.type == pg.JOYDEVICEREMOVED:
                    iid = int(event.instance_id)
                    pad = self._pads.pop(iid, None)
                    self._states.pop(iid, None)
                    events.append(GamepadEvent("removed", pad.name if pad else "gamepad", iid))
                    if iid == self._active_id:
                        self._active_id = None
            self._read_all(now)
        except pg.error as exc:  # a pad vanishing mid-read must not take the app down
            log.warning("gamepad read failed: %s", exc)
            self._state = None
        return events

    def _sdl_alive(self) -> bool:
        """False when SDL was shut down since the pads were opened (see `_restart`)."""
        pg = self._pg
        if not (pg.display.get_init() and pg.joystick.get_init() and self._ctl.get_init()):
            return False
        try:  # pygame closed our device objects, even if someone has started SDL again since
            return all(
                p.joystick.get_init() and (p.controller is None or p.controller.get_init())
                for p in self._pads.values()
            )
        except pg.error:
            return False

    def _restart(self) -> list[GamepadEvent]:
        """Start SDL's subsystems again after another part of the process quit them.

        Gymnasium's pygame-rendered envs call `pygame.quit()` in `close()`, which ends SDL for
        the whole process. The pads are opened again (mappings too: SDL forgot them); the pad
        the user chose is picked again by name. The old device objects are not touched: pygame
        has already closed them.
        """
        log.info("SDL was shut down elsewhere (an env's close()): reopening gamepads")
        events = [GamepadEvent("removed", pad.name, iid) for iid, pad in self._pads.items()]
        self._pads.clear()
        self._states = {}
        self._state = None
        self._active_id = None
        try:
            self._pg.display.init()
            self._pg.joystick.init()
            self._ctl.init()
        except self._pg.error as exc:
            log.warning("cannot restart the gamepad subsystems: %s", exc)
            return events
        self._load_mappings(self._mapping_file)
        for index in range(self._pg.joystick.get_count()):
            added = self._open(index)
            if added is not None:
                events.append(added)
                if self._active_id is None and added.name == self._wanted:
                    self._active_id = added.instance_id
        return events

    def _read_all(self, now: float) -> None:
        states = {}
        for iid, pad in self._pads.items():
            state = read_pad(pad, self._buttons, self._axes)
            old = self._states.get(iid)
            if old is None:
                changed_at = float("-inf")  # a first reading is not new input
            else:
                changed_at = old.changed_at if state.same_reading(old) else now
            states[iid] = replace(state, changed_at=changed_at)
        self._states = states
        self._state = states.get(self._active_id) if self._active_id is not None else None

    def devices(self) -> list[str]:
        """Names of the connected pads, in a stable order."""
        return [self._pads[i].name for i in sorted(self._pads)]

    def select(self, index: int | None) -> None:
        """Use pad `index` of `devices()`; None: keyboard only."""
        ids = sorted(self._pads)
        if index is None or not 0 <= index < len(ids):
            self._active_id = None
            self._wanted = None
        else:
            self._active_id = ids[index]
            self._wanted = self._pads[ids[index]].name
        self._read_all(time.perf_counter())

    @property
    def active(self) -> str | None:
        """Name of the selected pad, None when none is (or it was unplugged). No SDL call."""
        pad = self._pads.get(self._active_id) if self._active_id is not None else None
        return None if pad is None else pad.name

    @property
    def wanted(self) -> str | None:
        """Name of the pad the user chose, even while it is unplugged."""
        return self._wanted

    def state(self) -> GamepadState | None:
        """The latest snapshot of the selected pad (thread-safe: an immutable object)."""
        return self._state

    def states(self) -> list[GamepadState]:
        """The latest snapshot of every connected pad, in `devices()` order."""
        states = self._states
        return [states[i] for i in sorted(states)]

    def rumble(self, strength: float = 0.5, ms: int = 150) -> bool:
        """Rumble the selected pad (GUI thread); False when off, no pad, or it cannot rumble."""
        pad = self._pads.get(self._active_id) if self._active_id is not None else None
        if pad is None or not self.rumble_enabled:
            return False
        device = pad.controller if pad.controller is not None else pad.joystick
        try:
            return bool(device.rumble(strength, strength, int(ms)))
        except (self._pg.error, AttributeError):
            return False

    def close(self) -> None:
        """Release the joystick and controller subsystems."""
        self._pads.clear()
        self._states = {}
        self._active_id = None
        self._state = None
        self._ctl.quit()
        self._pg.joystick.quit()


def _sdl_name(name: str) -> str:
    """The suffix of pygame's constant for of a standard name: "DpadLeft" -> "DPAD_LEFT"."""
    special = {"LeftTrigger": "TRIGGERLEFT", "RightTrigger": "TRIGGERRIGHT"}
    if name in special:
        return special[name]
    if name.startswith("Dpad"):
        return "DPAD_" + name[4:].upper()
    return name.upper()
