"""The window's dialogs: Help lists the shortcuts and game keys, and Escape closes it."""

from __future__ import annotations

from PyQt6.QtCore import Qt

from tests.app.conftest import QT_MARKS

pytestmark = QT_MARKS


def test_help_dialog_lists_every_shortcut_and_the_game_keys(open_window, qtbot):
    win = open_window()
    with qtbot.waitSignal(win.actions_by_name["help"].triggered):
        qtbot.keyClick(win, Qt.Key.Key_F1)
    dialogs = [w for w in win.findChildren(type(win.show_help())) if w.isVisible()]
    dialog = dialogs[0]
    keys = [
        dialog.shortcut_table.item(r, 0).text() for r in range(dialog.shortcut_table.rowCount())
    ]
    for expected in ("Ctrl+R", "Ctrl+P", "Ctrl+.", "Ctrl+D", "Ctrl+E"):
        assert expected in keys
    assert dialog.binding_table.rowCount() >= 2
    inputs = [
        dialog.binding_table.item(r, 0).text() for r in range(dialog.binding_table.rowCount())
    ]
    assert any("Left" in text for text in inputs) and any("Right" in text for text in inputs)
    for d in dialogs:
        d.close()


def test_escape_closes_help_from_its_tables(open_window, qtbot):
    win = open_window()
    dialog = win.show_help()
    qtbot.waitExposed(dialog)
    dialog.shortcut_table.setFocus()
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.keyClick(dialog.shortcut_table, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())
