"""Curating in the app: flag, tag and note episodes, filter them, undo, drop the partial episode."""

from __future__ import annotations

from PyQt6.QtCore import Qt

from bc import curation
from bc.data.archive import load
from recorder_app.state import LabelChange
from tests.app.conftest import QT_MARKS
from tests.app.controllers.test_recording import (
    SHORT_CARTPOLE,
    shortcut,
    stop_recording,
    wait_saved,
)
from tests.app.widgets.test_dataset_panel import make_dataset

pytestmark = QT_MARKS
CTRL = Qt.KeyboardModifier.ControlModifier


def test_flag_keys_tags_note_and_filter_in_the_panel(open_window, qtbot, app_home):
    path = app_home / "demo.npz"
    make_dataset(path, episodes=3)
    win = open_window(dataset=path)
    panel = win.dataset_panel
    qtbot.waitUntil(lambda: panel.table.rowCount() == 3)
    panel.select_episodes([1])
    panel.table.setFocus()
    with qtbot.waitSignal(win.session.dataset.changed, timeout=20_000):
        qtbot.keyClick(panel.table, Qt.Key.Key_G)  # G in the list: good
    qtbot.waitUntil(lambda: list(load(path).episode_flag) == [0, 1, 0], timeout=20_000)
    qtbot.waitUntil(lambda: panel.table.item(1, 1).text() == "✔ good")
    panel.select_episodes([2])
    qtbot.keyClick(panel.table, Qt.Key.Key_B)
    qtbot.waitUntil(lambda: list(load(path).episode_flag) == [0, 1, -1], timeout=20_000)
    panel.select_episodes([1, 2])
    panel.edit_labels(tags="expert, slow start", note="calm hands")
    qtbot.waitUntil(
        lambda: curation.tags_of(load(path), 2) == ["expert", "slow start"],
        timeout=20_000,
    )
    panel.edit_labels([2], tags="expert", note="")  # one tag removed, the note cleared
    qtbot.waitUntil(lambda: curation.tags_of(load(path), 2) == ["expert"], timeout=20_000)
    data = load(path)
    assert list(data.episode_notes) == ["", "calm hands", ""]
    qtbot.waitUntil(lambda: panel.table.item(1, 7).text() == "expert, slow start")
    assert panel.table.item(1, 8).text() == "calm hands"
    qtbot.waitUntil(lambda: panel.table.item(2, 1).text() == "✘ bad")
    # filter: by text in tags or note, and by flag; the file is untouched
    panel.filter_edit.setText("slow")
    assert panel.visible_episodes() == [1]
    panel.filter_edit.setText("")
    panel.flag_filter.setCurrentText("bad")
    assert panel.visible_episodes() == [2]
    panel.flag_filter.setCurrentText("unset")
    assert panel.visible_episodes() == [0]
    panel.flag_filter.setCurrentText("any flag")
    assert panel.visible_episodes() == [0, 1, 2]
    # G again on a good episode unsets it
    panel.select_episodes([1])
    qtbot.keyClick(panel.table, Qt.Key.Key_G)
    qtbot.waitUntil(lambda: list(load(path).episode_flag) == [0, 0, -1], timeout=20_000)


def test_flag_and_undo_right_after_an_episode_ends_while_recording(open_window, qtbot, app_home):
    path = app_home / "rec.npz"
    win = open_window(env_kwargs=SHORT_CARTPOLE, dataset=path)
    with qtbot.waitSignal(win.session.recording.recording_changed, timeout=20_000):
        shortcut(qtbot, win, Qt.Key.Key_R)
    wait_saved(qtbot, win, 2)
    shortcut(qtbot, win, Qt.Key.Key_G)  # the episode that just ended: good
    flagged = max(r.index for r in win.session.dataset.view.data.rows)
    assert win.session.dataset.view.data.rows[flagged].flag == 1  # shown at once
    wait_saved(qtbot, win, flagged + 2)
    shortcut(qtbot, win, Qt.Key.Key_Z)  # undo the one that just ended
    undone = win.session.dataset.pending.undo[-1]
    assert undone > flagged
    assert win.dataset_panel.table.item(undone, 1).text() == "undone"
    stop_recording(qtbot, win)
    qtbot.waitUntil(lambda: not win.session.dataset.pending, timeout=20_000)
    qtbot.waitUntil(
        lambda: (
            win.session.dataset.view.data is not None
            and all(not r.undone for r in win.session.dataset.view.data.rows)
        ),
        timeout=20_000,
    )
    data = load(path)
    assert data.episode_flag[flagged] == 1
    saved = win.session.recording.saved
    assert data.n_episodes == len(saved) - 1  # every saved episode but the undone one
    kept_seeds = [e.summary.seed for e in saved if e.summary.index != undone]
    assert list(data.episode_seeds) == kept_seeds


def test_undo_the_only_episode_then_record_again(open_window, qtbot, app_home):
    path = app_home / "one.npz"
    make_dataset(path, episodes=1)
    win = open_window(env_kwargs=SHORT_CARTPOLE, dataset=path)
    qtbot.waitUntil(lambda: win.dataset_panel.table.rowCount() == 1)
    with qtbot.waitSignal(
        win.session.dataset.changed,
        timeout=20_000,
        check_params_cb=lambda v: v.data is not None and v.data.n_episodes == 0,
    ):
        shortcut(qtbot, win, Qt.Key.Key_Z)
    assert load(path).n_episodes == 0
    with qtbot.waitSignal(win.session.recording.recording_changed, timeout=20_000):
        shortcut(qtbot, win, Qt.Key.Key_R)
    wait_saved(qtbot, win, 1)
    stop_recording(qtbot, win)
    assert load(path).n_episodes >= 1


def test_stop_with_shift_drops_the_partial_episode(open_window, qtbot, app_home):
    path = app_home / "drop.npz"
    win = open_window(env_id="MountainCar-v0", env_kwargs={"max_episode_steps": 5000}, dataset=path)
    rec = win.session.recording
    with qtbot.waitSignal(rec.recording_changed, timeout=20_000):
        shortcut(qtbot, win, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: rec.last_status.recording and rec.last_status.step >= 10)
    with qtbot.waitSignal(rec.recording_changed, timeout=20_000):
        qtbot.keyClick(win, Qt.Key.Key_R, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert not rec.saved  # the partial episode was dropped, not kept truncated
    assert not path.exists() or load(path).n_episodes == 0
    # the setting does the same for a plain stop
    win.actions_by_name["drop_partial_on_stop"].setChecked(True)
    assert win.session.drop_partial_on_stop
    with qtbot.waitSignal(rec.recording_changed, timeout=20_000):
        shortcut(qtbot, win, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: rec.last_status.recording and rec.last_status.step >= 10)
    stop_recording(qtbot, win)
    assert not rec.saved


def test_label_change_on_rows():
    from recorder_app.state import EpisodeRow

    row = EpisodeRow(3, 10, 1.0, True, 0.0, 7, tags=("a", "b"), note="x", flag=0)
    changed = LabelChange((3,), flag=-1, add_tags=("c",), remove_tags=("a",)).on_row(row)
    assert changed.tags == ("b", "c") and changed.flag == -1 and changed.note == "x"
    assert LabelChange((4,), flag=1).on_row(row) is row


def test_labels_made_while_recording_are_saved_when_the_app_closes(open_window, qtbot, app_home):
    path = app_home / "close.npz"
    win = open_window(env_kwargs=SHORT_CARTPOLE, dataset=path)
    with qtbot.waitSignal(win.session.recording.recording_changed, timeout=20_000):
        shortcut(qtbot, win, Qt.Key.Key_R)
    wait_saved(qtbot, win, 1)
    shortcut(qtbot, win, Qt.Key.Key_B)  # the episode that just ended: bad
    flagged = max(r.index for r in win.session.dataset.view.data.rows)
    assert win.session.dataset.pending
    with qtbot.waitSignal(win.session.recording.closed, timeout=20_000):
        win.session.shutdown(keep_partial=False)
    assert load(path).episode_flag[flagged] == -1


def test_seed_column_fits_the_default_dock(open_window, qtbot, app_home):
    path = app_home / "seeds.npz"
    make_dataset(path, episodes=2)
    win = open_window(dataset=path)
    panel = win.dataset_panel
    qtbot.waitUntil(lambda: panel.table.rowCount() == 2)
    header = panel.table.horizontalHeader()
    seed = 6
    right = header.sectionViewportPosition(seed) + header.sectionSize(seed)
    assert right <= panel.table.viewport().width()
