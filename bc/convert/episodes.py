"""The value type every converter goes through: whole episodes with N+1 observations each."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
import numpy as np

from bc.spaces import space_from_description


@dataclass(frozen=True)
class FullEpisode:
    """One episode as Minari and imitation hold it: every observation, the final one included.

    `obs` has one row more than `actions` (the observation returned with the episode's end);
    rows are as in our archives (Discrete: int64 of shape (1,)), image rows are decoded frames.
    """

    obs: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    terminated: bool
    """True when the env said `terminated` at the last step."""
    truncated: bool
    """True when the episode ended otherwise (the env's `truncated`, or stopped by the user)."""
    seed: int = -1
    """The seed passed to `reset()` (-1: none)."""
    step_times: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """Seconds since the episode's start of each action (NaN when unknown)."""
    created: float = float("nan")
    """Unix time at which the episode ended (NaN when unknown)."""

    def __post_init__(self) -> None:
        n = len(self.actions)
        if n == 0:
            raise ValueError("an episode needs at least one step")
        if len(self.obs) != n + 1 or len(self.rewards) != n:
            raise ValueError(
                f"episode arrays disagree: {len(self.obs)} obs (expected {n + 1}), "
                f"{n} actions, {len(self.rewards)} rewards"
            )
        if self.step_times.size == 0:
            object.__setattr__(self, "step_times", np.full(n, np.nan))
        elif len(self.step_times) != n:
            raise ValueError(f"episode has {n} steps but {len(self.step_times)} step times")

    @property
    def length(self) -> int:
        """Number of steps (transitions)."""
        return len(self.actions)


@dataclass(frozen=True)
class EpisodeSet:
    """Episodes plus what describes them: our metadata (env id and kwargs, both spaces...)."""

    episodes: list[FullEpisode]
    metadata: dict[str, Any]
    """Our archive's metadata; `observation_space` and `action_space` are always present."""

    def __post_init__(self) -> None:
        if not self.episodes:
            raise ValueError("no episodes")
        for key in ("observation_space", "action_space"):
            if not isinstance(self.metadata.get(key), dict):
                raise ValueError(f"metadata lacks the {key} description")

    @property
    def observation_space(self) -> gym.Space[Any]:
        """The observation space, rebuilt from the metadata."""
        return space_from_description(self.metadata["observation_space"])

    @property
    def action_space(self) -> gym.Space[Any]:
        """The action space, rebuilt from the metadata."""
        return space_from_description(self.metadata["action_space"])

    @property
    def env_id(self) -> str | None:
        """The env id recorded in the metadata, if any."""
        value = self.metadata.get("env_id")
        return str(value) if value else None

    @property
    def env_kwargs(self) -> dict[str, Any]:
        """The env's keyword arguments recorded in the metadata."""
        value = self.metadata.get("env_kwargs")
        return dict(value) if isinstance(value, dict) else {}
