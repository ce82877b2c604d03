"""The dataset controller: each saved episode is appended to the summary, the file read once."""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import Qt

from bc.data.archive import load
from recorder_app.controllers import dataset as dataset_module
from tests.app.conftest import QT_MARKS
from tests.app.controllers.test_recording import (
    SHORT_CARTPOLE,
    shortcut,
    stop_recording,
    wait_saved,
)

pytestmark = QT_MARKS


def test_saved_episodes_are_appended_without_reloading_the_file(open_window, qtbot, monkeypatch):
    loads = []
    real_load = dataset_module.load_summary
    monkeypatch.setattr(
        dataset_module, "load_summary", lambda *a: (loads.append(a[0]), real_load(*a))[1]
    )
    win = open_window(env_kwargs=SHORT_CARTPOLE)
    controller = win.session.dataset
    qtbot.waitUntil(lambda: not controller._loading)
    loads.clear()
    qtbot.keyPress(win.view, Qt.Key.Key_Right)
    with qtbot.waitSignal(win.session.recording.recording_changed, timeout=20_000):
        shortcut(qtbot, win, Qt.Key.Key_R)
    wait_saved(qtbot, win, 3)
    qtbot.waitUntil(lambda: win.dataset_panel.table.rowCount() >= 3)
    assert loads == []  # every row so far came from an appended summary
    summary = controller.summary
    assert summary is not None and summary.n_episodes >= 3
    assert [r.length for r in summary.rows[:3]] == [5, 5, 5]
    assert [r.seed for r in summary.rows[:3]] == [0, 1, 2]
    assert np.all(summary.actions[:15] == 1) and summary.actions.shape[1:] == (1,)
    assert win.dataset_panel.table.item(0, 2).text() == "5"
    qtbot.keyRelease(win.view, Qt.Key.Key_Right)
    stop_recording(qtbot, win)
    qtbot.waitUntil(lambda: len(loads) == 1)  # the merged file, read once after stopping
    on_disk = load(controller.path)
    qtbot.waitUntil(lambda: controller.summary.n_episodes == on_disk.n_episodes)
    assert [r.seed for r in controller.summary.rows] == list(on_disk.episode_seeds)
    np.testing.assert_array_equal(controller.summary.actions, on_disk.actions)


def test_an_unreadable_file_chosen_with_open_keeps_the_readable_dataset(open_window, qtbot):
    win = open_window()
    controller = win.session.dataset
    good = controller.path
    qtbot.waitUntil(lambda: not controller._loading)
    corrupt = good.with_name("corrupt.npz")
    corrupt.write_bytes(b"PK\x03\x04 not a zip archive" * 10)
    with qtbot.waitSignal(controller.failed, timeout=10_000) as failed:
        controller.open(corrupt)
    title, message = failed.args
    assert title == "Cannot open dataset" and "corrupt.npz" in message
    assert f"Still using {good}" in message  # the dialog says what happens and what to do
    assert controller.path == good  # recording still targets the readable file
    qtbot.waitUntil(lambda: not controller._loading)
    assert controller.view.path == good and controller.view.warning == ""
    assert win.dataset_panel.path_label.text().startswith(str(good))
