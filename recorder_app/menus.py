"""The main window's actions and menus: one QAction per shortcut, grouped into the menu bar."""

from __future__ import annotations

from collections.abc import Mapping

from PyQt6.QtGui import QAction, QKeySequence
from PyQt6.QtWidgets import QMenuBar, QWidget

from recorder_app.shortcuts import Shortcut

MENUS = {
    "&File": ("open_dataset", "new_dataset", None, "quit"),
    "&Record": (
        "record",
        "pause",
        "step",
        "discard",
        "end_episode",
        "stop_drop",
        "drop_partial_on_stop",
        "start_on_input",
        None,
        "wait_for_input",
        "slower",
        "faster",
        "native_fps",
    ),
    "&Env": ("choose_env", "keymap"),
    "E&pisode": ("undo_episode", "flag_good", "flag_bad", "label_episode"),
    "&Help": ("help",),
}
"""Menu titles and their actions by shortcut name, in order; None is a separator."""
CHECKABLE = ("record", "pause", "wait_for_input", "drop_partial_on_stop", "start_on_input")
"""Actions that show an on/off state."""


def build_actions(window: QWidget, shortcuts: Mapping[str, Shortcut]) -> dict[str, QAction]:
    """One action per shortcut, added to `window` so its keys work even without the menu bar."""
    actions = {}
    for name, sc in shortcuts.items():
        action = QAction(sc.text, window)
        action.setObjectName(f"action_{name}")
        if sc.keys:
            action.setShortcut(QKeySequence(sc.keys))
        action.setToolTip(f"{sc.help} ({sc.keys})" if sc.keys else sc.help)
        action.setCheckable(name in CHECKABLE)
        window.addAction(action)  # shortcuts work even with the menu bar hidden
        actions[name] = action
    return actions


def build_menus(bar: QMenuBar, actions: Mapping[str, QAction]) -> None:
    """Fill the menu bar with `MENUS` (actions missing from `actions` are left out)."""
    for title, names in MENUS.items():
        menu = bar.addMenu(title)
        assert menu is not None
        for name in names:
            if name is None:
                menu.addSeparator()
            elif name in actions:
                menu.addAction(actions[name])


def set_checked(action: QAction, checked: bool) -> None:
    """Reflect state on a checkable action without triggering it."""
    action.blockSignals(True)
    action.setChecked(checked)
    action.blockSignals(False)
