"""The human player as a callable expert: `obs -> action` from the keys and gamepad held now."""

from __future__ import annotations

import math
import threading
import time
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from recorder_app.input.bindings import Bindings
from recorder_app.input.gamepad import GamepadManager
from recorder_app.input.mapping import ActionMapper


class HumanExpert:
    """Reads held keys (from the window) and the gamepad snapshot; returns actions in the space.

    The same object can be handed to `bc.generate_expert_traj` by a script. `press`/`release`
    come from the GUI thread, calls from the env worker: a lock keeps them consistent.

    Latency: `press`/`release` note when the input arrived (inside Qt's delivery of the key
    event), the gamepad snapshot when SDL's event reached the poll. Each call then sets
    `last_latency`: seconds from the earliest input not yet used to this call (the step that
    first uses it), NaN when no new input arrived. `input_idle()` (the runner is not stepping:
    paused, counting down) forgets pending inputs, so a pause is not counted as latency.
    """

    def __init__(
        self,
        bindings: Bindings,
        action_space: gym.Space[Any],
        gamepad: GamepadManager | None = None,
    ) -> None:
        self.bindings = bindings
        self.action_space = action_space
        self.gamepad = gamepad
        self._mapper = ActionMapper(bindings, action_space)
        self._used = bindings.used_names()
        self._held: set[str] = set()
        self._lock = threading.Lock()
        self._pending: float | None = None
        self._pad_seen = float("-inf")
        self.last_latency = math.nan
        """Seconds from the earliest new input to the last call; NaN: no new input."""

    def press(self, name: str, at: float | None = None) -> None:
        """A key went down (`at`: its `time.perf_counter()`, default now)."""
        with self._lock:
            if name not in self._held:
                self._note_input(time.perf_counter() if at is None else at)
            self._held.add(name)

    def release(self, name: str, at: float | None = None) -> None:
        """A key went up (`at`: its `time.perf_counter()`, default now)."""
        with self._lock:
            if name in self._held:
                self._note_input(time.perf_counter() if at is None else at)
            self._held.discard(name)

    def _note_input(self, at: float) -> None:
        self._pending = at if self._pending is None else min(self._pending, at)

    def input_idle(self) -> None:
        """The runner is not stepping: inputs so far are not waiting for a step."""
        with self._lock:
            self._pending = None
            state = self.gamepad.state() if self.gamepad is not None else None
            if state is not None:
                self._pad_seen = state.changed_at

    def release_all(self) -> None:
        """Forget every held key (focus lost)."""
        with self._lock:
            self._held.clear()

    def handles(self, name: str) -> bool:
        """True when a binding uses this key (the window then consumes it)."""
        return name in self._used

    def _inputs(self) -> tuple[frozenset[str], dict[str, float]]:
        state = self.gamepad.state() if self.gamepad is not None else None
        pad_names = state.input_names() if state is not None else frozenset()
        axes = state.axis_map() if state is not None else {}
        held = self._mapper.held_names(frozenset(self._held), pad_names)
        return held, axes

    def __call__(self, obs: Any) -> Any:
        """Return the action for what is held now (one tick of key ramps)."""
        with self._lock:
            now = time.perf_counter()
            state = self.gamepad.state() if self.gamepad is not None else None
            if state is not None and state.changed_at > self._pad_seen:
                self._pad_seen = state.changed_at
                if state.changed_at > float("-inf"):
                    self._note_input(state.changed_at)
            self.last_latency = now - self._pending if self._pending is not None else math.nan
            self._pending = None
            held, axes = self._inputs()
            if isinstance(self.action_space, spaces.Discrete):
                return self._mapper.discrete(held)
            return self._mapper.box(held, axes)

    def has_input(self) -> bool:
        """True when an action key or button is held or a bound stick is deflected."""
        with self._lock:
            held, axes = self._inputs()
            return self._mapper.active(held, axes)

    @property
    def device(self) -> str:
        """The device in use: "keyboard", or "gamepad: <name>" when a pad is selected."""
        active = self.gamepad.active if self.gamepad is not None else None
        return f"gamepad: {active}" if active else "keyboard"

    def describe(self, action: Any) -> str:
        """The action for the heads-up line, with the keys that make it."""
        if isinstance(self.action_space, spaces.Discrete):
            value = int(np.asarray(action).reshape(-1)[0])
            keys = ["+".join(b.keys) for b in self.bindings.keys if b.action == value and b.keys]
            names = self.bindings.action_names
            text = f"{value} {names[value]}" if 0 <= value < len(names) else f"{value}"
            return f"{text} [{keys[0]}]" if keys else text
        values = np.asarray(action, dtype=np.float64).reshape(-1)
        names = self.bindings.axis_names
        if len(names) == len(values):
            return " ".join(f"{n} {v:+.2f}" for n, v in zip(names, values, strict=True))
        return " ".join(f"{v:+.2f}" for v in values)
