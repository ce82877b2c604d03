"""When a human's recorded episode may step: on the first input, with held inputs let go first."""

from __future__ import annotations

from typing import Any

from bc.rollout import HasInput


def has_input(expert: Any) -> bool:
    """True while the expert reports input; an expert that cannot tell (a policy) always has."""
    return expert.has_input() if isinstance(expert, HasInput) else True


def input_idle(expert: Any) -> None:
    """Tell the expert it is not stepping (paused, counting down), if it cares."""
    idle = getattr(expert, "input_idle", None)
    if callable(idle):
        idle()


class FirstInputGate:
    """Holds a recorded episode at its first frame until the human presses an input.

    A key still held when the last episode ended must be let go first, so it does not run
    into the next one (also in turn-by-turn play).
    """

    def __init__(self) -> None:
        self.start_on_input = False
        """Each recorded episode waits at its first frame until the human presses an input."""
        self.need_release = False
        """A held input must be let go first (it carried over from the episode that ended)."""
        self.awaiting_first_input = False

    @property
    def closed(self) -> bool:
        """True while the episode must wait (a held input, or no first input yet)."""
        return self.need_release or self.awaiting_first_input

    def set_start_on_input(self, on: bool) -> None:
        """Wait for the first input at each recorded episode's start, or not (opens the gate)."""
        self.start_on_input = bool(on)
        if not on:
            self.awaiting_first_input = self.need_release = False

    def arm(self, waits: bool, expert: Any) -> None:
        """A new episode begins: close the gate when it `waits` for the human's input."""
        # a key held when the last episode ended must not run into this one
        self.need_release = waits and has_input(expert)
        self.awaiting_first_input = waits and self.start_on_input

    def update(self, expert: Any) -> None:
        """Release the wait once held inputs were let go and a new one is pressed."""
        if not isinstance(expert, HasInput):  # a policy or a script: nothing to wait for
            self.need_release = self.awaiting_first_input = False
            return
        if self.need_release and not expert.has_input():
            self.need_release = False
        if self.awaiting_first_input and not self.need_release and expert.has_input():
            self.awaiting_first_input = False
