"""The main window: builds the layout and wires widgets to the session; nothing else."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QCloseEvent
from PyQt6.QtWidgets import (
    QDockWidget,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from recorder_app import policy_modes, window_dialogs
from recorder_app.errors_ui import ErrorChannel
from recorder_app.input import HumanExpert
from recorder_app.key_router import KeyRouter
from recorder_app.menus import build_actions, build_menus, set_checked
from recorder_app.policy_modes import ModeNotice
from recorder_app.session import Session
from recorder_app.shortcuts import Shortcut
from recorder_app.state import DatasetView, EnvInfo
from recorder_app.widgets.dataset_dialogs import WriteTroubleDialog
from recorder_app.widgets.dataset_panel import DatasetPanel
from recorder_app.widgets.device_picker import DevicePicker
from recorder_app.widgets.env_picker import EnvPicker
from recorder_app.widgets.env_view import EnvView
from recorder_app.widgets.help_dialog import HelpDialog
from recorder_app.widgets.hud import HeadsUpLine, hint_for, overlay_for
from recorder_app.widgets.record_controls import RecordingControls
from recorder_app.widgets.replay_panel import ReplayPanel
from recorder_app.widgets.step_strips import TakeoverStrip
from recorder_app.widgets.train_panel import TrainPanel


class MainWindow(QMainWindow):
    """Env picker, env view, heads-up line and controls in a 'Record' tab; the dataset in a dock.

    The central area is a QTabWidget (`tabs`) and side panels are docks, so later panels (train,
    replay) are added with `tabs.addTab` or `addDockWidget` without touching this layout.
    """

    def __init__(
        self,
        session: Session,
        shortcuts: Mapping[str, Shortcut],
        errors: ErrorChannel,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.shortcuts = dict(shortcuts)
        self.errors = errors
        self._closing = False
        self._dialogs: list[QWidget] = []
        self.setWindowTitle("Demo recorder")
        self.resize(1280, 720)
        self.actions_by_name = build_actions(self, self.shortcuts)
        menu_bar = self.menuBar()
        assert menu_bar is not None
        build_menus(menu_bar, self.actions_by_name)
        self._build_widgets()
        self.write_trouble = WriteTroubleDialog(self)
        """Non-modal, one at a time: the disk refused a write (save elsewhere, discard, later)."""
        self._connect()
        errors.set_parent_widget(self)
        self.key_router = KeyRouter(self, session.player)
        self.key_router.install()

    # -- building ------------------------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.picker = EnvPicker()
        self.view = EnvView()
        self.hud = HeadsUpLine()
        self.controls = RecordingControls(self.actions_by_name)
        self.devices = DevicePicker()
        self.controls.set_countdown(self.session.recording.countdown)
        self.controls.set_fps(self.session.recording.fps)
        self.controls.add_to_settings_row(self.devices)  # beside the buttons: too wide
        record_tab = QWidget()
        layout = QVBoxLayout(record_tab)
        layout.addWidget(self.picker)
        layout.addWidget(self.view, 1)
        self.takeover_strip = TakeoverStrip()  # Correct/Watch: the steps the human drove
        self.takeover_strip.setVisible(False)
        layout.addWidget(self.takeover_strip)
        layout.addWidget(self.hud)
        layout.addWidget(self.controls)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(record_tab, "Record")
        self.replay_panel = ReplayPanel()
        self.tabs.addTab(self.replay_panel, "Replay")
        self.setCentralWidget(self.tabs)
        self.dataset_panel = DatasetPanel()
        self.dataset_dock = QDockWidget("Dataset", self)
        self.dataset_dock.setObjectName("dataset_dock")
        self.dataset_dock.setWidget(self.dataset_panel)
        self.dataset_dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dataset_dock)
        self.train_panel = TrainPanel()
        self.train_dock = QDockWidget("Train", self)
        self.train_dock.setObjectName("train_dock")
        self.train_dock.setWidget(self.train_panel)
        self.train_dock.setFeatures(self.dataset_dock.features())
        self.tabifyDockWidget(self.dataset_dock, self.train_dock)
        self.dataset_dock.raise_()
        self.resizeDocks([self.dataset_dock], [500], Qt.Orientation.Horizontal)
        self.statusBar()
        self.view.setFocus()

    def _connect(self) -> None:
        s, a = self.session, self.actions_by_name
        rec, player, data = s.recording, s.player, s.dataset
        rec.frame_ready.connect(self._on_recording_frame_ready)
        rec.env_opened.connect(self._on_recording_env_opened)
        rec.recording_changed.connect(self._on_recording_changed)
        rec.paused_changed.connect(lambda paused, _why: set_checked(a["pause"], paused))
        rec.fps_changed.connect(self.controls.set_fps)
        rec.closed.connect(self.close)
        rec.close_failed.connect(self._on_recording_close_failed)
        rec.write_trouble.connect(lambda m: self.write_trouble.report(m, data.path.parent))
        self.write_trouble.save_elsewhere_requested.connect(rec.save_elsewhere)
        self.write_trouble.discard_requested.connect(rec.discard_unsaved)
        data.locked.connect(self._on_dataset_locked)
        player.bound.connect(self._on_player_bound)
        data.changed.connect(self._on_dataset_changed)
        s.env_lister.found.connect(self.picker.set_env_ids)
        s.message.connect(lambda text: self.statusBar().showMessage(text, 6000))  # type: ignore[union-attr]
        s.failed.connect(self.errors.show_error)
        if s.gamepad_watch is not None:
            s.gamepad_watch.devices_changed.connect(self.devices.set_devices)
            self.devices.device_selected.connect(s.gamepad_watch.select)
        self._connect_training()
        self._connect_replay()
        self._connect_commands()

    def _connect_training(self) -> None:
        tp, tr = self.train_panel, self.session.training
        tp.train_requested.connect(tr.start)
        tp.cancel_requested.connect(tr.cancel)
        tr.batch.connect(tp.show_batch)
        tr.epoch.connect(tp.show_epoch)
        tr.trained.connect(tp.show_trained)
        tr.evaluated.connect(tp.show_evaluated)
        tr.failed.connect(tp.show_failed)
        tr.done.connect(tp.show_done)
        tr.eval_progress.connect(tp.show_eval_progress)
        tp.watch_requested.connect(self._on_watch_requested)
        tp.correct_requested.connect(self._on_correct_requested)
        self.session.recording.episode_saved.connect(lambda saved: tp.episode_saved(saved.kind))
        tp.trained.connect(lambda result: self.replay_panel.set_policy(result.policy))

    def _connect_replay(self) -> None:
        rp, rc = self.replay_panel, self.session.replay
        rp.open_requested.connect(rc.open)
        rp.frame_requested.connect(rc.request_frame)
        rp.compare_requested.connect(rc.compare)
        rp.export_requested.connect(lambda path, fps, o: rc.export(path, fps, o, rp.describe))
        rc.worker.opened.connect(rp.show_opened)
        rc.worker.frame.connect(rp.show_frame)
        rc.worker.checked.connect(rp.show_check)
        rc.worker.disagreement.connect(rp.show_disagreement)
        rc.worker.exported.connect(rp.show_exported)
        self.dataset_panel.replay_requested.connect(self.replay_episode)

    def _connect_commands(self) -> None:
        """Widgets' requests and the menu actions, to the controllers."""
        s, a = self.session, self.actions_by_name
        rec, data = s.recording, s.dataset
        self.picker.env_requested.connect(self._on_picker_env_requested)
        self.picker.invalid.connect(lambda m: self.errors.show_error("Bad env kwargs", m))
        self.controls.fps_changed.connect(rec.set_fps)
        self.controls.countdown_changed.connect(rec.set_countdown)
        self.dataset_panel.open_requested.connect(data.open)
        self.dataset_panel.new_requested.connect(data.new)
        self.dataset_panel.delete_requested.connect(data.delete_episodes)
        self.dataset_panel.label_requested.connect(data.label)
        commands: dict[str, Any] = {
            "record": s.toggle_recording,
            "pause": s.toggle_pause,
            "step": rec.step_once,
            "discard": self.confirm_discard,
            "undo_episode": data.undo_last,
            "stop_drop": lambda: s.toggle_recording(keep_partial=False) if rec.active else None,
            "flag_good": lambda: self.dataset_panel.toggle_flag(1),
            "flag_bad": lambda: self.dataset_panel.toggle_flag(-1),
            "label_episode": lambda: self.dataset_panel.edit_labels(),
            "end_episode": rec.end_episode,
            "slower": lambda: rec.change_fps(faster=False),
            "faster": lambda: rec.change_fps(faster=True),
            "native_fps": rec.native_fps,
            "choose_env": self.picker.focus_env_id,
            "keymap": lambda: window_dialogs.open_keymap_editor(self, s),
            "open_dataset": self.dataset_panel.open_button.click,
            "new_dataset": self.dataset_panel.new_button.click,
            "help": self.show_help,
            "quit": self.close,
        }
        for name, command in commands.items():
            if name in a:
                a[name].triggered.connect(lambda _=False, c=command: c())
        # record/pause show the worker's state, not the click: the worker confirms by signal
        a["record"].triggered.connect(lambda: set_checked(a["record"], rec.active))
        a["pause"].triggered.connect(lambda: set_checked(a["pause"], rec.paused))
        a["wait_for_input"].toggled.connect(rec.set_wait_for_input)
        a["start_on_input"].toggled.connect(rec.set_start_on_input)
        a["drop_partial_on_stop"].toggled.connect(lambda on: setattr(s, "drop_partial_on_stop", on))

    # -- slots ---------------------------------------------------------------------------------

    def _on_recording_frame_ready(self) -> None:
        frame = self.session.recording.take_frame()
        if frame is None:
            return
        self.view.show_frame(frame.image)
        self.view.set_overlay(overlay_for(frame.status))
        self.view.set_caption(hint_for(frame.status, self._keys()))
        self.view.set_control(frame.status.control)
        self.takeover_strip.show_status(frame.status)
        self.hud.set_status(frame.status)

    def _on_recording_env_opened(self, info: EnvInfo) -> None:
        self.picker.set_current(info.env_id, info.kwargs)
        self.controls.set_native_fps(info.render_fps)
        self.setWindowTitle(f"Demo recorder — {info.env_id}")
        policy_modes.show_train_target(self.train_panel, self.session)
        self.view.setFocus()

    def _on_player_bound(self, human: HumanExpert) -> None:
        bindings = human.bindings
        self.dataset_panel.set_action_names(bindings.action_names, bindings.axis_names)

    def _on_recording_changed(self, recording: bool) -> None:
        set_checked(self.actions_by_name["record"], recording)
        self.controls.set_recording(recording)
        self.train_panel.set_recording(recording)
        self.picker.setEnabled(not recording)
        self.dataset_panel.set_file_buttons_enabled(not recording)
        self.dataset_panel.set_recording(recording)
        self.dataset_panel.set_delete_allowed(not recording, "Stop recording to delete episodes")
        for name in ("open_dataset", "new_dataset", "choose_env"):
            self.actions_by_name[name].setEnabled(not recording)

    def _on_dataset_changed(self, view: DatasetView) -> None:
        self.dataset_panel.show_dataset(view.path, view.data)
        self.dataset_panel.set_warning(view.warning)
        policy_modes.show_train_target(self.train_panel, self.session)

    def replay_episode(self, index: int) -> None:
        """Open episode `index` of the current dataset in the Replay tab."""
        s, info = self.session, self.session.recording.env_info
        if info is None or s.dataset.summary is None:
            return
        if s.dataset.view.warning:  # recorded in another env: its actions cannot drive this one
            self.errors.show_error(
                "Cannot replay",
                f"{s.dataset.view.warning}.\n\nOpen the env these episodes were recorded in "
                "(Env box, Ctrl+L), then replay.",
            )
            return
        human = s.player.human
        self.replay_panel.describe = human.describe if human is not None else _plain_text
        self.replay_panel.open_episode(s.dataset.path, index, info.env_id, info.kwargs)
        self.tabs.setCurrentWidget(self.replay_panel)

    def _on_correct_requested(self, policy: Any) -> None:
        """Correct mode on (record corrections of the next round) or off (the human plays)."""
        holdoff = self.train_panel.holdoff.value()
        self._show_mode(policy_modes.correct(self.session, policy, holdoff))

    def _on_watch_requested(self, policy: Any) -> None:
        """Let a policy play (the human takes over while holding an input), or the human."""
        self._show_mode(policy_modes.watch(self.session, policy))

    def _show_mode(self, notice: ModeNotice) -> None:
        """Back to the Record tab when play goes on there; the notice in the status bar."""
        if notice.play:
            self.tabs.setCurrentIndex(0)
            self.view.setFocus()
        self.statusBar().showMessage(notice.text, notice.ms)  # type: ignore[union-attr]

    def _on_picker_env_requested(self, env_id: str, kwargs: dict[str, Any]) -> None:
        self.session.recording.open_env(env_id, kwargs)
        self.view.setFocus()

    def _on_recording_close_failed(self) -> None:
        self._closing = False

    def _on_dataset_locked(self, path: Path, holder: str) -> None:
        window_dialogs.offer_read_only(self, self.session, path, holder)

    def confirm_discard(self) -> QMessageBox | None:
        """Ask before dropping the episode being recorded (see `window_dialogs`); returns it."""
        return window_dialogs.confirm_discard(self, self.session.recording, self._refocus_view)

    def _refocus_view(self) -> None:
        """Back to playing after a question: the window active, the keys on the view."""
        self.activateWindow()
        self.view.setFocus()

    def show_help(self) -> HelpDialog:
        """Open the (non-modal) Help dialog; returns it."""
        return window_dialogs.show_help(self, self.session, self.shortcuts)

    def closeEvent(self, event: QCloseEvent | None) -> None:
        """Ask whether to keep a partial episode, then let the session save and stop first."""
        assert event is not None
        if self.session.recording.is_closed:
            self.session.training.shutdown()
            self.replay_panel.shutdown()
            self.session.replay.close()
            event.accept()
            return
        event.ignore()
        if self._closing:
            return
        keep = True
        if self.session.recording.episode_in_progress:
            answer = window_dialogs.ask_keep_partial(self)
            if answer is None:
                return
            keep = answer
        self._closing = True
        self.session.training.shutdown()  # the best weights so far are saved
        self.session.shutdown(keep_partial=keep)

    def _keys(self) -> dict[str, str]:
        return {name: sc.keys for name, sc in self.shortcuts.items()}


def _plain_text(action: Any) -> str:
    """An action as text, when no key map names it."""
    return str(action)
