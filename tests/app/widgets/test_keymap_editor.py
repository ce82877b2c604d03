"""The key map editor: rebind with a real key press, see conflicts, save and reload."""

from __future__ import annotations

import pytest
from PyQt6.QtCore import Qt

from bc.envs import make_env
from recorder_app.input import load_bindings
from recorder_app.widgets.keymap_editor import KeymapEditor

pytestmark = pytest.mark.qt_log_level_fail("WARNING")


@pytest.fixture(autouse=True)
def _fresh_config(tmp_path, monkeypatch):
    monkeypatch.setenv("DEMO_RECORDER_CONFIG_DIR", str(tmp_path / "config"))


def test_rebind_save_and_reload(qtbot):
    env = make_env("CartPole-v1", render_mode=None)
    editor = KeymapEditor("CartPole-v1", env.action_space)
    qtbot.addWidget(editor)
    assert editor.table.item(0, 0).text() == "Left"
    editor.start_capture(0)
    qtbot.keyClick(editor, Qt.Key.Key_J)
    assert editor.table.item(0, 0).text() == "J"
    editor.save()
    assert editor.result() == editor.DialogCode.Accepted
    reloaded = load_bindings("CartPole-v1", env.action_space)
    assert reloaded.keys[0].keys == ("J",) and "config" in reloaded.source
    fresh = KeymapEditor("CartPole-v1", env.action_space)
    qtbot.addWidget(fresh)
    assert fresh.table.item(0, 0).text() == "J"
    fresh.reset_to_defaults()
    assert fresh.table.item(0, 0).text() == "Left"


def test_conflicts_are_flagged(qtbot):
    env = make_env("CarRacing-v3", render_mode=None)
    editor = KeymapEditor("CarRacing-v3", env.action_space)
    qtbot.addWidget(editor)
    assert editor.status.text() == "No conflicts."
    editor.start_capture(3)  # gas (axis 1 towards high): rebind to Left, steering's key
    qtbot.keyClick(editor, Qt.Key.Key_Left)
    assert "Left drives both axis 0- and axis 1+" in editor.status.text()
    assert editor.table.item(3, 0).background().color().red() == 255
    assert editor.table.item(0, 0).background().color().green() == 200


def test_ctrl_chords_and_escape_do_not_rebind(qtbot):
    env = make_env("CartPole-v1", render_mode=None)
    editor = KeymapEditor("CartPole-v1", env.action_space)
    qtbot.addWidget(editor)
    editor.start_capture(1)
    qtbot.keyClick(editor, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert "cannot be bound" in editor.status.text()
    editor.start_capture(1)
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert editor.table.item(1, 0).text() == "Right"
