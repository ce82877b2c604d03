"""Pure mapping from held input names (and gamepad axes) to an action inside the space."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from recorder_app.input.bindings import Bindings


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

    def box(self, held: frozenset[str], pad_axes: Mapping[int, float]) -> np.ndarray:
        """Action for held keys (ramped) and gamepad axes (direct, after the dead zone).

        Args:
            held: held key names.
            pad_axes: raw gamepad axis readings in [-1, 1] by axis index.
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
            raw = float(pad_axes.get(pad.axis, -1.0 if pad.trigger else 0.0))
            if pad.invert:
                raw = -raw
            if pad.trigger:
                raw = (raw + 1.0) / 2.0
            level = _dead_zone(raw, pad.dead_zone)
            if level != 0.0:
                values[pad.dim] = level
        action = np.where(
            values >= 0,
            self._rest + values * (self._high - self._rest),
            self._rest + values * (self._rest - self._low),
        )
        action = np.clip(action, self.space.low.reshape(-1), self.space.high.reshape(-1))
        return action.reshape(self.space.shape).astype(self.space.dtype)

    def active(self, held: frozenset[str], pad_axes: Mapping[int, float]) -> bool:
        """True when an action input is held or a bound stick is outside its dead zone."""
        if held & self.bindings.used_names():
            return True
        for pad in self.bindings.pad_axes:
            raw = float(pad_axes.get(pad.axis, -1.0 if pad.trigger else 0.0))
            raw = (raw + 1.0) / 2.0 if pad.trigger else raw
            if _dead_zone(raw, pad.dead_zone) != 0.0:
                return True
        return False


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
