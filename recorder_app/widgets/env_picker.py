"""The env picker: supported env ids to choose from, any id typed in, and kwargs as JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from PyQt6.QtCore import Qt, QTimer, pyqtSignal
from PyQt6.QtWidgets import (
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from bc.envs import parse_env_kwargs


def parse_kwargs(text: str) -> dict[str, Any]:
    """Parse the kwargs field: empty, or a JSON object (`bc.envs.parse_env_kwargs`).

    Raises:
        ValueError: not JSON, or JSON that is not an object (one-line message).
    """
    return parse_env_kwargs(text)


class EnvPicker(QWidget):
    """A row: env id (editable list), kwargs (JSON), and an Open button.

    Choosing an id from the list opens it at once; a typed id opens on Enter or Open.

    Signals:
        env_requested(str, dict): the user asked to open an env with these kwargs.
        invalid(str): the kwargs field does not hold a JSON object.
    """

    env_requested = pyqtSignal(str, dict)
    invalid = pyqtSignal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.env_box = QComboBox()
        self.env_box.setEditable(True)
        self.env_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.env_box.setMinimumContentsLength(22)
        self.env_box.setToolTip("Registered envs with Box/Discrete spaces, or type any env id")
        self.kwargs_edit = QLineEdit()
        self.kwargs_edit.setPlaceholderText('kwargs as JSON, e.g. {"max_episode_steps": 200}')
        self.kwargs_edit.setClearButtonEnabled(True)
        self.open_button = QPushButton("Open env")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Env"))
        layout.addWidget(self.env_box, 2)
        layout.addWidget(self.kwargs_edit, 3)
        layout.addWidget(self.open_button)
        self.open_button.clicked.connect(self._on_open_clicked)
        self.kwargs_edit.returnPressed.connect(self._on_open_clicked)
        line_edit = self.env_box.lineEdit()
        if line_edit is not None:
            line_edit.returnPressed.connect(self._on_open_clicked)
        # choosing an id from the list (or the completer) opens it: no extra click on Open
        self.env_box.activated.connect(lambda _index: self._on_open_clicked())
        self._just_requested: tuple[str, str] | None = None

    def set_env_ids(self, env_ids: Sequence[str]) -> None:
        """Offer these ids (the typed text is kept)."""
        current = self.env_box.currentText()
        self.env_box.blockSignals(True)
        self.env_box.clear()
        self.env_box.addItems(list(env_ids))
        self.env_box.setEditText(current)
        self.env_box.blockSignals(False)
        completer = QCompleter(list(env_ids), self.env_box)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.env_box.setCompleter(completer)

    def set_current(self, env_id: str, kwargs: dict[str, Any]) -> None:
        """Show the env that is open."""
        self.env_box.setEditText(env_id)
        self.kwargs_edit.setText(json.dumps(kwargs) if kwargs else "")

    def focus_env_id(self) -> None:
        """Put the cursor in the env id field, text selected."""
        self.env_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        line_edit = self.env_box.lineEdit()
        if line_edit is not None:
            line_edit.selectAll()

    def _on_open_clicked(self) -> None:
        env_id = self.env_box.currentText().strip()
        try:
            kwargs = parse_kwargs(self.kwargs_edit.text())
        except ValueError as exc:
            self.invalid.emit(str(exc))
            return
        if not env_id:
            return
        # Enter in the field also activates the list's item: one request per user action
        key = (env_id, json.dumps(kwargs, sort_keys=True))
        if key == self._just_requested:
            return
        self._just_requested = key
        QTimer.singleShot(0, self._forget_request)
        self.env_requested.emit(env_id, kwargs)

    def _forget_request(self) -> None:
        self._just_requested = None
