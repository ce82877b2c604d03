"""Key and gamepad bindings: JSON data in recorder_app/assets/, parsed into frozen dataclasses.

Pure data and parsing: no Qt, no SDL. See recorder_app/assets/README.md for the file format.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from bc.errors import BCError, UnsupportedSpaceError
from recorder_app import paths

ASSETS = paths.asset("bindings")

KEY_NAMES = frozenset(
    {"Left", "Right", "Up", "Down", "Space", "Return", "Tab", "Shift", "Backspace"}
    | {",", ".", "/", ";", "-", "=", "[", "]"}
    | {chr(c) for c in range(ord("A"), ord("Z") + 1)}
    | {str(d) for d in range(10)}
    | {f"F{i}" for i in range(1, 13)}
)
_PAD_NAME = re.compile(r"^Pad:(Button\d+|Hat\d+(Left|Right|Up|Down)|Axis\d+[+-])$")


class BindingsError(BCError):
    """A bindings file is malformed or does not fit the env's action space."""


def is_input_name(name: str) -> bool:
    """True for a key name (see KEY_NAMES) or a gamepad input name ("Pad:Button0")."""
    return name in KEY_NAMES or bool(_PAD_NAME.match(name))


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
    axis: int
    invert: bool = False
    trigger: bool = False
    """A trigger rests at -1: its range -1..1 is read as 0..1."""
    dead_zone: float = 0.15


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
        bad += [k for k in self.pad_keys if not _PAD_NAME.match(k)]
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
        out += [(f"Pad:Axis{p.axis}", self.axis_label(p.dim)) for p in self.pad_axes]
        return out

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
                    int(p["axis"]),
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


def _file_name(env_id: str, kind: str) -> str:
    return f"{env_id.replace('/', '_')}.{kind}.json"


def _kind(action_space: gym.Space[Any]) -> str:
    if isinstance(action_space, spaces.Discrete):
        return "discrete"
    if isinstance(action_space, spaces.Box):
        return "box"
    raise UnsupportedSpaceError(f"no key bindings for action space {action_space}")


def load_bindings(env_id: str, action_space: gym.Space[Any]) -> Bindings:
    """Bindings for an env: the user's saved ones, else the shipped default, else a generic map.

    Raises:
        BindingsError: a bindings file exists but is malformed or does not fit the space.
        UnsupportedSpaceError: the action space is neither Discrete nor Box.
    """
    kind = _kind(action_space)
    name = _file_name(env_id, kind)
    for folder in (user_config_dir() / "bindings", ASSETS):
        path = folder / name
        if path.is_file():
            bindings = read_file(path)
            bindings.check_space(action_space)
            return bindings
    if env_id.startswith("ALE/") and kind == "discrete":
        from recorder_app.input.atari import atari_bindings

        return atari_bindings(env_id, action_space)
    return generic_bindings(env_id, action_space)


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
    path = folder / _file_name(env_id, bindings.kind)
    tmp = path.with_name(path.name + ".tmp")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(bindings.to_dict(), indent=2), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise BindingsError(f"cannot save bindings to {path}: {exc.strerror}") from exc
    return path


DEFAULT_PAD_KEYS = {
    "Pad:Hat0Left": "Left",
    "Pad:Hat0Right": "Right",
    "Pad:Hat0Up": "Up",
    "Pad:Hat0Down": "Down",
    "Pad:Axis0-": "Left",
    "Pad:Axis0+": "Right",
    "Pad:Axis1-": "Up",
    "Pad:Axis1+": "Down",
    "Pad:Button0": "Space",
}
_DIGITS = [str(d) for d in (1, 2, 3, 4, 5, 6, 7, 8, 9, 0)]
_LETTERS = list("QWERTYUIOPASDFGHJKLZXCVBNM")
_AXIS_KEYS = [("Left", "Right"), ("Down", "Up"), ("A", "D"), ("S", "W"), ("J", "L"), ("K", "I")]


def generic_bindings(env_id: str, action_space: gym.Space[Any]) -> Bindings:
    """A usable map for any Discrete(n) or Box env.

    Discrete: keys 1..9, 0, then Q..M select actions 0..n-1; for n <= 4 the arrows do too
    (Left, Right, Up, Down in that order); idle is action 0. Box: per dimension a pair of
    keys (Left/Right, Down/Up, A/D, S/W, J/L, K/I) and gamepad axes 0..n-1.
    """
    kind = _kind(action_space)
    if kind == "discrete":
        assert isinstance(action_space, spaces.Discrete)
        n = int(action_space.n)
        names = (_DIGITS + _LETTERS)[:n]
        keys = [KeyBinding((k,), i) for i, k in enumerate(names)]
        if n <= 4:
            keys += [KeyBinding((k,), i) for i, k in enumerate(["Left", "Right", "Up", "Down"][:n])]
        return Bindings(env_id, "discrete", tuple(keys), idle=0, pad_keys=dict(DEFAULT_PAD_KEYS))
    assert isinstance(action_space, spaces.Box)
    size = int(np.prod(action_space.shape))
    axes = tuple(
        AxisBinding(d, (neg,), (pos,), 0.2) for d, (neg, pos) in enumerate(_AXIS_KEYS[:size])
    )
    pads = tuple(PadAxisBinding(d, d, invert=(d == 1)) for d in range(min(size, 4)))
    return Bindings(env_id, "box", axes=axes, pad_axes=pads)
