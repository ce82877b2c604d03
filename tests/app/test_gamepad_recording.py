"""Recording through the window with a real SDL virtual gamepad: a Box env, unplug and replug."""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import Qt

from bc import storage
from recorder_app.input.virtual_joystick import VirtualJoystick
from tests.app.conftest import QT_MARKS
from tests.app.test_recording import check_format, shortcut, stop_recording, wait_saved

pytestmark = QT_MARKS
PAD = "Virtual Joystick"


def pick_pad(qtbot, win) -> None:
    """Choose the virtual pad in the gamepad picker, as a user would."""
    qtbot.waitUntil(lambda: PAD in win.devices.names(), timeout=10_000)
    row = win.devices.names().index(PAD) + 1
    win.devices.combo.setCurrentIndex(row)
    win.devices.combo.activated.emit(row)
    qtbot.waitUntil(lambda: win.session.gamepads.active == PAD)


def pad_reads(qtbot, win, axis: str, value: float) -> None:
    """Wait until the app's gamepad state shows `axis` at `value`."""
    qtbot.waitUntil(
        lambda: (
            (state := win.session.gamepads.state()) is not None
            and abs(state.axes[axis] - value) < 0.01
        )
    )


def test_a_virtual_gamepad_records_a_box_env(open_window, qtbot, virtual_gamepad):
    win = open_window(
        "MountainCarContinuous-v0", env_kwargs={"max_episode_steps": 15}, gamepads=True
    )
    # plugged in before start-up: listed and picked without a hot-plug event
    qtbot.waitUntil(lambda: win.devices.combo.currentText() == PAD)
    assert win.session.gamepads.active == PAD
    pick_pad(qtbot, win)
    virtual_gamepad.set_axis(0, -1.0)  # left stick fully left: force -1
    pad_reads(qtbot, win, "LeftX", -1.0)
    with qtbot.waitSignal(win.session.recording_changed, timeout=20_000):
        shortcut(qtbot, win, Qt.Key.Key_R)
    wait_saved(qtbot, win, 1)
    virtual_gamepad.set_axis(0, 1.0)
    pad_reads(qtbot, win, "LeftX", 1.0)
    # the episode in progress once the worker has ticked again
    st = win.session.last_status
    qtbot.waitUntil(lambda: win.session.last_status != st)
    after_switch = win.session.last_status.episode
    wait_saved(qtbot, win, after_switch + 3)  # a margin of one: the status may be a tick old
    stop_recording(qtbot, win)

    check_format(win.session.dataset_path, (2,), np.float32, (1,), "f")
    data = storage.load(win.session.dataset_path)
    first = data.episode(0).actions
    last = data.episode(after_switch + 2).actions
    assert first.dtype == np.float32 and len(first) == 15
    assert np.all(first == -1.0) and np.all(last == 1.0)
    assert "gamepad" in data.metadata["input_device"]


def test_unplugging_the_gamepad_pauses_and_replugging_resumes(open_window, qtbot, virtual_gamepad):
    win = open_window("MountainCarContinuous-v0", gamepads=True)
    pick_pad(qtbot, win)
    with qtbot.waitSignal(win.session.recording_changed, timeout=20_000):
        shortcut(qtbot, win, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: win.session.last_status.step > 3)

    virtual_gamepad.detach()
    qtbot.waitUntil(lambda: win.session.pause_reason == "gamepad", timeout=5_000)
    qtbot.waitUntil(lambda: "gamepad unplugged" in win.hud.text())
    assert "unplugged" in win.statusBar().currentMessage()
    step = win.session.last_status.step
    qtbot.wait(300)  # 60 ticks at 200 fps, had it been running
    assert win.session.last_status.step == step and win.session.recording

    again = VirtualJoystick()
    try:
        qtbot.waitUntil(lambda: not win.session.paused, timeout=5_000)
        assert win.session.gamepads.active == PAD
        qtbot.waitUntil(lambda: win.session.last_status.step > step + 5)
    finally:
        again.detach()
