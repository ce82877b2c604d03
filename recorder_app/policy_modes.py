"""What the window does with a trained policy: the Train panel's target, Watch and Correct modes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from recorder_app.controllers.correction import label_count, next_round
from recorder_app.session import Session
from recorder_app.state import DatasetSummary
from recorder_app.widgets.train_panel import TrainPanel


@dataclass(frozen=True)
class ModeNotice:
    """What the window says after a mode change, and whether play goes on in the Record tab."""

    text: str
    ms: int
    """How long the status bar shows `text`."""
    play: bool
    """Show the Record tab and give the keys to the env view."""


def show_train_target(panel: TrainPanel, session: Session) -> None:
    """Point the Train panel at the current dataset (when it fits the env) and env."""
    info, view = session.recording.env_info, session.dataset.view
    if info is None:
        return
    data = view.data if view.usable else None
    panel.set_target(
        view.path if data is not None else None,
        info.env_id,
        info.kwargs,
        discrete=info.discrete,
        human_mean=demonstration_mean(data) if data is not None else None,
    )
    panel.set_episodes(data)
    if data is not None:
        corrected = not all(r.is_demonstration for r in data.rows)
        panel.set_labels(label_count(data), corrected)


def demonstration_mean(data: DatasetSummary) -> float | None:
    """Mean return of the human's own episodes (corrections and rollouts are the policy's)."""
    returns = [r.ret for r in data.rows if r.is_demonstration and not r.undone]
    return float(sum(returns) / len(returns)) if returns else None


def correct(session: Session, policy: Any, holdoff: float) -> ModeNotice:
    """Correct mode on (record corrections of the next round) or off (None: the human plays)."""
    if policy is None:
        if session.recording.active:  # stop first: the open episode is saved as a correction
            session.toggle_recording()
        session.player.watch(None)
        return ModeNotice("Corrections saved. Pretrain to learn from them.", 6000, play=False)
    round_ = next_round(session.dataset.summary)
    session.player.correct(policy, round_, holdoff)
    if not session.recording.active:
        session.toggle_recording()
    return ModeNotice(
        f"Correcting (round {round_}): hold any game key to take over, release to hand "
        "back; every episode is saved.",
        6000,
        play=True,
    )


def watch(session: Session, policy: Any) -> ModeNotice:
    """Let a policy play (the human takes over while holding an input), or None: the human."""
    session.player.watch(policy)
    if policy is None:
        return ModeNotice("You are playing again.", 4000, play=False)
    return ModeNotice(
        "The policy is playing: hold any game key to take over, release to hand back.",
        6000,
        play=True,
    )
