"""The Train panel's settings form: the episode selection, then policy, epochs, rates, device."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PyQt6.QtWidgets import QComboBox, QDoubleSpinBox, QFormLayout, QLabel, QSpinBox, QWidget

from bc.selection import EpisodeSelection
from recorder_app.state import TrainSettings
from recorder_app.widgets.episode_selection import EpisodeSelector


class TrainSettingsForm(QWidget):
    """One form: which episodes (an `EpisodeSelector`), then the training's settings."""

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
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(episodes, selector)
        form.addRow("Policy", self.preset)
        form.addRow("Epochs", self.epochs)
        form.addRow("Learning rate", self.learning_rate)
        form.addRow("Batch size", self.batch_size)
        form.addRow("Validation share", self.val_fraction)
        form.addRow("Split by", self.split)
        form.addRow("Seed", self.seed)
        form.addRow("Evaluate on (episodes)", self.eval_episodes)
        form.addRow("Device", self.device)

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
