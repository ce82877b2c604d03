"""The Replay tab: a recorded episode frame by frame, the policy's choices beside the human's."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PyQt6.QtCore import Qt, QTimer, pyqtSignal
from PyQt6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from bc.data.arrays import DatasetArrays, policy_action_or_none
from bc.export_overlay import MAX_SCALE, ExportOptions
from bc.replay import ReplayCheck
from bc.spaces import plain_action
from recorder_app.widgets.env_view import EnvView
from recorder_app.widgets.step_strips import DisagreementStrip, TakeoverStrip


class ReplayPanel(QWidget):
    """Play/pause, step ±1, a scrub slider, speed, the recorded action, reward and return.

    The replay runs elsewhere (`ReplayController`): the panel asks through its `*_requested`
    signals and shows what its `show_*` slots receive.

    Signals:
        open_requested(object, int, str, object): dataset path, episode, env id, env kwargs.
        frame_requested(int): show this step.
        compare_requested(object): compare this policy's actions with the recorded ones.
        export_requested(object, float, object): write the episode to this path at this fps,
            drawn as the `ExportOptions` say (scale, caption band).
    """

    open_requested = pyqtSignal(object, int, str, object)
    frame_requested = pyqtSignal(int)
    compare_requested = pyqtSignal(object)
    export_requested = pyqtSignal(object, float, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data: DatasetArrays | None = None
        self.index = -1
        self.length = 0
        self.step = 0
        self.shown_step = -1
        self.check: ReplayCheck | None = None
        self.predicted: np.ndarray | None = None
        self.disagree: np.ndarray | None = None
        self.policy: Any = None
        self.takeovers: np.ndarray | None = None
        """Per step of a policy-driven episode: True where the human had control (else None)."""
        self.proposals: np.ndarray | None = None
        """The recorded `policy_actions` of a policy-driven episode (else None)."""
        self.describe: Callable[[Any], str] = str
        """Turns an action into text (the human's bindings, when the app has them)."""
        self._build()
        self._play_timer = QTimer(self, timeout=self._advance)

    def _build(self) -> None:
        self.view = EnvView()
        self.title_label = QLabel("Pick an episode in the dataset panel and click Replay.")
        self.info_label = QLabel("")
        mono = self.info_label.font()
        mono.setFamily("monospace")
        self.info_label.setFont(mono)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setEnabled(False)
        self.slider.valueChanged.connect(self.seek)
        self.strip = DisagreementStrip()
        self.takeover_strip = TakeoverStrip()
        self.takeover_strip.setVisible(False)
        self.play_button = QPushButton("Play", checkable=True, enabled=False)
        self.play_button.toggled.connect(self._on_play_toggled)
        self.back_button = QPushButton("◀ -1", enabled=False)
        self.back_button.clicked.connect(lambda: self.seek(self.step - 1))
        self.forward_button = QPushButton("+1 ▶", enabled=False)
        self.forward_button.clicked.connect(lambda: self.seek(self.step + 1))
        self.speed = QDoubleSpinBox(decimals=0, minimum=1, maximum=240, value=30, suffix=" fps")
        self.speed.valueChanged.connect(self._on_speed_changed)
        self.export_button = QPushButton("Export GIF/MP4...", enabled=False)
        self.export_button.clicked.connect(self._on_export_clicked)
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        controls = QHBoxLayout()
        for widget in (self.back_button, self.play_button, self.forward_button):
            controls.addWidget(widget)
        controls.addWidget(QLabel("Speed"))
        controls.addWidget(self.speed)
        controls.addStretch(1)
        self.export_scale = QSpinBox()
        self.export_scale.setRange(1, MAX_SCALE)
        self.export_scale.setSuffix("x")
        self.export_scale.setToolTip("Enlarge exported frames (crisp pixels); 96x96 at 4x = 384")
        self.export_overlay = QCheckBox("captions")
        self.export_overlay.setToolTip(
            "Add a band under each exported frame: step, your action, the policy's, the return"
        )
        controls.addWidget(self.export_scale)
        controls.addWidget(self.export_overlay)
        controls.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title_label)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.info_label)
        layout.addWidget(self.slider)
        layout.addWidget(self.takeover_strip)
        layout.addWidget(self.strip)
        layout.addLayout(controls)
        layout.addWidget(self.status_label)

    # -- opening -------------------------------------------------------------------------------

    def open_episode(
        self, dataset: Path, index: int, env_id: str, env_kwargs: dict[str, Any]
    ) -> None:
        """Replay episode `index` of `dataset` (vector episodes re-simulated in `env_id`)."""
        self.play_button.setChecked(False)
        self.check, self.predicted, self.disagree = None, None, None
        self.strip.set_mask(None)
        self.status_label.setText("Loading...")
        self.open_requested.emit(dataset, index, env_id, env_kwargs)

    def set_policy(self, policy: Any) -> None:
        """Show this policy's action at each step beside the recorded one (None: none)."""
        self.policy = policy
        if policy is not None and self.data is not None:
            self.compare_requested.emit(policy)
        elif policy is None:
            self.predicted, self.disagree = None, None
            self.strip.set_mask(None)

    def show_opened(self, data: DatasetArrays, index: int, length: int) -> None:
        """An episode was loaded: title, slider range, the recorded actions and rewards."""
        self.data, self.index, self.length = data, index, length
        sl = data.episode_slice(index)
        end = "terminated" if data.episode_terminated[index] else "truncated"
        source = "image files" if data.is_image else "re-simulation from the stored seed"
        self.title_label.setText(
            f"Episode {index}: {length} steps, return {data.episode_returns[index]:.2f}, {end} "
            f"· frames from {source}"
        )
        self._rewards = data.rewards[sl]
        self._returns = np.cumsum(self._rewards)
        self._actions = data.actions[sl]
        self._show_takeovers(data, index, sl)
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, length - 1))
        self.slider.setValue(0)
        self.slider.blockSignals(False)
        self.step = 0
        for widget in (self.slider, self.play_button, self.back_button, self.forward_button,
                       self.export_button):  # fmt: skip
            widget.setEnabled(True)
        self.status_label.setText("Checking the re-simulation..." if not data.is_image else "")
        if self.policy is not None:
            self.compare_requested.emit(self.policy)
        self._update_info()

    # -- moving --------------------------------------------------------------------------------

    def seek(self, step: int) -> None:
        """Show `step` (clamped to the episode)."""
        if self.length == 0:
            return
        step = int(np.clip(step, 0, self.length - 1))
        self.step = step
        if self.slider.value() != step:
            self.slider.blockSignals(True)
            self.slider.setValue(step)
            self.slider.blockSignals(False)
        self.frame_requested.emit(step)
        self._update_info()

    def _advance(self) -> None:
        if self.step >= self.length - 1:
            self.play_button.setChecked(False)
            return
        self.seek(self.step + 1)

    def _on_play_toggled(self, on: bool) -> None:
        self.play_button.setText("Pause" if on else "Play")
        if on:
            if self.step >= self.length - 1:
                self.seek(0)
            self._play_timer.start(int(1000 / self.speed.value()))
        else:
            self._play_timer.stop()

    def _on_speed_changed(self, fps: float) -> None:
        if self._play_timer.isActive():
            self._play_timer.start(int(1000 / fps))

    # -- results -------------------------------------------------------------------------------

    def show_frame(self, step: int, image: np.ndarray) -> None:
        """The frame of `step`."""
        self.shown_step = step
        self.view.set_control(self.control_at(step))
        self.view.show_frame(image)

    def show_check(self, check: ReplayCheck) -> None:
        """The re-simulation's verdict (red when it diverged)."""
        self.check = check
        self.status_label.setText(check.describe().capitalize() + ".")
        if check.diverged_at is not None:
            self.status_label.setStyleSheet("color:#b71c1c;")
        else:
            self.status_label.setStyleSheet("")

    def show_disagreement(self, predicted: np.ndarray, disagree: np.ndarray) -> None:
        """The policy's actions and where they differ from the recorded ones."""
        self.predicted, self.disagree = predicted, disagree
        self.strip.set_mask(disagree)
        self._update_info()

    def show_exported(self, path: str) -> None:
        """The episode was written to `path`."""
        self.status_label.setText(f"Exported {path}.")

    def _show_takeovers(self, data: DatasetArrays, index: int, sl: slice) -> None:
        """A correction (policy-driven) episode: its take-over steps and the policy's proposals."""
        driven = data.policy_driven(index)
        self.takeovers = np.asarray(data.interventions[sl], dtype=bool) if driven else None
        self.proposals = np.asarray(data.policy_actions[sl]) if driven else None
        self.takeover_strip.set_mask(self.takeovers)
        self.takeover_strip.setVisible(driven)

    def control_at(self, step: int) -> str:
        """Who drove `step`: "human" or "policy" in a correction episode, "" otherwise."""
        if self.takeovers is None or not 0 <= step < len(self.takeovers):
            return ""
        return "human" if self.takeovers[step] else "policy"

    def _update_info(self) -> None:
        if self.length == 0:
            return
        i = self.step
        control = self.control_at(i)
        played = self.describe(plain_action(self._actions[i]))
        parts = [f"step {i + 1}/{self.length}"]
        if control and self.proposals is not None:
            proposal = policy_action_or_none(self.proposals[i])
            shown = "—" if proposal is None else self.describe(plain_action(proposal))
            human = played if control == "human" else "—"
            who = "human in control" if control == "human" else "policy in control"
            parts.append(f"human: {human} · policy: {shown} · {who}")
        else:
            parts.append(f"human {played}")
        parts += [f"reward {self._rewards[i]:.3g}", f"return {self._returns[i]:.3g}"]
        if self.predicted is not None and self.disagree is not None:
            p = plain_action(self.predicted[i])
            mark = "≠" if self.disagree[i] else "="
            label = "current policy" if control else "policy"
            parts.append(f"{label} {mark} {self.describe(p)}")
        self.info_label.setText("   ".join(parts))

    def _on_export_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export episode", f"episode_{self.index}.gif", "GIF (*.gif);;MP4 (*.mp4)"
        )
        if path:
            self.export(Path(path))

    def export(self, path: Path) -> None:
        """Write the episode to `path` at the replay speed (in the background)."""
        self.status_label.setText(f"Exporting {path.name}...")
        options = ExportOptions(self.export_scale.value(), self.export_overlay.isChecked())
        self.export_requested.emit(path, self.speed.value(), options)

    def shutdown(self) -> None:
        """Stop playing (the app is closing)."""
        self._play_timer.stop()
