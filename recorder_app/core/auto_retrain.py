"""Automatic retrain per round of corrections: when to stop the round, train, and correct again.

Qt-free: the Train panel tells it what happened and does what it answers (docs/dagger.md).
The round goes: Correct on -> the Nth correction episode is saved -> stop Correct (the
recording stops and its journal merges) -> the merged dataset is read again -> train on it ->
trained and evaluated -> Correct on with the new policy (the next round). A Pretrain click or
Correct switched on by hand in between cancels the automatic step that was pending.
"""

from __future__ import annotations

IDLE = ""
STOPPING = "stopping"
"""The round's recording is stopping; its journal merges into the dataset."""
RELOADING = "reloading"
"""The recording stopped; the merged dataset is being read again."""
TRAINING = "training"
"""Training on the aggregate runs; Correct resumes when it ends well."""


class AutoRetrain:
    """The automatic round's state; `every` corrections per round (0: off, one click stays)."""

    def __init__(self, every: int = 0) -> None:
        self.every = every
        self.state = IDLE
        self.seen = 0
        """Correction episodes saved since Correct was last switched on."""

    def correct_switched(self, on: bool) -> None:
        """Correct was switched on (by hand or by the round): a new round starts counting."""
        if on:
            self.seen = 0
            self.state = IDLE

    def episode_saved(self, kind: str, correcting: bool, training: bool) -> bool:
        """An episode of `kind` is on disk; True when this ends the round (stop Correct now)."""
        if not (self.every and kind == "correction" and correcting):
            return False
        self.seen += 1
        if self.seen >= self.every and self.state == IDLE and not training:
            self.state = STOPPING
            return True
        return False

    def recording_changed(self, recording: bool) -> None:
        """Recording started or stopped; a stopped round's dataset is read again next."""
        if self.state == STOPPING and not recording:
            self.state = RELOADING

    def dataset_reloaded(self, training: bool) -> bool:
        """The dataset was read again; True when the round's training should start now."""
        if self.state != RELOADING:
            return False
        self.state = IDLE if training else TRAINING  # a Pretrain click came first: its run counts
        return self.state == TRAINING

    def training_failed(self) -> None:
        """No new policy: Correct stays off."""
        self.state = IDLE

    def training_done(self, trained: bool) -> bool:
        """The job is over; True when Correct should resume with the new policy."""
        resume = self.state == TRAINING and trained
        if self.state == TRAINING:
            self.state = IDLE
        return resume
