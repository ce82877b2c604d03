"""The episode table: rows and their looks, the selection kept across updates, the filter."""

from __future__ import annotations

from PyQt6.QtCore import Qt

from recorder_app.state import EpisodeRow
from recorder_app.widgets.episode_table import COLUMNS, EpisodeTable
from tests.app.conftest import QT_MARKS

pytestmark = QT_MARKS


def rows(n: int) -> list[EpisodeRow]:
    """`n` episodes; the second is flagged bad, the last one undone."""
    return [
        EpisodeRow(
            i, 10 + i, float(i), True, float("nan"), i, flag=-1 if i == 1 else 0, undone=i == n - 1
        )
        for i in range(n)
    ]


def test_rows_selection_and_filter(qtbot):
    table = EpisodeTable()
    qtbot.addWidget(table)
    table.show_rows(rows(3))
    assert table.rowCount() == 3 and table.columnCount() == len(COLUMNS)
    assert (
        table.item(1, 1).text() == "✘ bad"
        and table.item(1, 1).foreground().color().name() == "#c62828"
    )
    assert table.item(2, 1).text() == "undone" and table.item(2, 0).font().strikeOut()
    assert table.item(0, 2).textAlignment() & Qt.AlignmentFlag.AlignRight
    assert "terminated" in table.item(0, 4).toolTip()
    table.select_episodes([0, 2])
    assert table.selected_episodes() == [0, 2]
    table.show_rows(rows(2))  # the list shrank: the selection keeps what still exists
    assert table.rowCount() == 2 and table.selected_episodes() == [0]
    table.filter_rows(rows(2), lambda row: row.flag == 0)
    assert table.visible_episodes() == [0]
    table.filter_rows(rows(2), lambda row: True)
    assert table.visible_episodes() == [0, 1]
    table.fit_columns()
    header = table.horizontalHeader()
    seed_end = sum(header.sectionSize(c) for c in range(COLUMNS.index("Seed") + 1))
    assert table.minimumWidth() > seed_end  # every column up to Seed fits
