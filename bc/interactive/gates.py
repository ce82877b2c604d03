"""Who controls a step in HG-DAgger: the `Gate` signature and the scripted `DisagreementGate`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from bc.errors import BCError

Gate = Callable[[Any, np.ndarray, np.ndarray, bool], bool]
"""`gate(obs, policy_action, expert_action, expert_in_control) -> expert in control now`."""


def _differ(a: np.ndarray, b: np.ndarray, tolerance: float) -> bool:
    """True when two stored actions differ (Box: by more than `tolerance` in any component)."""
    if a.dtype.kind == "f" or b.dtype.kind == "f":
        return bool(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64))) > tolerance)
    return not np.array_equal(a, b)


class DisagreementGate:
    """The scripted stand-in for a person's judgement: take over when the expert disagrees.

    The expert takes over once its action has differed from the policy's for `patience`
    steps in a row, and hands back once they have agreed for `handback` steps in a row.

    Args:
        patience: consecutive disagreements before taking over (1: at once).
        handback: consecutive agreements before handing back.
        tolerance: Box actions differ when any component differs by more than this.
    """

    def __init__(self, patience: int = 3, handback: int = 5, tolerance: float = 0.1) -> None:
        if patience < 1 or handback < 1:
            raise BCError("patience and handback must be at least 1")
        self.patience = patience
        self.handback = handback
        self.tolerance = tolerance
        self._run = 0

    def reset(self) -> None:
        """Forget the streak (a new episode)."""
        self._run = 0

    def __call__(
        self, obs: Any, policy_action: np.ndarray, expert_action: np.ndarray, in_control: bool
    ) -> bool:
        """Whether the expert controls this step."""
        differ = _differ(policy_action, expert_action, self.tolerance)
        if differ != in_control:  # a disagreement while the policy drives, or vice versa
            self._run += 1
        else:
            self._run = 0
        limit = self.handback if in_control else self.patience
        if self._run >= limit:
            self._run = 0
            return not in_control
        return in_control
