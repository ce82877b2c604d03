"""Holes 3 and 6 in the app: a locked dataset opens read-only; a failing disk never traps data.

As root, file modes do not refuse writes, so the disk is made to fail for real another way:
the dataset's folder is swapped for a regular file while recording, and every write under it
fails with ENOTDIR ("Not a directory"), whoever the user is. (Privilege-dropping and
RLIMIT_FSIZE children cover the library in test_unwritable.py; a GUI in such a child would
need its own display and config, so the app is tested in-process this way.)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PyQt6.QtWidgets import QMessageBox, QPushButton

import bc
from tests.app.conftest import (
    QT_MARKS,
    _collect_qt_garbage,  # noqa: F401  (as for every app test)
)
from tests.safety.trials import start_writer

pytestmark = QT_MARKS
SHORT = {"max_episode_steps": 5}


def _start_recording(qtbot, session):
    with qtbot.waitSignal(session.recording.recording_changed, timeout=20_000):
        session.toggle_recording()
    assert session.recording.active


def _break_folder(folder: Path) -> Path:
    """Swap a folder for a regular file: every write under it now fails with ENOTDIR."""
    moved = folder.with_name(folder.name + "-moved")
    folder.rename(moved)
    folder.write_text("not a folder any more")
    return moved


def _break_folder_between_writes(qtbot, session, folder: Path) -> Path:
    """`_break_folder` while the recorder's writer is idle, so its next write fails with ENOTDIR.

    A swap during a write would fail that write with whatever the half-done swap gives
    (ENOENT between the rename and the create, or EEXIST from mkdir's own check), not with the
    error the tests expect. So: pause (no episode ends), wait until every ended episode is on
    disk, swap. The caller resumes with `resume_if("test")` when it wants the env to run on.
    """
    session.recording.pause_for("test")
    qtbot.waitUntil(lambda: session.recording.paused)
    qtbot.waitUntil(lambda: len(session.recording.saved) >= session.recording.last_status.episode)
    return _break_folder(folder)


def _mend_folder(folder: Path, moved: Path) -> None:
    if moved.exists():
        folder.unlink()
        moved.rename(folder)


def test_failing_disk_pauses_and_saves_elsewhere(open_window, qtbot, tmp_path):
    folder = tmp_path / "rec"
    win = open_window(env_kwargs=SHORT, dataset=folder / "ds.npz")
    session = win.session
    _start_recording(qtbot, session)
    qtbot.waitUntil(lambda: len(session.recording.saved) >= 2, timeout=20_000)
    moved = _break_folder_between_writes(qtbot, session, folder)
    try:
        with qtbot.waitSignal(session.recording.write_trouble, timeout=20_000) as trouble:
            session.recording.resume_if("test")  # the next episode's write meets the file
        assert "Not a directory" in trouble.args[0]
        qtbot.waitUntil(
            lambda: session.recording.paused and session.recording.pause_reason == "cannot save"
        )
        qtbot.waitUntil(win.write_trouble.isVisible)
        # one dialog for the write failures, no stack of boxes
        assert not [t for t, _ in win.errors.history if "save" in t.lower()]
        ended_while_failing = session.recording.last_status.episode
        elsewhere = tmp_path / "elsewhere" / "saved.npz"
        win.write_trouble.choose = lambda _parent, _near: elsewhere
        win.write_trouble.save_button.click()
        qtbot.waitUntil(lambda: session.dataset.path == elsewhere, timeout=20_000)
        qtbot.waitUntil(
            lambda: not session.recording.paused, timeout=10_000
        )  # resumed: recording goes on
        qtbot.waitUntil(
            lambda: session.recording.last_status.episode >= ended_while_failing + 2, timeout=20_000
        )
        with qtbot.waitSignal(session.recording.recording_changed, timeout=20_000):
            session.toggle_recording()
    finally:
        _mend_folder(folder, moved)
    old, new = bc.load(folder / "ds.npz"), bc.load(elsewhere)
    seeds = np.concatenate([old.episode_seeds, new.episode_seeds]).tolist()
    assert seeds == list(range(seeds[0], seeds[0] + len(seeds)))  # none lost, none twice
    assert old.n_episodes >= 2 and new.n_episodes >= 2


def test_closing_with_a_failing_disk_offers_a_way_out(open_window, qtbot, tmp_path):
    folder = tmp_path / "rec"
    win = open_window(env_kwargs=SHORT, dataset=folder / "ds.npz")
    session = win.session
    _start_recording(qtbot, session)
    qtbot.waitUntil(lambda: len(session.recording.saved) >= 1, timeout=20_000)
    moved = _break_folder_between_writes(qtbot, session, folder)
    try:
        with qtbot.waitSignal(session.recording.write_trouble, timeout=20_000):
            session.shutdown(keep_partial=True)  # what closing does: saving fails, app stays
        qtbot.waitUntil(win.write_trouble.isVisible)
        assert "Not a directory" in win.write_trouble.text() and win.isVisible()
        with qtbot.waitSignal(session.recording.recording_changed, timeout=20_000):
            win.write_trouble.discard_button.click()
        assert not session.recording.active
        with qtbot.waitSignal(session.recording.closed, timeout=20_000):
            win.close()  # nothing is left to save: closing works
    finally:
        _mend_folder(folder, moved)
    assert bc.load(folder / "ds.npz").n_episodes >= 1  # the saved episodes stayed


def test_a_dataset_another_writer_holds_opens_read_only(open_window, qtbot, tmp_path):
    path = tmp_path / "held.npz"
    writer = start_writer(tmp_path, path, 0, 2)
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "open"
        assert writer.stdout.readline().strip() == "recorded"
        win = open_window(env_id="CartPole-v1")
        session = win.session
        with qtbot.waitSignal(session.dataset.locked, timeout=10_000) as locked:
            session.dataset.open(path)
        assert f"pid {writer.pid}" in locked.args[1]
        box = next(b for b in win.findChildren(QMessageBox) if b.isVisible())
        assert "open for writing by" in box.text()
        with qtbot.waitSignal(session.dataset.changed, timeout=10_000):
            box.findChild(QPushButton, "open_read_only").click()
        assert session.dataset.read_only and session.dataset.path == path
        with qtbot.waitSignal(session.failed, timeout=5_000) as refused:
            session.toggle_recording()
        assert "read-only" in refused.args[1] and not session.recording.active
    finally:
        writer.communicate("\n", timeout=30)
    assert bc.load(path).n_episodes == 2


def test_an_unwritable_destination_is_refused_before_recording(open_window, qtbot, tmp_path):
    (tmp_path / "file").write_text("a file, not a folder")
    win = open_window(env_kwargs=SHORT, dataset=tmp_path / "file" / "ds.npz")
    with qtbot.waitSignal(win.errors.error_shown, timeout=10_000) as shown:
        win.session.toggle_recording()
    assert shown.args[0] == "Cannot record" and "file, not a folder" in shown.args[1]
    assert not win.session.recording.active
