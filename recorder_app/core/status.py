"""The runner's heads-up status: what the HUD shows, how an action reads, who is in control."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from bc.rollout import Describes, HasTakeover
from recorder_app.state import HudStatus

if TYPE_CHECKING:
    from recorder_app.core.runner import EnvRunner


def describe_action(expert: Any, action: Any) -> str:
    """The action as the expert names it (a key map's names), else its numbers."""
    if isinstance(expert, Describes):
        return str(expert.describe(action))
    arr = np.asarray(action)
    return str(arr.item()) if arr.size == 1 else np.array2string(arr, precision=2)


def control_of(expert: Any) -> str:
    """Return "human" or "policy" while a policy with take-over plays; else ""."""
    if not isinstance(expert, HasTakeover):
        return ""
    return "human" if expert.last_intervention else "policy"


class TakeoverRuns:
    """The open episode's steps the human drove (a policy with take-over), as step runs."""

    def __init__(self) -> None:
        self.runs: list[tuple[int, int]] = []
        """Half-open (start, end) step ranges, in order."""

    def clear(self) -> None:
        """A new episode: no runs."""
        self.runs = []

    def mark(self, expert: Any, step: int) -> None:
        """Add `step` when `expert` says the human drove it."""
        if not (isinstance(expert, HasTakeover) and expert.last_intervention):
            return
        if self.runs and self.runs[-1][1] == step:
            self.runs[-1] = (self.runs[-1][0], step + 1)
        else:
            self.runs.append((step, step + 1))


def hud_status(runner: EnvRunner, phase: str | None = None) -> HudStatus:
    """The runner's heads-up status as of now (the device is filled in by the GUI side)."""
    now = runner.clock()
    rec = runner.recorder
    rollout = runner.rollout
    return HudStatus(
        env_id=runner.info.env_id if runner.info else "",
        episode=rec.n_episodes if rec is not None else runner.practice_episode,
        step=rollout.length if rollout is not None else 0,
        ret=rollout.ret if rollout is not None else 0.0,
        target_fps=1.0 / runner.period,
        actual_fps=runner.rate.rate(now, runner.period),
        recording=rec is not None,
        phase=phase or runner.phase(now),
        countdown=max(0.0, runner.countdown_until - now),
        pause_reason=runner.pause_reason,
        action=runner.action_text,
        wait_for_input=runner.wait_for_input,
        control=control_of(runner.expert),
        takeover_runs=tuple(runner.takeover_runs.runs),
    )
