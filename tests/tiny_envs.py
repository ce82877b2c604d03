"""Tiny deterministic envs, one per space kind, for fast round-trip tests."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

OBS_KINDS = ("vector", "discrete", "image1", "image3", "image4")
ACT_KINDS = ("discrete", "box")


class TinyEnv(gym.Env[Any, Any]):
    """Episodes of 3 to 6 steps (set by the seed); even seeds terminate, odd ones truncate.

    Observations encode (seed, step) so every row can be checked after a round trip; the reward
    of a step is 1 + the action's first component.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 30}

    def __init__(
        self, obs_kind: str = "vector", act_kind: str = "discrete", render_mode: str | None = None
    ) -> None:
        self.obs_kind, self.act_kind = obs_kind, act_kind
        self.render_mode = render_mode
        if obs_kind == "vector":
            self.observation_space = spaces.Box(-100, 100, shape=(3,), dtype=np.float32)
        elif obs_kind == "discrete":
            self.observation_space = spaces.Discrete(50)
        else:
            channels = int(obs_kind[-1])
            self.observation_space = spaces.Box(0, 255, shape=(6, 8, channels), dtype=np.uint8)
        if act_kind == "discrete":
            self.action_space = spaces.Discrete(3)
        else:
            self.action_space = spaces.Box(-1, 1, shape=(2,), dtype=np.float32)
        self._seed = 0
        self._t = 0

    def _obs(self) -> Any:
        s, t = self._seed, self._t
        if self.obs_kind == "vector":
            return np.array([s, t, s * 10 + t], dtype=np.float32)
        if self.obs_kind == "discrete":
            return (s * 7 + t) % 50
        frame = np.zeros(self.observation_space.shape, dtype=np.uint8)
        frame[..., 0] = (s * 16 + t) % 256
        frame[0, :, -1] = 255 - t
        frame[1, 1, :] = np.arange(frame.shape[-1]) * 40 + 10
        return frame

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> Any:
        super().reset(seed=seed)
        self._seed = 0 if seed is None else int(seed) % 16
        self._t = 0
        return self._obs(), {}

    def step(self, action: Any) -> Any:
        first = float(np.asarray(action, dtype=np.float64).reshape(-1)[0])
        self._t += 1
        done = self._t >= 3 + self._seed % 4
        terminated = done and self._seed % 2 == 0
        truncated = done and not terminated
        return self._obs(), 1.0 + first, terminated, truncated, {}

    def render(self) -> np.ndarray:
        return np.full((20, 30, 3), self._t * 20 % 256, dtype=np.uint8)


def constant_expert(env: gym.Env[Any, Any]) -> Any:
    """An expert that always picks action 1 (Discrete) or (0.5, -0.5) (Box)."""
    if isinstance(env.action_space, spaces.Discrete):
        return lambda obs: 1
    return lambda obs: np.array([0.5, -0.5], dtype=np.float32)
