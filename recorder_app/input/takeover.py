"""A policy that plays until the human touches the controls: take over at any time, hand back."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from recorder_app.input.human import HumanExpert


class PolicyWithTakeover:
    """A callable expert: the human's action while they hold an input, else the policy's.

    A `bc.rollout.HasTakeover`: every step asks the policy, so a recording stores what it
    proposed (`policy_actions`) and who was in control (`interventions`); see docs/dagger.md.

    Args:
        policy: anything with `predict(obs) -> (action, state)` (a `bc.Policy`, an SB3 model).
        human: the app's human player; None: the policy alone.
        holdoff: seconds the human stays in control after releasing every input (0: hand back
            at once); the human's idle action plays meanwhile.
        episode_round: the DAgger round recorded with correction episodes (Correct mode).
        clock: seconds, monotonic (injected by tests).
    """

    def __init__(
        self,
        policy: Any,
        human: HumanExpert | None,
        holdoff: float = 0.0,
        episode_round: int = 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.policy = policy
        self.human = human
        self.holdoff = max(0.0, float(holdoff))
        self.episode_round = int(episode_round)
        self.clock = clock
        self.human_in_control = False
        """True when the last action came from the human."""
        self.last_policy_action: Any = None
        """What the policy proposed at the last step."""
        self._released_at = -math.inf

    @property
    def last_intervention(self) -> bool:
        """True when the human controlled the last step (`bc.rollout.HasTakeover`)."""
        return self.human_in_control

    def __call__(self, obs: Any) -> Any:
        """The action for this step."""
        proposal, _ = self.policy.predict(obs, deterministic=True)
        self.last_policy_action = proposal
        if self.human is not None and self.human.has_input():
            self.human_in_control = True
            self._released_at = math.inf
            return self.human(obs)
        now = self.clock()
        if self.human_in_control and self._released_at == math.inf:
            self._released_at = now  # the release: the hold-off starts
        if self.human is not None and now - self._released_at < self.holdoff:
            return self.human(obs)  # still the human's (idle) action until the hold-off ends
        self.human_in_control = False
        if self.human is not None:
            self.human.input_idle()  # a release handing back is used by this step, not later
        return proposal

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
