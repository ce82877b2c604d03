"""Thin per-step bars: where the policy disagreed, and where the human had control."""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import QRect
from PyQt6.QtGui import QColor, QPainter, QPaintEvent
from PyQt6.QtWidgets import QWidget

from recorder_app.state import HudStatus
from recorder_app.widgets.env_view import TAKEOVER_BORDER

POLICY_COLOR = QColor(200, 230, 200)
"""Pale green: the policy in control."""
EMPTY_COLOR = QColor(230, 230, 230)


def _paint_marks(
    widget: QWidget, marks: np.ndarray | None, total: int, mark: QColor, ground: QColor
) -> None:
    """Fill `widget` with `ground` and one `mark` band per run of True steps (of `total`)."""
    painter = QPainter(widget)
    if marks is None or total <= 0:
        painter.fillRect(widget.rect(), EMPTY_COLOR)
        painter.end()
        return
    painter.fillRect(widget.rect(), ground)
    width, height = widget.width(), widget.height()
    for start, end in true_runs(marks):
        x0 = int(start * width / total)
        x1 = max(x0 + 1, int(end * width / total))
        painter.fillRect(QRect(x0, 0, x1 - x0, height), mark)
    painter.end()


def true_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """The runs of True in `mask` as half-open (start, end) step ranges."""
    m = np.asarray(mask, dtype=np.int8).reshape(-1)
    if m.size == 0:
        return []
    edges = np.diff(np.concatenate([[0], m, [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return [(int(a), int(b)) for a, b in zip(starts, ends, strict=True)]


class DisagreementStrip(QWidget):
    """A thin bar under the slider: red where the policy's action differs from the human's."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.marks: np.ndarray | None = None
        self.setFixedHeight(10)
        self.setToolTip("Red: steps where the loaded policy would have acted differently")

    def set_mask(self, mask: np.ndarray | None) -> None:
        """The steps to mark (None: no policy, an empty strip)."""
        self.marks = None if mask is None else np.asarray(mask, dtype=bool)
        self.update()

    def paintEvent(self, event: QPaintEvent | None) -> None:
        """Green background; one red band per run of disagreeing steps."""
        n = 0 if self.marks is None else len(self.marks)
        _paint_marks(self, self.marks, n, QColor(210, 40, 40), QColor(200, 230, 200))


class TakeoverStrip(QWidget):
    """A bar of an episode's steps: orange where the human had control, green where the policy.

    In Replay it spans the whole episode; under the live view it grows with the episode
    (`set_steps` with the steps so far).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.marks: np.ndarray | None = None
        self.total = 0
        self._shown: tuple[tuple[tuple[int, int], ...], int] | None = None
        self.setFixedHeight(12)
        self.setToolTip("Orange: steps you drove (took over); green: steps the policy drove")

    def set_mask(self, mask: np.ndarray | None, total: int | None = None) -> None:
        """Steps the human drove (None: not a policy-driven episode, an empty strip).

        `total` is the number of steps the bar spans (default: the mask's length).
        """
        self.marks = None if mask is None else np.asarray(mask, dtype=bool)
        self.total = 0 if self.marks is None else max(len(self.marks), int(total or 0))
        self.update()

    def set_runs(self, runs: tuple[tuple[int, int], ...], steps: int) -> None:
        """The human's runs as (start, end) step ranges, of `steps` steps so far."""
        mask = np.zeros(max(0, steps), dtype=bool)
        for start, end in runs:
            mask[max(0, start) : max(0, min(end, steps))] = True
        self.set_mask(mask, steps)

    def show_status(self, status: HudStatus) -> None:
        """Live: the open episode's take-over runs so far; hidden when no policy drives."""
        self.setVisible(bool(status.control))
        shown = (status.takeover_runs, status.step)
        if status.control and shown != self._shown:
            self._shown = shown
            self.set_runs(status.takeover_runs, status.step)

    @property
    def taken_over(self) -> int:
        """Steps marked as the human's."""
        return 0 if self.marks is None else int(np.count_nonzero(self.marks))

    def paintEvent(self, event: QPaintEvent | None) -> None:
        """Green background; one orange band per run of take-over steps."""
        _paint_marks(self, self.marks, self.total, TAKEOVER_BORDER, POLICY_COLOR)
