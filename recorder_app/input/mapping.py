"""Pure mapping from held input names (and gamepad axes) to an action inside the space."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from recorder_app.input.bindings import Bindings, PadAxisBinding
from recorder_app.input.names import TRIGGERS


class ActionMapper:
    """Turn what is held into actions, tick by tick (key axes ramp; Discrete combos resolve).

    Not thread-safe: `HumanExpert` serialises calls.
    """

    def __init__(self, bindings: Bindings, action_space: gym.Space[Any]) -> None:
        bindings.check_space(action_space)
        self.bindings = bindings
        self.space = action_space
        self._last = bindings.idle if isinstance(bindings.idle, int) else 0
        if isinstance(action_space, spaces.Box):
            low = np.asarray(action_space.low, dtype=np.float64).reshape(-1)
            high = np.asarray(action_space.high, dtype=np.float64).reshape(-1)
            self._rest = np.clip(0.0, low, high)
            self._low = np.where(np.isfinite(low), low, self._rest - 1.0)
            self._high = np.where(np.isfinite(high), high, self._rest + 1.0)
            self._levels = np.zeros(low.size)  # ramped key axes in [-1, 1]
        # longest combination first, so Up+Left wins over Up
        self._combos = sorted(bindings.keys, key=lambda b: -len(b.keys))

    def held_names(self, keys: frozenset[str], pad_names: frozenset[str]) -> frozenset[str]:
        """Keys held, plus gamepad inputs translated through `pad_keys`."""
        mapped = {self.bindings.pad_keys[p] for p in pad_names if p in self.bindings.pad_keys}
        return keys | pad_names | frozenset(mapped)

    def discrete(self, held: frozenset[str]) -> int:
        """Action for the held names: the longest fully-held combination, else idle."""
        for binding in self._combos:
            if binding.keys and all(k in held for k in binding.keys):
                self._last = binding.action
                return binding.action
        if self.bindings.idle == "last":
            return self._last
        return int(self.bindings.idle)

    def box(self, held: frozenset[str], pad_axes: Mapping[str, float]) -> np.ndarray:
        """Action for held keys (ramped) and gamepad axes (direct, after the dead zone).

        Args:
            held: held key names.
            pad_axes: gamepad axis readings by name: sticks -1..1, standard triggers 0..1,
                raw axes ("Axis3") -1..1.
        """
        assert isinstance(self.space, spaces.Box)
        levels = self._levels
        for axis in self.bindings.axes:
            target = float(any(k in held for k in axis.positive)) - float(
                any(k in held for k in axis.negative)
            )
            cur = levels[axis.dim]
            step = max(1e-9, axis.ramp) * 2.0
            levels[axis.dim] = cur + float(np.clip(target - cur, -step, step))
        values = levels.copy()
        for pad in self.bindings.pad_axes:
            level = pad_level(pad, pad_axes)
            if level != 0.0:
                values[pad.dim] = level
        action = np.where(
            values >= 0,
            self._rest + values * (self._high - self._rest),
            self._rest + values * (self._rest - self._low),
        )
        action = np.clip(action, self.space.low.reshape(-1), self.space.high.reshape(-1))
        out: np.ndarray = action.reshape(self.space.shape).astype(self.space.dtype)
        return out

    def active(self, held: frozenset[str], pad_axes: Mapping[str, float]) -> bool:
        """True when an action input is held or a bound stick is outside its dead zone."""
        if held & self.bindings.used_names():
            return True
        return any(pad_level(pad, pad_axes) != 0.0 for pad in self.bindings.pad_axes)


def pad_level(pad: PadAxisBinding, pad_axes: Mapping[str, float]) -> float:
    """One bound axis as a level: triggers 0..1 from rest, sticks -1..1; dead zone and rim applied.

    An axis the pad does not have reads as its rest.
    """
    raw_trigger = pad.trigger and pad.axis not in TRIGGERS
    value = float(pad_axes.get(pad.axis, -1.0 if raw_trigger else 0.0))
    if pad.invert:
        value = -value
    if raw_trigger:  # a raw trigger rests at -1: its range -1..1 reads as 0..1
        value = (value + 1.0) / 2.0
    return _dead_zone(value, pad.dead_zone)


OUTER_ZONE = 0.02
"""Stick travel near the rim that reads as full: SDL's axes stop at 32767/32768, and worn sticks
short of that; without it a stick pushed all the way right records 0.99996, not 1."""


def _dead_zone(value: float, zone: float) -> float:
    """Zero inside the dead zone, full in the outer zone; between, rescaled linearly."""
    magnitude = abs(value)
    if magnitude <= zone:
        return 0.0
    span = max(1e-9, 1.0 - zone - OUTER_ZONE)
    return float(np.sign(value) * min(1.0, (magnitude - zone) / span))
