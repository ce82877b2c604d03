"""A policy that plays until the human touches the controls: take over at any time, hand back."""

from __future__ import annotations

import math
from typing import Any

from recorder_app.input.human import HumanExpert


class PolicyWithTakeover:
    """A callable expert: the human's action while they hold an input, else the policy's.

    Args:
        policy: anything with `predict(obs) -> (action, state)` (a `bc.Policy`, an SB3 model).
        human: the app's human player; None: the policy alone.
    """

    def __init__(self, policy: Any, human: HumanExpert | None) -> None:
        self.policy = policy
        self.human = human
        self.human_in_control = False
        """True when the last action came from the human."""

    def __call__(self, obs: Any) -> Any:
        """The action for this step."""
        if self.human is not None and self.human.has_input():
            self.human_in_control = True
            return self.human(obs)
        self.human_in_control = False
        if self.human is not None:
            self.human.input_idle()  # a release handing back is used by this step, not later
        action, _ = self.policy.predict(obs, deterministic=True)
        return action

    @property
    def last_latency(self) -> float:
        """The human's input latency at the last step they were in control of; else NaN."""
        if self.human_in_control and self.human is not None:
            return self.human.last_latency
        return math.nan

    def input_idle(self) -> None:
        """The runner is not stepping (see `HumanExpert.input_idle`)."""
        if self.human is not None:
            self.human.input_idle()

    @property
    def device(self) -> str:
        """Who is playing, for the heads-up line."""
        if self.human_in_control and self.human is not None:
            return f"{self.human.device} (took over)"
        return "policy"

    def describe(self, action: Any) -> str:
        """The action as the human's bindings name it."""
        if self.human is not None:
            return self.human.describe(action)
        return str(action)
