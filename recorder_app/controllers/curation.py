"""Curation edits the app makes to a dataset: labels and undo, deferred while recording into it.

While the recorder writes the file, an edit cannot rewrite it: the edit shows in the panel at
once and is kept here, then applied (before the reload) when recording stops.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from bc import curation
from bc.data.editing import delete_episodes
from recorder_app.state import DatasetSummary, LabelChange

__all__ = ["LabelChange", "PendingEdits", "apply_edits", "last_episode", "marked_undone"]


@dataclass
class PendingEdits:
    """Edits waiting for the recorder to let go of the file, in the order they were made."""

    labels: list[LabelChange] = field(default_factory=list)
    undo: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.labels or self.undo)


def apply_edits(path: Path, edits: PendingEdits) -> None:
    """Write pending edits to the file (off the GUI thread): labels first, then the undos."""
    for change in edits.labels:
        indices = [i for i in change.indices if i not in edits.undo]
        if indices:
            curation.label_episodes(path, indices, **change.kwargs())
    if edits.undo:
        delete_episodes(path, sorted(set(edits.undo)))


def relabelled(data: DatasetSummary, change: LabelChange) -> DatasetSummary:
    """The summary with a label change shown."""
    return data.with_rows(tuple(change.on_row(r) for r in data.rows))


def marked_undone(data: DatasetSummary, index: int) -> DatasetSummary:
    """The summary with episode `index` shown as undone (it goes when recording stops)."""
    rows = tuple(dataclasses.replace(r, undone=True) if r.index == index else r for r in data.rows)
    return data.with_rows(rows)


def last_episode(data: DatasetSummary | None) -> int | None:
    """The index of the last episode not already undone (None: nothing to undo)."""
    if data is None:
        return None
    live = [r.index for r in data.rows if not r.undone]
    return live[-1] if live else None
