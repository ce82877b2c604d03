"""The dataset panel's dialogs: a disk refusing writes, a dataset in use elsewhere, labels."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

PathChooser = Callable[[QWidget | None, Path], "Path | None"]


def choose_save_path(parent: QWidget | None, near: Path) -> Path | None:
    """Ask for a new dataset file (None when cancelled)."""
    name, _ = QFileDialog.getSaveFileName(
        parent, "Save the recording to", str(near), "Expert datasets (*.npz)"
    )
    return Path(name) if name else None


class WriteTroubleDialog(QMessageBox):
    """Non-modal: the disk refused a write; the env is paused and no episode is lost yet.

    One dialog at a time: a new failure updates its text instead of stacking boxes. The
    user saves elsewhere, gives up the unsaved episodes, or closes it and tries again later.

    Signals:
        save_elsewhere_requested(Path): the user chose a new dataset file.
        discard_requested(): the user gives up the episodes not saved yet.
    """

    save_elsewhere_requested = pyqtSignal(object)
    discard_requested = pyqtSignal()

    def __init__(self, parent: QWidget | None = None, choose: PathChooser = choose_save_path):
        super().__init__(parent)
        self.choose = choose
        """Asks for the new file (a file dialog; tests put their own)."""
        self.near = Path.cwd()
        self.setIcon(QMessageBox.Icon.Warning)
        self.setWindowTitle("Could not save")
        self.setWindowModality(Qt.WindowModality.NonModal)
        self.save_button = self._button(
            "Save to another location...", QMessageBox.ButtonRole.AcceptRole
        )
        self.discard_button = self._button(
            "Discard unsaved episodes", QMessageBox.ButtonRole.DestructiveRole
        )
        self.later_button = self._button("Try again later", QMessageBox.ButtonRole.RejectRole)
        self.buttonClicked.connect(self._on_button_clicked)

    def _button(self, text: str, role: QMessageBox.ButtonRole) -> QPushButton:
        button = self.addButton(text, role)
        assert button is not None
        return button

    def report(self, message: str, near: Path) -> None:
        """Show (or update) the dialog with the real cause."""
        self.near = near
        self.setText(
            f"{message}\n\nThe env is paused. Episodes not saved yet are kept in memory: save "
            "them to another location, or discard them."
        )
        self.show()

    def _on_button_clicked(self, button: object) -> None:
        if button is self.save_button:
            path = self.choose(self.parentWidget(), self.near)
            if path is not None:
                self.save_elsewhere_requested.emit(path)
        elif button is self.discard_button:
            self.discard_requested.emit()


def locked_dataset_box(parent: QWidget | None, path: Path, holder: str) -> QMessageBox:
    """Ask (non-modal) whether to open read-only a dataset that another writer holds.

    Its Open button has the object name `open_read_only`; the caller connects `accepted`.
    """
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Information)
    box.setWindowTitle("Dataset in use")
    box.setText(
        f"{path.name} is open for writing by {holder}.\n\nOpen it read-only? You can view, "
        "replay and train on it; recording into it and deleting episodes stay off until "
        "the other writer is done."
    )
    open_button = box.addButton("Open read-only", QMessageBox.ButtonRole.AcceptRole)
    assert open_button is not None
    open_button.setObjectName("open_read_only")
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setWindowModality(Qt.WindowModality.NonModal)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    return box


class LabelDialog(QDialog):
    """Tags (comma-separated, with the dataset's own offered) and a note for some episodes."""

    def __init__(self, indices: Sequence[int], tags: str, note: str, parent: QWidget) -> None:
        super().__init__(parent)
        shown = ", ".join(str(i) for i in indices[:6]) + ("..." if len(indices) > 6 else "")
        self.setWindowTitle(f"Tags and note: episode {shown}")
        self.tags_edit = QLineEdit(tags)
        self.tags_edit.setPlaceholderText("e.g. expert, bad start")
        self.note_edit = QPlainTextEdit(note)
        self.note_edit.setPlaceholderText("A note about this episode")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Tags (comma-separated)"))
        layout.addWidget(self.tags_edit)
        layout.addWidget(QLabel("Note"))
        layout.addWidget(self.note_edit, 1)
        layout.addWidget(buttons)
        self.resize(420, 260)

    def values(self) -> tuple[str, str]:
        """The tags text and the note."""
        return self.tags_edit.text(), self.note_edit.toPlainText().strip()
