"""Key and gamepad bindings: JSON data in recorder_app/assets/, parsed into frozen dataclasses.

Pure data and parsing: no Qt, no SDL. See recorder_app/assets/README.md for the file format.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from bc.errors import BCError, UnsupportedSpaceError
from recorder_app import paths
from recorder_app.input.names import (
    RAW_AXIS_TO_STANDARD,
    RAW_TO_STANDARD,
    TRIGGERS,
    is_input_name,
    is_pad_axis,
    is_pad_name,
    is_raw_pad_name,
)

ASSETS = paths.asset("bindings")


class BindingsError(BCError):
    """A bindings file is malformed or does not fit the env's action space."""


@dataclass(frozen=True)
class KeyBinding:
    """Holding every key in `keys` selects Discrete `action` (the longest held combination wins)."""

    keys: tuple[str, ...]
    action: int


@dataclass(frozen=True)
class AxisBinding:
    """Keys that drive one Box dimension: ramping towards the space's low or high bound."""

    dim: int
    negative: tuple[str, ...] = ()
    positive: tuple[str, ...] = ()
    ramp: float = 0.2
    """Change of the axis per tick, in units of the full swing (1.0: jumps at once)."""


@dataclass(frozen=True)
class PadAxisBinding:
    """A gamepad axis that drives one Box dimension directly."""

    dim: int
    axis: str
    """A standard axis ("LeftX", "RightTrigger"), or a raw one ("Axis5") of an unmapped pad."""
    invert: bool = False
    trigger: bool = False
    """Raw axes only: the axis rests at -1 and its range -1..1 is read as 0..1. Standard
    triggers ("LeftTrigger") already read 0..1 from rest."""
    dead_zone: float = 0.15

    @property
    def rests_at_low(self) -> bool:
        """True when the axis reads 0..1 (a trigger), so its rest is 0, not the centre."""
        return self.trigger or self.axis in TRIGGERS


@dataclass(frozen=True)
class Bindings:
    """Everything that turns held keys and a gamepad into one env's actions."""

    env_id: str
    kind: str
    """"discrete" or "box": must match the action space."""
    keys: tuple[KeyBinding, ...] = ()
    idle: int | str = 0
    """Discrete action when nothing is held: an action index, or "last" (keep the last one)."""
    axes: tuple[AxisBinding, ...] = ()
    pad_keys: dict[str, str] = field(default_factory=dict)
    """Gamepad inputs read as keys ("Pad:Hat0Left" -> "Left"), so pads work with key maps."""
    pad_axes: tuple[PadAxisBinding, ...] = ()
    action_names: tuple[str, ...] = ()
    """Discrete: a name per action ("main engine"); shown beside the number. Optional."""
    axis_names: tuple[str, ...] = ()
    """Box: a name per dimension ("steer"); shown instead of "axis 0". Optional."""
    source: str = "built-in"
    """Where these came from: a file path or "built-in"."""

    def __post_init__(self) -> None:
        if self.kind not in ("discrete", "box"):
            raise BindingsError(
                f"{self.source}: kind must be 'discrete' or 'box', got {self.kind!r}"
            )
        bad = sorted(
            {k for b in self.keys for k in b.keys}
            | {k for a in self.axes for k in a.negative + a.positive}
            | set(self.pad_keys.values())
        )
        bad = [k for k in bad if not is_input_name(k)]
        bad += [k for k in self.pad_keys if not is_pad_name(k)]
        bad += [p.axis for p in self.pad_axes if not is_pad_axis(p.axis)]
        if bad:
            raise BindingsError(f"{self.source}: unknown key name(s) {', '.join(bad)}")

    def check_space(self, action_space: gym.Space[Any]) -> None:
        """Check the bindings fit the action space.

        Raises:
            BindingsError: wrong kind, an action or dimension out of range.
        """
        if isinstance(action_space, spaces.Discrete):
            if self.kind != "discrete":
                raise BindingsError(f"{self.source}: {self.kind} bindings for {action_space}")
            n = int(action_space.n)
            if self.action_names and len(self.action_names) != n:
                raise BindingsError(
                    f"{self.source}: {len(self.action_names)} action names for {action_space}"
                )
            bad = [b.action for b in self.keys if not 0 <= b.action < n]
            if isinstance(self.idle, int) and not 0 <= self.idle < n:
                bad.append(self.idle)
            if bad:
                raise BindingsError(f"{self.source}: action(s) {bad} outside {action_space}")
        elif isinstance(action_space, spaces.Box):
            if self.kind != "box":
                raise BindingsError(f"{self.source}: {self.kind} bindings for {action_space}")
            size = int(np.prod(action_space.shape))
            if self.axis_names and len(self.axis_names) != size:
                raise BindingsError(
                    f"{self.source}: {len(self.axis_names)} axis names for {action_space}"
                )
            dims = [a.dim for a in self.axes] + [p.dim for p in self.pad_axes]
            bad = [d for d in dims if not 0 <= d < size]
            if bad:
                raise BindingsError(f"{self.source}: dimension(s) {bad} outside {action_space}")
        else:
            raise UnsupportedSpaceError(f"no bindings for action space {action_space}")

    def _conflicts(self) -> list[tuple[str, set[str]]]:
        """Each conflict as (description, keys involved)."""
        found: list[tuple[str, set[str]]] = []
        seen: dict[tuple[str, ...], int] = {}
        for b in self.keys:
            combo = tuple(sorted(b.keys))
            if combo in seen and seen[combo] != b.action:
                text = f"{'+'.join(combo)} selects both action {seen[combo]} and {b.action}"
                found.append((text, set(combo)))
            seen.setdefault(combo, b.action)
        owner: dict[str, str] = {}
        for a in self.axes:
            for key, side in [(k, "-") for k in a.negative] + [(k, "+") for k in a.positive]:
                here = f"axis {a.dim}{side}"
                if key in owner and owner[key] != here:
                    found.append((f"{key} drives both {owner[key]} and {here}", {key}))
                owner.setdefault(key, here)
        return found

    def conflicts(self) -> list[str]:
        """Describe keys bound in ways that cannot both work (empty when none)."""
        return [text for text, _ in self._conflicts()]

    def conflicting_keys(self) -> set[str]:
        """Keys that take part in a conflict."""
        return {k for _, keys in self._conflicts() for k in keys}

    def used_names(self) -> frozenset[str]:
        """Every key name a binding uses (the window consumes only these)."""
        names = {k for b in self.keys for k in b.keys}
        names |= {k for a in self.axes for k in a.negative + a.positive}
        return frozenset(names)

    def action_label(self, action: int) -> str:
        """A Discrete action as people read it: "action 2 (main engine)", or "action 2"."""
        if 0 <= action < len(self.action_names):
            return f"action {action} ({self.action_names[action]})"
        return f"action {action}"

    def axis_label(self, dim: int) -> str:
        """A Box dimension as people read it: its name ("steer"), or "axis 0"."""
        return self.axis_names[dim] if 0 <= dim < len(self.axis_names) else f"axis {dim}"

    def rows(self) -> list[tuple[str, str]]:
        """(input, effect) lines for help texts and the key map editor."""
        out = [("+".join(b.keys), self.action_label(b.action)) for b in self.keys]
        for a in self.axes:
            if a.negative:
                out.append(("+".join(a.negative), f"{self.axis_label(a.dim)} down"))
            if a.positive:
                out.append(("+".join(a.positive), f"{self.axis_label(a.dim)} up"))
        out += [(pad, f"as {key}") for pad, key in self.pad_keys.items()]
        out += [(f"Pad:{p.axis}", self.axis_label(p.dim)) for p in self.pad_axes]
        return out

    def raw_pad_names(self) -> list[str]:
        """Raw joystick inputs these bindings use ("Pad:Button0", "Axis5"), sorted."""
        names = {k for b in self.keys for k in b.keys} | set(self.pad_keys)
        names |= {k for a in self.axes for k in a.negative + a.positive}
        raw = {n for n in names if is_raw_pad_name(n)}
        raw |= {p.axis for p in self.pad_axes if p.axis.startswith("Axis")}
        return sorted(raw)

    def to_standard(self) -> Bindings:
        """The same bindings with raw pad inputs renamed to SDL's standard layout.

        Raw indices are read in the layout earlier versions assumed (SDL's own order, as XInput
        pads report it). Raw names without a standard equivalent are kept.
        """

        def name(n: str) -> str:
            return RAW_TO_STANDARD.get(n, n)

        def axis(p: PadAxisBinding) -> PadAxisBinding:
            if p.axis not in RAW_AXIS_TO_STANDARD:
                return p
            return replace(p, axis=RAW_AXIS_TO_STANDARD[p.axis], trigger=False)

        return replace(
            self,
            keys=tuple(KeyBinding(tuple(name(k) for k in b.keys), b.action) for b in self.keys),
            axes=tuple(
                replace(
                    a, negative=tuple(map(name, a.negative)), positive=tuple(map(name, a.positive))
                )
                for a in self.axes
            ),
            pad_keys={name(k): v for k, v in self.pad_keys.items()},
            pad_axes=tuple(axis(p) for p in self.pad_axes),
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data (the file format)."""
        data = asdict(self)
        data.pop("source")
        data["env"] = data.pop("env_id")
        return data


def from_dict(data: dict[str, Any], source: str) -> Bindings:
    """Parse the JSON form.

    Raises:
        BindingsError: naming the file and what is wrong.
    """
    try:
        return Bindings(
            env_id=str(data.get("env", "")),
            kind=str(data["kind"]),
            keys=tuple(
                KeyBinding(tuple(b["keys"]), int(b["action"])) for b in data.get("keys", [])
            ),
            idle=data.get("idle", 0) if data.get("idle", 0) == "last" else int(data.get("idle", 0)),
            axes=tuple(
                AxisBinding(
                    int(a["dim"]),
                    tuple(a.get("negative", ())),
                    tuple(a.get("positive", ())),
                    float(a.get("ramp", 0.2)),
                )
                for a in data.get("axes", [])
            ),
            pad_keys={str(k): str(v) for k, v in data.get("pad_keys", {}).items()},
            pad_axes=tuple(
                PadAxisBinding(
                    int(p["dim"]),
                    _axis_name(p["axis"]),
                    bool(p.get("invert", False)),
                    bool(p.get("trigger", False)),
                    float(p.get("dead_zone", 0.15)),
                )
                for p in data.get("pad_axes", [])
            ),
            action_names=tuple(str(n) for n in data.get("action_names", ())),
            axis_names=tuple(str(n) for n in data.get("axis_names", ())),
            source=source,
        )
    except BindingsError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise BindingsError(f"{source}: malformed bindings ({type(exc).__name__}: {exc})") from exc


def _axis_name(value: Any) -> str:
    """A pad axis from JSON: a name ("LeftX"), or an index of earlier versions (5 -> "Axis5")."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"axis must be a name or an index, got {value!r}")
    return f"Axis{value}" if isinstance(value, int) else value


def read_file(path: Path) -> Bindings:
    """Read one bindings file.

    Raises:
        BindingsError: unreadable, not JSON, or malformed.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BindingsError(f"{path}: cannot read ({exc.strerror})") from exc
    except json.JSONDecodeError as exc:
        raise BindingsError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from exc
    if not isinstance(data, dict):
        raise BindingsError(f"{path}: expected a JSON object")
    return from_dict(data, str(path))


def user_config_dir() -> Path:
    """The user's config folder (see `recorder_app.paths.user_config_dir`)."""
    return paths.user_config_dir()


def file_name(env_id: str, kind: str) -> str:
    """The bindings file of an env: "<env id with / as _>.<kind>.json"."""
    return f"{env_id.replace('/', '_')}.{kind}.json"


def action_kind(action_space: gym.Space[Any]) -> str:
    """Name the kind of an action space: "discrete" or "box".

    Raises:
        UnsupportedSpaceError: neither Discrete nor Box.
    """
    if isinstance(action_space, spaces.Discrete):
        return "discrete"
    if isinstance(action_space, spaces.Box):
        return "box"
    raise UnsupportedSpaceError(f"no key bindings for action space {action_space}")


def save_user_bindings(
    env_id: str, bindings: Bindings, action_space: gym.Space[Any] | None = None
) -> Path:
    """Save bindings to the user's config folder atomically; returns the file written.

    Raises:
        BindingsError: they do not fit `action_space` (when given), or the file cannot be written.
    """
    if action_space is not None:
        bindings.check_space(action_space)
    folder = user_config_dir() / "bindings"
    path = folder / file_name(env_id, bindings.kind)
    tmp = path.with_name(path.name + ".tmp")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(bindings.to_dict(), indent=2), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise BindingsError(f"cannot save bindings to {path}: {exc.strerror}") from exc
    return path
