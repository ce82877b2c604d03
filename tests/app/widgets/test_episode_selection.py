"""The Train panel's episode selector: what the boxes select, how much that is, its tags."""

from __future__ import annotations

import numpy as np

from recorder_app.state import DatasetSummary, EpisodeRow
from recorder_app.widgets.episode_selection import ANY_TAG, EpisodeSelector
from tests.app.conftest import QT_MARKS

pytestmark = QT_MARKS


def summary() -> DatasetSummary:
    """Four episodes: tagged, flagged, one correction, one undone."""
    rows = (
        EpisodeRow(0, 10, 5.0, True, 0.0, 0, tags=("expert",), flag=1),
        EpisodeRow(1, 20, 9.0, True, 0.0, 1, flag=-1),
        EpisodeRow(2, 30, 2.0, False, 0.0, 2, tags=("expert", "slow"), kind="correction"),
        EpisodeRow(3, 40, 7.0, True, 0.0, 3, undone=True),
    )
    return DatasetSummary(rows, np.zeros(100, dtype=np.int64), is_image=False)


def test_the_boxes_describe_a_selection_and_count_it(qtbot):
    selector = EpisodeSelector()
    qtbot.addWidget(selector)
    assert selector.selected_counts() == (0, 0)
    assert selector.show_counts() == (0, 0) and selector.selection_label.text() == "no episodes"
    with qtbot.waitSignal(selector.changed):
        selector.set_episodes(summary())
    assert [selector.sel_tag.itemText(i) for i in range(3)] == [ANY_TAG, "expert", "slow"]
    assert selector.selection().is_all
    assert selector.show_counts() == (3, 4)  # the undone episode is not trained on
    assert selector.selection_label.text() == "3 of 4 episodes · 60 steps"
    selector.sel_flag.setCurrentText("good or unset")
    assert selector.selection().flags == (1, 0) and selector.selected_counts() == (2, 40)
    selector.sel_kind.setCurrentText("correction")
    assert selector.selection().kinds == ("correction",) and selector.selected_counts() == (1, 30)
    selector.sel_kind.setCurrentText("any kind")
    selector.sel_flag.setCurrentText("any flag")
    with qtbot.waitSignal(selector.changed):
        selector.sel_use_return.setChecked(True)
    selector.sel_min_return.setValue(4.0)
    assert selector.selection().min_return == 4.0 and selector.selected_counts() == (2, 30)
    selector.sel_use_return.setChecked(False)
    selector.sel_first_n.setValue(1)
    assert selector.selection().first_n == 1 and selector.selected_counts() == (1, 10)


def test_the_chosen_tag_stays_while_the_dataset_has_it(qtbot):
    selector = EpisodeSelector()
    qtbot.addWidget(selector)
    selector.set_episodes(summary())
    selector.sel_tag.setCurrentText("slow")
    assert selector.selection().tags == ("slow",) and selector.selected_counts() == (1, 30)
    selector.set_episodes(summary())  # read again (a label changed): the choice stays
    assert selector.sel_tag.currentText() == "slow"
    selector.set_episodes(None)  # no dataset: no tags to offer
    assert selector.sel_tag.count() == 1 and selector.sel_tag.currentText() == ANY_TAG
    assert selector.selection().tags == ()
