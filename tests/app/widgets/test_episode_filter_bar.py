"""The dataset panel's filter row: text in tags or note, flag and kind; each change is told."""

from __future__ import annotations

from recorder_app.state import EpisodeRow
from recorder_app.widgets.episode_filter_bar import EpisodeFilterBar
from tests.app.conftest import QT_MARKS

pytestmark = QT_MARKS

GOOD = EpisodeRow(0, 10, 1.0, True, 0.0, 0, tags=("Expert",), flag=1)
BAD = EpisodeRow(1, 10, 1.0, True, 0.0, 1, note="slipped", flag=-1, kind="correction")


def test_each_filter_narrows_the_rows(qtbot):
    bar = EpisodeFilterBar()
    qtbot.addWidget(bar)
    assert bar.matches(GOOD) and bar.matches(BAD)
    with qtbot.waitSignal(bar.changed):
        bar.filter_edit.setText("expert")  # case-insensitive, in the tags
    assert bar.matches(GOOD) and not bar.matches(BAD)
    bar.filter_edit.setText("slip")  # in the note
    assert not bar.matches(GOOD) and bar.matches(BAD)
    bar.filter_edit.clear()
    with qtbot.waitSignal(bar.changed):
        bar.flag_filter.setCurrentText("good")
    assert bar.matches(GOOD) and not bar.matches(BAD)
    bar.flag_filter.setCurrentText("any flag")
    with qtbot.waitSignal(bar.changed):
        bar.kind_filter.setCurrentText("correction")
    assert not bar.matches(GOOD) and bar.matches(BAD)
