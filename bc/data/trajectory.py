"""Value types: one recorded episode, checked on creation."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Episode:
    """One episode's arrays, as they go into the SB2 archive.

    `obs` holds the observation rows (for image datasets: the image paths, relative to the
    archive's folder); `actions` the action rows; `rewards` one float per step.
    """

    obs: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    terminated: bool = False
    """True when the env said `terminated`; False for truncated or stopped by the user."""
    seed: int = -1
    """The seed passed to `reset()`, or -1 when none was."""
    step_times: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """Seconds since the episode's start at which each action was taken (NaN when unknown)."""
    created: float = float("nan")
    """Unix time at which the episode ended (NaN when unknown)."""
    final_obs: np.ndarray | None = None
    """The observation returned with `terminated`/`truncated`, as an `obs` row (images: its
    stored path); None when unknown."""
    step_latency: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """Seconds from a new human input to the step that first used it (NaN: no new input)."""
    # -- interactive imitation (docs/dagger.md); empty/"" when the episode has none ----------
    interventions: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    """True where a human (or an expert's gate) was in control; empty when not recorded."""
    policy_actions: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """The policy's proposal at each step (Discrete -1, Box NaN where none); empty: none."""
    kind: str = ""
    """"demonstration", "correction" or "rollout"; "" when not recorded."""
    round: int = 0
    """DAgger round (0 for plain demonstrations)."""

    def __post_init__(self) -> None:
        n = len(self.rewards)
        if n == 0:
            raise ValueError("an episode needs at least one step")
        if len(self.obs) != n or len(self.actions) != n:
            raise ValueError(
                f"episode arrays disagree: {len(self.obs)} obs, {len(self.actions)} actions, "
                f"{n} rewards"
            )
        if self.step_times.size == 0:
            object.__setattr__(self, "step_times", np.full(n, np.nan))
        elif len(self.step_times) != n:
            raise ValueError(f"episode has {n} steps but {len(self.step_times)} step times")
        if self.step_latency.size == 0:
            object.__setattr__(self, "step_latency", np.full(n, np.nan))
        elif len(self.step_latency) != n:
            raise ValueError(f"episode has {n} steps but {len(self.step_latency)} latencies")
        for name in ("interventions", "policy_actions"):
            have = len(getattr(self, name))
            if have not in (0, n):
                raise ValueError(f"episode has {n} steps but {have} {name}")

    @property
    def is_interactive(self) -> bool:
        """True when the episode carries any of the interactive-imitation fields."""
        return bool(self.kind) or len(self.interventions) > 0 or len(self.policy_actions) > 0

    @property
    def length(self) -> int:
        """Number of steps."""
        return len(self.rewards)

    @property
    def ret(self) -> float:
        """Undiscounted return: the sum of the rewards."""
        return float(np.sum(self.rewards, dtype=np.float64))


@dataclass(frozen=True)
class EpisodeSummary:
    """What a finished episode looked like: small enough to send through a Qt signal."""

    index: int
    """Position of the episode in the dataset (0-based)."""
    length: int
    ret: float
    terminated: bool
    seed: int = -1
