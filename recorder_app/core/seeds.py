"""Episode seeds: recorded episodes have a stream of their own, apart from practice episodes."""

from __future__ import annotations

import random

SEED_MODULUS = 2**31


class SeedStream:
    """Consecutive seeds from a first one: `first`, `first + 1`, ... (wrapping at 2**31)."""

    def __init__(self, first: int) -> None:
        self.first = int(first) % SEED_MODULUS
        self._next = self.first

    def take(self) -> int:
        """The next seed."""
        seed = self._next
        self._next = (seed + 1) % SEED_MODULUS
        return seed

    def peek(self) -> int:
        """The seed `take` returns next."""
        return self._next


class EpisodeSeeds:
    """Seeds for practice and for recorded episodes, so one never shifts the other.

    Recorded episodes take seeds `seed, seed + 1, ...` whatever practice ran before recording
    started: a session recorded with `--seed 7` stores seeds 7, 8, 9... Practice episodes
    take their own stream, offset so that the two do not overlap in a session.

    Args:
        seed: the first recorded episode's seed; None draws one at random.
        rng: where the random first seed comes from (tests pass a seeded one).
    """

    PRACTICE_OFFSET = 1_000_000

    def __init__(self, seed: int | None = None, rng: random.Random | None = None) -> None:
        first = (rng or random.Random()).randrange(SEED_MODULUS) if seed is None else int(seed)
        self.recorded = SeedStream(first)
        self.practice = SeedStream(first + self.PRACTICE_OFFSET)

    def take(self, recording: bool) -> int:
        """The next seed of the recorded stream (when recording) or of the practice stream."""
        return (self.recorded if recording else self.practice).take()
