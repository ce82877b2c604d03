"""Two pads with different raw layouts record the same actions through the window; rumble."""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import Qt

from bc.data.archive import load
from tests.app.conftest import QT_MARKS, LayoutPad
from tests.app.controllers.test_recording import shortcut, stop_recording, wait_saved

pytestmark = QT_MARKS


def _record_one(qtbot, win, pad: LayoutPad, ready) -> np.ndarray:
    """Pick the pad, wait until the app reads `ready`, record one episode; its actions."""
    qtbot.waitUntil(lambda: pad.name in win.devices.names(), timeout=10_000)
    row = win.devices.names().index(pad.name) + 1
    win.devices.combo.setCurrentIndex(row)
    win.devices.combo.activated.emit(row)
    qtbot.waitUntil(lambda: (s := win.session.gamepads.state()) is not None and ready(s))
    with qtbot.waitSignal(win.session.recording.recording_changed, timeout=20_000):
        shortcut(qtbot, win, Qt.Key.Key_R)
    wait_saved(qtbot, win, 1)
    stop_recording(qtbot, win)
    return load(win.session.dataset.path).episode(0).actions


def test_sticks_and_triggers_record_alike_on_both_layouts(open_window, qtbot, layout_pad):
    layout_pad.left_x(-1.0)
    layout_pad.trigger(right=True, pulled=True)  # an axis from -1 on one pad, a button on the other
    win = open_window("CarRacing-v3", env_kwargs={"max_episode_steps": 4}, gamepads=True)
    actions = _record_one(
        qtbot, win, layout_pad, lambda s: s.axes["RightTrigger"] == 1.0 and s.axes["LeftX"] == -1
    )
    assert actions.dtype == np.float32 and actions.shape == (4, 3)
    assert np.all(actions == np.array([-1.0, 1.0, 0.0], np.float32))  # steer, gas, brake


def test_the_dpad_records_alike_on_both_layouts(open_window, qtbot, layout_pad):
    layout_pad.dpad("Left")  # a hat on one pad, a button on the other
    win = open_window("LunarLander-v3", env_kwargs={"max_episode_steps": 6}, gamepads=True)
    actions = _record_one(qtbot, win, layout_pad, lambda s: "Pad:DpadLeft" in s.input_names())
    assert actions.shape == (6, 1) and np.all(actions == 1)  # left engine


def test_the_pad_rumbles_when_recording_starts_and_an_episode_is_saved(open_window, qtbot):
    from recorder_app.input.virtual_joystick import VirtualJoystick

    pad = VirtualJoystick(gamecontroller=True, name="Rumbling Pad")
    try:
        win = open_window("CartPole-v1", env_kwargs={"max_episode_steps": 5}, gamepads=True)
        qtbot.waitUntil(lambda: "Rumbling Pad" in win.devices.names(), timeout=10_000)
        row = win.devices.names().index("Rumbling Pad") + 1
        win.devices.combo.setCurrentIndex(row)
        win.devices.combo.activated.emit(row)
        assert pad.rumbles == []
        with qtbot.waitSignal(win.session.recording.recording_changed, timeout=20_000):
            shortcut(qtbot, win, Qt.Key.Key_R)
        assert len(pad.rumbles) == 1  # recording started
        wait_saved(qtbot, win, 1)
        qtbot.waitUntil(lambda: len([r for r in pad.rumbles if r[0] > 0]) >= 2)
        stop_recording(qtbot, win)
    finally:
        pad.detach()


def test_a_raw_index_key_map_from_an_earlier_version_gets_a_notice(open_window, qtbot, app_home):
    import json

    folder = app_home / "config" / "demo-recorder" / "bindings"
    folder.mkdir(parents=True)
    (folder / "CartPole-v1.discrete.json").write_text(
        json.dumps(
            {
                "kind": "discrete",
                "keys": [{"keys": ["Left"], "action": 0}, {"keys": ["Right"], "action": 1}],
                "pad_keys": {"Pad:Hat0Left": "Left", "Pad:Button0": "Right"},
            }
        )
    )
    win = open_window("CartPole-v1")
    assert "Pad:Button0" in win.session.player.bindings_notice
    qtbot.waitUntil(lambda: "raw pad inputs" in win.statusBar().currentMessage())
