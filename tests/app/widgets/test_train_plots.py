"""The rounds plot: plain-BC points apart from the corrected rounds, labels counted from 0."""

from __future__ import annotations

from recorder_app.widgets.train_plots import RoundsPlot
from tests.app.conftest import QT_MARKS

pytestmark = QT_MARKS


def test_rounds_split_by_kind_and_the_label_axis_starts_at_zero(qtbot):
    plot = RoundsPlot()
    qtbot.addWidget(plot)
    plot.add(5000, 500.0, corrected=False)
    (x0, x1), _ = plot.viewRange()
    assert x0 == 0 and 5000 < x1 < 5500  # one point reads as 5,000 labels, not as a zoom
    plot.add(5300, 480.0, corrected=True)
    plot.add(5150, 350.0, corrected=True)
    bx, by = plot.bc_points.getData()
    rx, ry = plot.round_curve.getData()
    assert list(bx) == [5000] and list(by) == [500.0]
    assert list(rx) == [5150, 5300] and list(ry) == [350.0, 480.0]  # in label order
    assert plot.viewRange()[0][1] > 5300
