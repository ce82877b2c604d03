"""The key map editor: rebind with a real key press, see conflicts, save and reload."""

from __future__ import annotations

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QPushButton

from bc.envs import make_env
from recorder_app.input import load_bindings
from recorder_app.widgets.keymap_editor import KeymapEditor

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints"),
]


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


def test_the_tester_shows_the_pad_and_a_pad_press_rebinds_by_its_standard_name(qtbot):
    from recorder_app.input import GamepadManager
    from tests.app.conftest import BUTTON_PAD, LayoutPad

    manager = GamepadManager()
    pad = LayoutPad(BUTTON_PAD)
    try:
        manager.poll()
        manager.select(manager.devices().index(pad.name))
        env = make_env("CartPole-v1", render_mode=None)
        editor = KeymapEditor("CartPole-v1", env.action_space, gamepads=manager)
        qtbot.addWidget(editor)
        tester = editor.tester
        assert (
            "Button Pad" in tester.pad_label.text() and "mapped by SDL" in tester.pad_label.text()
        )
        pad.trigger(right=True, pulled=True)
        pad.dpad("Up")
        manager.poll()  # the session's timer does this in the app
        qtbot.waitUntil(lambda: tester.lit() == {"Pad:DpadUp"})  # triggers are bars
        assert tester.bars["RightTrigger"].value() == 100 and tester.bars["LeftX"].value() == 0
        pad.dpad(None)
        pad.trigger(right=True, pulled=False)
        manager.poll()
        qtbot.waitUntil(lambda: not tester.lit())
        editor.start_capture(1)
        pad.pad.set_button(1, True)  # this pad's A is raw button 1
        manager.poll()
        qtbot.waitUntil(lambda: editor.table.item(1, 0).text() == "Pad:A")
        assert editor.bindings.keys[1].keys == ("Pad:A",)
        pad.pad.set_button(1, False)
        manager.poll()
    finally:
        pad.detach()
        manager.poll()


def test_the_tester_says_when_sdl_has_no_mapping(qtbot, virtual_gamepad):
    from recorder_app.input import GamepadManager

    manager = GamepadManager()
    manager.poll()
    env = make_env("CartPole-v1", render_mode=None)
    editor = KeymapEditor("CartPole-v1", env.action_space, gamepads=manager)
    qtbot.addWidget(editor)
    assert "Virtual Joystick" in editor.tester.pad_label.text()
    assert "not mapped" in editor.tester.pad_label.text()
    virtual_gamepad.set_button(3, True)
    manager.poll()
    qtbot.waitUntil(lambda: "Button3" in editor.tester.raw.text())


def test_raw_pad_names_are_flagged_and_converted(qtbot):
    import json

    from recorder_app.input import user_config_dir

    folder = user_config_dir() / "bindings"
    folder.mkdir(parents=True)
    (folder / "CartPole-v1.discrete.json").write_text(
        json.dumps(
            {
                "kind": "discrete",
                "keys": [{"keys": ["Left"], "action": 0}, {"keys": ["Pad:Button2"], "action": 1}],
                "pad_keys": {"Pad:Hat0Left": "Left"},
            }
        )
    )
    env = make_env("CartPole-v1", render_mode=None)
    editor = KeymapEditor("CartPole-v1", env.action_space)
    qtbot.addWidget(editor)
    assert "Pad:Button2" in editor.raw_notice.text() and not editor.convert_button.isHidden()
    editor.convert_to_standard()
    assert editor.table.item(1, 0).text() == "Pad:X"
    assert editor.bindings.pad_keys == {"Pad:DpadLeft": "Left"}
    assert editor.convert_button.isHidden()


@pytest.mark.parametrize(
    ("key", "name"),
    [(Qt.Key.Key_Down, "Down"), (Qt.Key.Key_Space, "Space"), (Qt.Key.Key_Up, "Up")],
)
def test_arrows_and_space_are_captured_with_focus_on_a_button(qtbot, key, name):
    env = make_env("CartPole-v1", render_mode=None)
    editor = KeymapEditor("CartPole-v1", env.action_space)
    qtbot.addWidget(editor)
    editor.show()
    qtbot.waitExposed(editor)
    rebind = next(b for b in editor.findChildren(QPushButton) if b.text() == "Rebind")
    editor.table.selectRow(0)
    rebind.setFocus()
    rebind.click()
    assert editor._capturing == 0
    # The key goes to the focused Rebind button, as a real key press would.
    qtbot.keyClick(rebind, key)
    assert editor._capturing is None
    assert editor.table.item(0, 0).text() == name
    assert editor.isVisible()


def test_the_tester_clears_the_readings_of_a_pad_unplugged(qtbot):
    from recorder_app.input import GamepadManager
    from recorder_app.input.virtual_joystick import VirtualJoystick

    manager = GamepadManager()
    pad = VirtualJoystick(naxes=6, nbuttons=15, nhats=0, gamecontroller=True, name="Gone Pad")
    try:
        pad.set_axis(0, -0.6)
        manager.poll()
        env = make_env("CartPole-v1", render_mode=None)
        editor = KeymapEditor("CartPole-v1", env.action_space, gamepads=manager)
        qtbot.addWidget(editor)
        tester = editor.tester
        manager.poll()
        qtbot.waitUntil(lambda: tester.bars["LeftX"].value() < -30)
        assert tester.raw.text().startswith("Raw: Axis0 -0.60")
    finally:
        pad.detach()
    manager.poll()
    qtbot.waitUntil(lambda: tester.pad_label.text().startswith("No gamepad connected"))
    assert all(bar.value() == 0 for bar in tester.bars.values())  # no stale stick reading
    assert tester.raw.text() == ""
