"""The dataset panel's top: the dataset's path, Open... and New..., and a warning line."""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from recorder_app.widgets.episode_table import NPZ_FILTER


class DatasetFileBar(QWidget):
    """The path shown, the buttons that ask for another file, a red line when it does not fit.

    Signals:
        open_requested(str): the user chose an existing dataset to open.
        new_requested(str): the user chose a path for a new dataset.
    """

    open_requested = pyqtSignal(str)
    new_requested = pyqtSignal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path: Path | None = None
        self.path_label = QLabel("No dataset")
        self.path_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.path_label.setWordWrap(True)
        self.open_button = QPushButton("Open...")
        self.new_button = QPushButton("New...")
        self.warning_label = QLabel()
        self.warning_label.setWordWrap(True)
        self.warning_label.setStyleSheet("color:#b71c1c;")
        self.warning_label.hide()
        self.open_button.clicked.connect(self._on_open_clicked)
        self.new_button.clicked.connect(self._on_new_clicked)
        top = QHBoxLayout()
        top.addWidget(self.path_label, 1)
        top.addWidget(self.open_button)
        top.addWidget(self.new_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.warning_label)

    def show_path(self, path: Path, exists: bool) -> None:
        """Show the dataset's path ("(new)" when the file does not exist yet)."""
        self.path = path
        self.path_label.setText(str(path) if exists else f"{path} (new)")
        self.path_label.setToolTip(str(path))

    def set_warning(self, text: str) -> None:
        """A red line under the path; "" hides it."""
        self.warning_label.setText(text)
        self.warning_label.setVisible(bool(text))

    def set_buttons_enabled(self, enabled: bool) -> None:
        """Enable or disable Open... and New..."""
        self.open_button.setEnabled(enabled)
        self.new_button.setEnabled(enabled)

    def _on_open_clicked(self) -> None:
        start = str(self.path.parent) if self.path else ""
        path, _ = QFileDialog.getOpenFileName(self, "Open dataset", start, NPZ_FILTER)
        if path:
            self.open_requested.emit(path)

    def _on_new_clicked(self) -> None:
        start = str(self.path.parent / "expert_new.npz") if self.path else "expert_new.npz"
        path, _ = QFileDialog.getSaveFileName(self, "New dataset", start, NPZ_FILTER)
        if path:
            self.new_requested.emit(path)
