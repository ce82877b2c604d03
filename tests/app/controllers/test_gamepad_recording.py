"""Recording through the window with a real SDL virtual gamepad: a Box env, unplug and replug."""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import Qt

from bc.data.archive import load
from recorder_app.controllers.gamepads import ACTIVE_POLL_MS, GAMEPAD_POLL_MS
from recorder_app.input.virtual_joystick import VirtualJoystick
from tests.app.conftest import QT_MARKS
from tests.app.controllers.test_recording import check_format, shortcut, stop_recording, wait_saved

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
    with qtbot.waitSignal(win.session.recording.recording_changed, timeout=20_000):
        shortcut(qtbot, win, Qt.Key.Key_R)
    wait_saved(qtbot, win, 1)
    virtual_gamepad.set_axis(0, 1.0)
    pad_reads(qtbot, win, "LeftX", 1.0)
    # the episode shown now may have started before the switch (and the frame may be one
    # episode old; saving lags further): the one two after it started after the switch
    after_switch = win.session.recording.last_status.episode + 2
    wait_saved(qtbot, win, after_switch + 1)
    stop_recording(qtbot, win)

    check_format(win.session.dataset.path, (2,), np.float32, (1,), "f")
    data = load(win.session.dataset.path)
    first = data.episode(0).actions
    last = data.episode(after_switch).actions
    assert first.dtype == np.float32 and len(first) == 15
    assert np.all(first == -1.0) and np.all(last == 1.0)
    assert "gamepad" in data.metadata["input_device"]


def test_unplugging_the_gamepad_pauses_and_replugging_resumes(open_window, qtbot, virtual_gamepad):
    win = open_window("MountainCarContinuous-v0", gamepads=True)
    pick_pad(qtbot, win)
    watch = win.session.gamepad_watch
    assert watch is not None and watch.interval_ms == ACTIVE_POLL_MS  # a pad drives: fast polls
    with qtbot.waitSignal(win.session.recording.recording_changed, timeout=20_000):
        shortcut(qtbot, win, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: win.session.recording.last_status.step > 3)

    virtual_gamepad.detach()
    qtbot.waitUntil(lambda: win.session.recording.pause_reason == "gamepad", timeout=5_000)
    qtbot.waitUntil(lambda: "gamepad unplugged" in win.hud.text())
    assert "unplugged" in win.statusBar().currentMessage()
    assert watch.interval_ms == GAMEPAD_POLL_MS  # nothing to read but hot-plug
    step = win.session.recording.last_status.step
    qtbot.wait(300)  # 60 ticks at 200 fps, had it been running
    assert win.session.recording.last_status.step == step and win.session.recording.active

    again = VirtualJoystick()
    try:
        qtbot.waitUntil(lambda: not win.session.recording.paused, timeout=5_000)
        assert win.session.gamepads.active == PAD
        assert watch.interval_ms == ACTIVE_POLL_MS
        qtbot.waitUntil(lambda: win.session.recording.last_status.step > step + 5)
    finally:
        again.detach()
