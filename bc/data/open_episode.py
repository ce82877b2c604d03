"""The episode being recorded: its rows so far, turned into an `Episode` when it ends."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bc.data.arrays import no_policy_action
from bc.data.trajectory import Episode


@dataclass
class OpenEpisode:
    """The episode being recorded: rows so far, and the image files it wrote."""

    seed: int
    started: float
    obs: list[Any] = field(default_factory=list)
    actions: list[np.ndarray] = field(default_factory=list)
    rewards: list[float] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    last_obs: Any = None
    """The last observation seen, as given to `add_step` (the final one's stand-in)."""
    latency: list[float] = field(default_factory=list)
    interventions: list[bool] = field(default_factory=list)
    """Per step: a human/gate was in control (only kept when some step said so or not)."""
    policy_actions: list[np.ndarray | None] = field(default_factory=list)
    interactive: bool = False
    """True once a step was given `intervention` or `policy_action` (docs/dagger.md)."""

    def add(
        self,
        stored_obs: Any,
        action_row: np.ndarray,
        reward: float,
        t: float | None,
        latency: float | None,
        intervention: bool | None,
        policy_action: Any,
        to_action: Callable[[Any], np.ndarray],
    ) -> None:
        """Append one step's row (`Recorder.add_step`); `to_action` coerces the policy's action."""
        self.obs.append(stored_obs)
        self.actions.append(action_row)
        self.rewards.append(float(reward))
        self.times.append(time.monotonic() - self.started if t is None else float(t))
        self.latency.append(float("nan") if latency is None else float(latency))
        self.interventions.append(bool(intervention))
        self.policy_actions.append(None if policy_action is None else to_action(policy_action))
        if intervention is not None or policy_action is not None:
            self.interactive = True

    def finish(
        self, obs: np.ndarray, terminated: bool, final_obs: Any, kind: str, round_: int
    ) -> Episode:
        """The ended episode, with `obs` stacked by the recorder (rows, or image paths)."""
        return Episode(
            obs=obs,
            actions=np.stack(self.actions),
            rewards=np.asarray(self.rewards, dtype=np.float64),
            terminated=bool(terminated),
            seed=self.seed,
            step_times=np.asarray(self.times, dtype=np.float64),
            step_latency=np.asarray(self.latency, dtype=np.float64),
            created=time.time(),
            final_obs=final_obs,
            **self._interactive_fields(kind, round_),
        )

    def _interactive_fields(self, kind: str, round_: int) -> dict[str, Any]:
        """The episode's interactive-imitation fields ({} for a plain demonstration)."""
        if not self.interactive and not kind:
            return {}
        template = self.actions[0]
        none = no_policy_action(template[None], 1)[0]
        proposals = [none if p is None else p.astype(none.dtype) for p in self.policy_actions]
        return {
            "interventions": np.asarray(self.interventions, dtype=bool),
            "policy_actions": np.stack(proposals),
            "kind": kind or "correction",
            "round": int(round_),
        }
