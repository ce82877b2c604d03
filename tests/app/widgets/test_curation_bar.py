"""The dataset panel's curation buttons and keys: each says what the user asked for."""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QListWidget

from recorder_app.widgets.curation_bar import CurationBar
from tests.app.conftest import QT_MARKS

pytestmark = QT_MARKS


def test_buttons_and_keys_ask_for_flags_and_labels(qtbot):
    bar = CurationBar()
    target = QListWidget()
    qtbot.addWidget(bar)
    qtbot.addWidget(target)
    bar.add_keys(target)
    asked: list[tuple[str, int]] = []
    bar.flag_toggled.connect(lambda flag: asked.append(("toggle", flag)))
    bar.flag_set.connect(lambda flag: asked.append(("set", flag)))
    bar.labels_requested.connect(lambda: asked.append(("labels", 0)))
    bar.good_button.click()
    bar.bad_button.click()
    bar.label_button.click()
    assert asked == [("toggle", 1), ("toggle", -1), ("labels", 0)]
    asked.clear()
    target.show()
    target.activateWindow()
    target.setFocus()
    qtbot.waitUntil(target.hasFocus)
    for key in (Qt.Key.Key_G, Qt.Key.Key_B, Qt.Key.Key_0, Qt.Key.Key_T):
        qtbot.keyClick(target, key)
    assert asked == [("toggle", 1), ("toggle", -1), ("set", 0), ("labels", 0)]
