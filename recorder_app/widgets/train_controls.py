"""The Train panel's buttons: Pretrain, Cancel, Watch, Correct, hand-back delay, auto-retrain."""

from __future__ import annotations

from PyQt6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from recorder_app.widgets.train_settings import spin_box


class TrainControls(QWidget):
    """Two rows: the run and policy buttons; then "Retrain after N" and the hand-back delay."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pretrain_button = QPushButton("Pretrain", enabled=False)  # until a dataset fits
        self.pretrain_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel", enabled=False)
        self.watch_button = QPushButton("Watch policy", checkable=True, enabled=False)
        self.correct_button = QPushButton("Correct", checkable=True, enabled=False)
        self.correct_button.setToolTip(
            "The policy plays and every episode is recorded: hold any game key (or move a "
            "stick) to take over, release to hand back. Pretrain again to learn from the "
            "corrections (docs/dagger.md)."
        )
        self.holdoff = QDoubleSpinBox(decimals=2, minimum=0.0, maximum=5.0, value=0.3)
        self.holdoff.setSingleStep(0.1)
        self.holdoff.setSuffix(" s")
        self.holdoff.setToolTip(
            "After you release, you keep control this long before the hand-back"
        )
        buttons = QHBoxLayout()
        for b in (self.pretrain_button, self.cancel_button, self.watch_button, self.correct_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.retrain_every = spin_box(0, 10_000, 0)
        self.retrain_every.setSpecialValueText("off")
        self.retrain_every.setSuffix(" corrections")
        self.retrain_every.setToolTip(
            "Correct mode: after this many correction episodes, train on every demonstration "
            "plus every take-over step, evaluate, and let the new policy go on correcting "
            "(the next round); off: click Pretrain yourself"
        )
        auto_row = QHBoxLayout()
        auto_row.addWidget(QLabel("Retrain after"))
        auto_row.addWidget(self.retrain_every)
        auto_row.addSpacing(12)
        auto_row.addWidget(QLabel("hand back after"))
        auto_row.addWidget(self.holdoff)
        auto_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addLayout(auto_row)

    def set_policy_buttons_enabled(self, enabled: bool) -> None:
        """Watch and Correct need a policy."""
        self.watch_button.setEnabled(enabled)
        self.correct_button.setEnabled(enabled)

    def set_running(self, running: bool, can_start: bool) -> None:
        """A run is on (Cancel only) or over (Pretrain when `can_start`)."""
        self.pretrain_button.setEnabled(can_start and not running)
        self.cancel_button.setEnabled(running)
