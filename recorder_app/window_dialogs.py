"""The main window's questions and dialogs: discard the episode?, keep it on close?, Help, keys."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QMessageBox, QWidget

from recorder_app.controllers.recording import RecordingController
from recorder_app.session import Session
from recorder_app.shortcuts import Shortcut
from recorder_app.widgets.dataset_dialogs import locked_dataset_box
from recorder_app.widgets.help_dialog import HelpDialog


def confirm_discard(
    parent: QWidget, rec: RecordingController, finished: Callable[[], None]
) -> QMessageBox | None:
    """Ask before dropping the episode being recorded (Yes restarts it from its seed).

    The question is window-modal but does not block the event loop; returns it (None when
    there is nothing to lose: not recording, or no step yet). `finished` runs once answered.
    """
    if not rec.episode_in_progress:
        rec.discard_episode()
        return None
    box = QMessageBox(
        QMessageBox.Icon.Question,
        "Discard episode",
        f"Discard the episode being recorded ({rec.last_status.step} steps) and restart it "
        "from the same seed? It is not saved.",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        parent,
    )
    box.setDefaultButton(QMessageBox.StandardButton.Yes)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.accepted.connect(rec.discard_episode)
    box.finished.connect(finished)
    box.open()
    return box


def ask_keep_partial(parent: QWidget) -> bool | None:
    """On close mid-episode: keep what was recorded (True), drop it (False), or cancel (None)."""
    buttons = (
        QMessageBox.StandardButton.Save
        | QMessageBox.StandardButton.Discard
        | QMessageBox.StandardButton.Cancel
    )
    answer = QMessageBox.question(
        parent,
        "Episode in progress",
        "An episode is being recorded. Keep what was recorded so far (saved as a "
        "truncated episode)?",
        buttons,
        QMessageBox.StandardButton.Save,
    )
    if answer == QMessageBox.StandardButton.Cancel:
        return None
    return answer == QMessageBox.StandardButton.Save


def show_help(parent: QWidget, session: Session, shortcuts: Mapping[str, Shortcut]) -> HelpDialog:
    """Open the (non-modal) Help dialog on the shortcuts and the current key map; returns it."""
    info = session.recording.env_info
    dialog = HelpDialog(
        shortcuts, session.player.binding_rows(), info.env_id if info else "-", parent
    )
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    dialog.activateWindow()  # so Escape reaches it at once
    return dialog


def open_keymap_editor(parent: QWidget, session: Session) -> None:
    """Edit the current env's key map; the player takes the new one when it is accepted."""
    info = session.recording.env_info
    if info is None:
        return
    from recorder_app.widgets.keymap_editor import KeymapEditor

    editor = KeymapEditor(info.env_id, info.action_space, parent, info.key_hints, session.gamepads)
    editor.accepted.connect(lambda: session.player.bind(info))
    editor.open()


def offer_read_only(parent: QWidget, session: Session, path: Path, holder: str) -> None:
    """Another writer holds `path`: offer (non-modal) to open it read-only."""
    box = locked_dataset_box(parent, path, holder)
    box.accepted.connect(lambda: session.dataset.open_read_only(path))
    box.show()
