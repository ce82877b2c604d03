"""Which steps of a dataset are training labels: all, demonstrations, or + interventions.

Interactive imitation (HG-DAgger, docs/dagger.md) stores whole policy-driven episodes, but only
the steps a human (or an expert's gate) controlled are labels: the rest show what the policy did.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from bc.data.arrays import DatasetArrays
from bc.data.schema import EPISODE_KINDS
from bc.errors import BCError

LabelSelection = Literal["all", "demonstrations", "demonstrations+interventions"]
LABEL_SELECTIONS: tuple[str, ...] = ("all", "demonstrations", "demonstrations+interventions")


def default_labels(data: DatasetArrays) -> LabelSelection:
    """Return "demonstrations+interventions" for files with `interventions`, else "all"."""
    return "demonstrations+interventions" if data.is_interactive else "all"


def label_mask(data: DatasetArrays, labels: str | None = None) -> np.ndarray:
    """A bool per step: True where the step is a label under `labels` (None: the default).

    Files without the interactive keys hold demonstrations only: every step is a label.

    Raises:
        BCError: an unknown selection.
    """
    choice = default_labels(data) if labels is None else labels
    if choice not in LABEL_SELECTIONS:
        raise BCError(f"labels must be one of {', '.join(LABEL_SELECTIONS)}, got {choice!r}")
    if choice == "all" or not data.is_interactive:
        return np.ones(data.n_steps, dtype=bool)
    demo_episode = data.episode_kind == "demonstration"
    mask = np.repeat(demo_episode, data.episode_lengths)
    if choice == "demonstrations+interventions":
        mask = mask | data.interventions.astype(bool)
    return np.asarray(mask, dtype=bool)


def count_labels(data: DatasetArrays, labels: str | None = None) -> int:
    """How many steps are labels under `labels` (None: the default)."""
    return int(np.count_nonzero(label_mask(data, labels)))


def intervention_counts(data: DatasetArrays) -> np.ndarray:
    """Steps under human/gate control per episode (zeros for a file without interventions)."""
    if not data.is_interactive or data.n_steps == 0:
        return np.zeros(data.n_episodes, dtype=np.int64)
    starts = data.episode_start_indices
    counts: np.ndarray = np.add.reduceat(data.interventions.astype(np.int64), starts)
    return counts


def interactive_summary(data: DatasetArrays) -> dict[str, object]:
    """`info`'s lines for the interactive keys ({} for a file without them)."""
    if not data.is_interactive:
        return {}
    kinds = {k: int(np.count_nonzero(data.episode_kind == k)) for k in EPISODE_KINDS}
    return {
        "episode_kinds": ", ".join(f"{n} {k}" for k, n in kinds.items() if n) or "none",
        "rounds": int(data.episode_round.max()) if data.n_episodes else 0,
        "interventions": int(np.count_nonzero(data.interventions)),
        "labels": count_labels(data),
    }


def interactive_warnings(data: DatasetArrays) -> list[str]:
    """`check`'s warnings about the interactive keys (empty when they are consistent)."""
    if not data.is_interactive:
        return []
    warnings: list[str] = []
    demo_rows = np.repeat(data.episode_kind == "demonstration", data.episode_lengths)
    counts = intervention_counts(data)
    empty = np.flatnonzero((data.episode_kind == "correction") & (counts == 0))
    if len(empty):
        warnings.append(
            f"{len(empty)} correction episode(s) have no intervention (no labels), "
            f"first: episode {empty[0]}"
        )
    pa = data.policy_actions
    if pa.dtype.kind == "f":
        proposed = ~np.isnan(pa).any(axis=tuple(range(1, pa.ndim)))
    else:
        proposed = (pa >= 0).all(axis=tuple(range(1, pa.ndim)))
    missing = np.flatnonzero(~demo_rows & ~proposed & ~data.interventions.astype(bool))
    if len(missing):
        warnings.append(
            f"{len(missing)} policy-controlled step(s) have no policy action, first: step "
            f"{missing[0]}"
        )
    return warnings
