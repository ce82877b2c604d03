"""Which seeds the rounds use: data episodes count up, evaluation starts at `EVAL_SEED_BASE`."""

from __future__ import annotations

from collections.abc import Iterator

from bc.data.arrays import DatasetArrays
from bc.errors import BCError

EVAL_SEED_BASE = 1_000_000
"""Evaluation episodes use seeds from here on, skipping any seed the dataset holds."""


def eval_seeds(data: DatasetArrays | None, n: int) -> list[int]:
    """`n` seeds from `EVAL_SEED_BASE` on that no episode of `data` was reset with."""
    used = set() if data is None else {int(s) for s in data.episode_seeds}
    seeds: list[int] = []
    s = EVAL_SEED_BASE
    while len(seeds) < n:
        if s not in used:
            seeds.append(s)
        s += 1
    return seeds


class SeedStream:
    """Seeds for data episodes: counting up from `start`, skipping those the dataset holds."""

    def __init__(self, start: int, data: DatasetArrays | None) -> None:
        self._next = start
        self._used = set() if data is None else {int(s) for s in data.episode_seeds}

    def take(self, n: int) -> list[int]:
        """The next `n` unused seeds (never an evaluation seed)."""
        out: list[int] = []
        while len(out) < n:
            s = self._next
            self._next += 1
            if s not in self._used and s < EVAL_SEED_BASE:
                out.append(s)
                self._used.add(s)
            elif s >= EVAL_SEED_BASE:
                raise BCError("data seeds ran into the evaluation seeds")
        return out

    def __iter__(self) -> Iterator[int]:
        while True:
            yield self.take(1)[0]
