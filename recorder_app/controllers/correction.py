"""Correct mode (HG-DAgger in the app): which round the next corrections belong to."""

from __future__ import annotations

from recorder_app.state import DatasetSummary


def next_round(summary: DatasetSummary | None) -> int:
    """The round of corrections recorded now: one after the highest in the dataset (1 at first).

    A round is the corrections recorded between two trainings: Pretrain, then Correct again,
    and the new episodes get the next number.
    """
    if summary is None or not summary.rows:
        return 1
    return max(row.round for row in summary.rows) + 1


def label_count(summary: DatasetSummary) -> int:
    """Human-labelled steps: whole demonstrations plus the steps taken over in corrections."""
    return sum(row.length if row.is_demonstration else row.interventions for row in summary.rows)
