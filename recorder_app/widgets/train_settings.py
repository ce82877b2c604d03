"""The Train panel's settings form: the episode selection, then policy, epochs, rates, device.

The rows after the selection fold behind one line that sums them up ("Settings: mlp · 30
epochs · lr 0.001 ..."), folded by default: the defaults train well, and the live plots below
get the room.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QWidget,
)

from bc.selection import EpisodeSelection
from recorder_app.state import TrainSettings
from recorder_app.widgets.episode_selection import EpisodeSelector


class TrainSettingsForm(QWidget):
    """One form: which episodes (an `EpisodeSelector`), then the training's settings (foldable)."""

    def __init__(self, selector: EpisodeSelector, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.preset = QComboBox()
        self.preset.addItems(["auto", "mlp", "cnn"])
        self.preset.setToolTip("auto: a CNN for image observations, else an MLP")
        self.epochs = spin_box(1, 100_000, 30)
        self.learning_rate = QDoubleSpinBox(decimals=5, minimum=1e-5, maximum=1.0, value=1e-3)
        self.learning_rate.setSingleStep(1e-4)
        self.batch_size = spin_box(1, 65_536, 64)
        self.val_fraction = QDoubleSpinBox(decimals=2, minimum=0.0, maximum=0.9, value=0.2)
        self.val_fraction.setSingleStep(0.05)
        self.split = QComboBox()
        self.split.addItems(["episode", "sample"])
        self.seed = spin_box(0, 2**31 - 1, 0)
        self.eval_episodes = spin_box(0, 1000, 5)
        self.device = QComboBox()
        self.device.addItems(["auto", "cpu", "cuda"])
        self.device.setToolTip("auto: a GPU when torch sees one, else the CPU")
        # the label sits beside the selector's first row, as it would beside a one-row field
        episodes = QLabel("Episodes")
        episodes.setMaximumHeight(selector.first_row_height())
        self.fold = QToolButton(checkable=True, autoRaise=True)
        self.fold.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.fold.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.fold.toggled.connect(self.set_expanded)
        self._form = form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(episodes, selector)
        form.addRow(self.fold)
        form.addRow("Policy", self.preset)
        form.addRow("Epochs", self.epochs)
        form.addRow("Learning rate", self.learning_rate)
        form.addRow("Batch size", self.batch_size)
        form.addRow("Validation share", self.val_fraction)
        form.addRow("Split by", self.split)
        form.addRow("Seed", self.seed)
        form.addRow("Evaluate on (episodes)", self.eval_episodes)
        form.addRow("Device", self.device)
        for box in (self.epochs, self.batch_size, self.seed, self.eval_episodes):
            box.valueChanged.connect(self._sum_up)
        self.learning_rate.valueChanged.connect(self._sum_up)
        self.val_fraction.valueChanged.connect(self._sum_up)
        for combo in (self.preset, self.split, self.device):
            combo.currentTextChanged.connect(self._sum_up)
        self.set_expanded(False)

    @property
    def expanded(self) -> bool:
        """True when the settings rows show."""
        return self.fold.isChecked()

    def set_expanded(self, on: bool) -> None:
        """Show or fold the rows after the episode selection."""
        self.fold.setChecked(on)
        self.fold.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)
        for row in range(2, self._form.rowCount()):
            self._form.setRowVisible(row, on)
        self._sum_up()

    def summary(self) -> str:
        """The settings in one line, as the folded header shows them."""
        return (
            f"{self.preset.currentText()} policy · {self.epochs.value()} epochs · "
            f"lr {self.learning_rate.value():g} · batch {self.batch_size.value()} · "
            f"{self.val_fraction.value():.0%} validation by {self.split.currentText()} · "
            f"seed {self.seed.value()} · evaluate {self.eval_episodes.value()} · "
            f"{self.device.currentText()} device"
        )

    def _sum_up(self) -> None:
        text = self.summary()
        self.fold.setToolTip(text)
        short = (
            f"{self.preset.currentText()} · {self.epochs.value()} epochs · "
            f"lr {self.learning_rate.value():g} · batch {self.batch_size.value()} · ..."
        )
        self.fold.setText("Settings" if self.expanded else f"Settings: {short}")

    def settings(
        self,
        dataset: Path,
        env_id: str,
        env_kwargs: dict[str, Any],
        selection: EpisodeSelection,
    ) -> TrainSettings:
        """The settings the form shows, for this dataset, env and episode selection."""
        return TrainSettings(
            dataset=dataset,
            env_id=env_id,
            env_kwargs=env_kwargs,
            preset=self.preset.currentText(),
            n_epochs=self.epochs.value(),
            learning_rate=self.learning_rate.value(),
            batch_size=self.batch_size.value(),
            train_fraction=1.0 - self.val_fraction.value(),
            split=self.split.currentText(),
            seed=self.seed.value(),
            eval_episodes=self.eval_episodes.value(),
            device=self.device.currentText(),
            selection=None if selection.is_all else selection,
        )


def spin_box(low: int, high: int, value: int) -> QSpinBox:
    """An integer box from `low` to `high` showing `value`."""
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    return box
