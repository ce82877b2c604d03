"""Which episodes to train on: one `EpisodeSelection` for `ExpertDataset`, `train` and the app.

Filters combine with AND: tags (an episode with any of them), flag, return threshold, kind;
then `first_n` keeps the first N episodes of what is left, in file order. With no filter,
`first_n=k` is SB2's `traj_limitation=k` (the first k whole episodes).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bc.data.arrays import DatasetArrays
from bc.errors import DatasetError

KINDS = ("demonstration", "correction", "rollout")
FLAGS = {"good": 1, "bad": -1, "unset": 0}


@dataclass(frozen=True)
class EpisodeSelection:
    """A description of the episodes to use; the default selects every episode."""

    tags: tuple[str, ...] = ()
    """Keep episodes carrying any of these tags (empty: no tag filter)."""
    flags: tuple[int, ...] = ()
    """Keep episodes whose flag is one of these (1 good, -1 bad, 0 unset; empty: any)."""
    min_return: float | None = None
    """Keep episodes whose return is at least this."""
    kinds: tuple[str, ...] = ()
    """Keep episodes of these kinds (`episode_kind`; files without it hold demonstrations)."""
    first_n: int = -1
    """Then keep only the first N episodes (-1: all)."""

    @property
    def is_all(self) -> bool:
        """True when nothing is filtered out."""
        return self == EpisodeSelection()

    def describe(self) -> str:
        """A short phrase for logs and the Train dock ("all episodes", "tag expert, good")."""
        parts = []
        if self.tags:
            parts.append("tag " + " or ".join(self.tags))
        if self.flags:
            names = {v: k for k, v in FLAGS.items()}
            parts.append(" or ".join(names.get(f, str(f)) for f in self.flags))
        if self.min_return is not None:
            parts.append(f"return >= {self.min_return:g}")
        if self.kinds:
            parts.append(" or ".join(self.kinds))
        if self.first_n >= 0:
            parts.append(f"first {self.first_n}")
        return ", ".join(parts) or "all episodes"


def episode_kinds(data: DatasetArrays) -> np.ndarray:
    """Each episode's kind; "demonstration" where the file records none."""
    kinds = data.episode_kind  # the interactive key (docs/dagger.md); empty in older files
    if kinds.size == data.n_episodes and kinds.size:
        return np.where(kinds.astype(str) == "", "demonstration", kinds.astype(str))
    return np.full(data.n_episodes, "demonstration")


def selected_indices(data: DatasetArrays, selection: EpisodeSelection) -> list[int]:
    """The indices of the episodes `selection` keeps, in file order (maybe none)."""
    return indices_from_columns(
        [json.loads(str(t)) for t in data.episode_tags] if selection.tags else None,
        data.episode_flag,
        data.episode_returns,
        episode_kinds(data) if selection.kinds else None,
        selection,
    )


def indices_from_columns(
    tags: Sequence[Sequence[str]] | None,
    flags: np.ndarray,
    returns: np.ndarray,
    kinds: np.ndarray | None,
    selection: EpisodeSelection,
) -> list[int]:
    """`selected_indices` on per-episode columns (the app's summary has no DatasetArrays).

    `tags` and `kinds` may be None when the selection does not filter on them (kinds None:
    every episode is a demonstration).
    """
    n = len(returns)
    keep = np.ones(n, dtype=bool)
    if selection.tags:
        wanted = set(selection.tags)
        rows = tags if tags is not None else [[] for _ in range(n)]
        keep &= np.array([bool(wanted & set(t)) for t in rows], dtype=bool).reshape(-1)
    if selection.flags:
        keep &= np.isin(np.asarray(flags), selection.flags)
    if selection.min_return is not None:
        keep &= np.asarray(returns) >= selection.min_return
    if selection.kinds:
        kind_col = kinds if kinds is not None else np.full(n, "demonstration")
        keep &= np.isin(kind_col, selection.kinds)
    indices = [int(i) for i in np.flatnonzero(keep)]
    if selection.first_n >= 0:
        indices = indices[: selection.first_n]
    return indices


def apply(data: DatasetArrays, selection: EpisodeSelection) -> DatasetArrays:
    """The dataset holding only the selected episodes (`data` itself when all are kept).

    Raises:
        DatasetError: the selection keeps no episode (the message says which filter).
    """
    indices = selected_indices(data, selection)
    if len(indices) == data.n_episodes:
        return data
    if not indices:
        raise DatasetError(
            data.path, [f"no episode matches the selection ({selection.describe()})"]
        )
    return data.select_episodes(indices)


def counts(data: DatasetArrays, selection: EpisodeSelection) -> tuple[int, int]:
    """Episodes and steps the selection holds (what the Train dock shows before training)."""
    indices = selected_indices(data, selection)
    return len(indices), int(data.episode_lengths[indices].sum()) if indices else 0


def from_options(
    tags: str | None = None,
    flag: str | None = None,
    min_return: float | None = None,
    kind: str | None = None,
    first_n: int = -1,
) -> EpisodeSelection:
    """Build a selection from text options (the `train` flags): comma-separated lists.

    Raises:
        ValueError: an unknown flag or kind name.
    """
    tag_list = tuple(t.strip() for t in (tags or "").split(",") if t.strip())
    flags: list[int] = []
    for name in (f.strip() for f in (flag or "").split(",") if f.strip()):
        if name not in FLAGS:
            raise ValueError(f"unknown flag {name!r}; use good, bad or unset")
        flags.append(FLAGS[name])
    kinds = tuple(k.strip() for k in (kind or "").split(",") if k.strip())
    for k in kinds:
        if k not in KINDS:
            raise ValueError(f"unknown kind {k!r}; use {', '.join(KINDS)}")
    return EpisodeSelection(tag_list, tuple(flags), min_return, kinds, first_n)


def as_selection(value: Any) -> EpisodeSelection:
    """Accept an EpisodeSelection or None (all episodes)."""
    if value is None:
        return EpisodeSelection()
    if not isinstance(value, EpisodeSelection):
        raise TypeError(f"expected an EpisodeSelection, got {type(value).__name__}")
    return value
