"""The window's actions and menus, built from the shortcuts file."""

from __future__ import annotations

from PyQt6.QtWidgets import QMainWindow

from recorder_app.menus import CHECKABLE, MENUS, build_actions, build_menus, set_checked
from recorder_app.shortcuts import load_shortcuts
from tests.app.conftest import QT_MARKS

pytestmark = QT_MARKS


def test_every_menu_entry_is_a_shortcut_and_lands_in_its_menu(qtbot):
    window = QMainWindow()
    qtbot.addWidget(window)
    shortcuts = load_shortcuts()
    actions = build_actions(window, shortcuts)
    build_menus(window.menuBar(), actions)
    assert set(actions) == set(shortcuts) and set(window.actions()) == set(actions.values())
    menus = window.menuBar().actions()
    assert [m.text() for m in menus] == list(MENUS)
    for menu_action, names in zip(menus, MENUS.values(), strict=True):
        entries = menu_action.menu().actions()
        assert [None if a.isSeparator() else a.objectName() for a in entries] == [
            None if n is None else f"action_{n}" for n in names
        ]
    assert {n for n, a in actions.items() if a.isCheckable()} == set(CHECKABLE)
    assert "(Ctrl+R)" in actions["record"].toolTip()


def test_set_checked_shows_state_without_triggering(qtbot):
    window = QMainWindow()
    qtbot.addWidget(window)
    action = build_actions(window, load_shortcuts())["pause"]
    fired: list[bool] = []
    action.toggled.connect(fired.append)
    set_checked(action, True)
    assert action.isChecked() and fired == []
    action.toggle()
    assert fired == [False]
