"""`TakeoverExpert`: the policy drives; the expert relabels (DAgger) or takes over (HG-DAgger)."""

from __future__ import annotations

from typing import Any, Literal

import gymnasium as gym
import numpy as np

from bc.errors import BCError
from bc.interactive.gates import DisagreementGate, Gate
from bc.rollout import Expert, checked_action

Mode = Literal["hg", "dagger"]
"""`"hg"`: the expert takes over by a gate; `"dagger"`: it labels every visited state."""


class TakeoverExpert:
    """The policy drives; the expert labels (dagger) or takes over by a gate (hg).

    A `bc.rollout.HasTakeover`: after each call, `last_intervention` says whether the expert
    was in control and `last_policy_action` what the policy proposed; `last_expert_action`
    holds the expert's label (relabelling in DAgger mode).

    Args:
        policy: anything with `predict(obs)` or a callable.
        expert: the scripted expert (`obs -> action`).
        space: the env's action space.
        mode: "hg" or "dagger".
        gate: decides who controls each step in "hg" mode (default `DisagreementGate()`).
    """

    def __init__(
        self,
        policy: Any,
        expert: Expert,
        space: gym.Space[Any],
        mode: Mode = "hg",
        gate: Gate | None = None,
    ) -> None:
        from bc.rollout import as_expert

        if mode not in ("hg", "dagger"):
            raise BCError(f"mode must be 'hg' or 'dagger', got {mode!r}")
        self.policy = as_expert(policy, deterministic=True)
        self.expert = expert
        self.space = space
        self.mode = mode
        self.gate: Gate = gate if gate is not None else DisagreementGate()
        self.last_intervention = False
        self.last_policy_action: Any = None
        self.last_expert_action: np.ndarray | None = None

    def reset(self) -> None:
        """A new episode: the policy starts in control."""
        self.last_intervention = False
        reset = getattr(self.gate, "reset", None)
        if callable(reset):
            reset()

    def __call__(self, obs: Any) -> Any:
        """The action to execute: the policy's, or the expert's while it has taken over."""
        _, proposal = checked_action(self.policy, obs, self.space)
        _, label = checked_action(self.expert, obs, self.space)
        self.last_policy_action = proposal
        self.last_expert_action = label
        if self.mode == "dagger":
            self.last_intervention = True  # every step is labelled; the policy still drives
            return proposal
        self.last_intervention = bool(self.gate(obs, proposal, label, self.last_intervention))
        return label if self.last_intervention else proposal
