"""The main window: builds the layout and wires widgets to the session; nothing else."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QAction, QCloseEvent, QKeySequence
from PyQt6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from recorder_app.errors_ui import ErrorChannel
from recorder_app.input.takeover import PolicyWithTakeover
from recorder_app.key_router import KeyRouter
from recorder_app.session import DatasetView, Session
from recorder_app.shortcuts import Shortcut
from recorder_app.widgets.dataset_dialogs import WriteTroubleDialog, locked_dataset_box
from recorder_app.widgets.dataset_panel import DatasetPanel
from recorder_app.widgets.device_picker import DevicePicker
from recorder_app.widgets.env_picker import EnvPicker
from recorder_app.widgets.env_view import EnvView
from recorder_app.widgets.help_dialog import HelpDialog
from recorder_app.widgets.hud import HeadsUpLine, hint_for, overlay_for
from recorder_app.widgets.record_controls import RecordingControls
from recorder_app.widgets.replay_panel import ReplayPanel
from recorder_app.widgets.train_panel import TrainPanel
from recorder_app.workers.env_worker import EnvInfo

MENUS = {
    "&File": ("open_dataset", "new_dataset", None, "quit"),
    "&Record": (
        "record",
        "pause",
        "step",
        "discard",
        "end_episode",
        None,
        "wait_for_input",
        "slower",
        "faster",
        "native_fps",
    ),
    "&Env": ("choose_env", "keymap"),
    "&Help": ("help",),
}
CHECKABLE = ("record", "pause", "wait_for_input")


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
        self.actions_by_name = self._build_actions()
        self._build_menus()
        self._build_widgets()
        self._connect()
        errors.set_parent_widget(self)
        self.key_router = KeyRouter(self, session)
        self.key_router.install()

    # -- building ------------------------------------------------------------------------------

    def _build_actions(self) -> dict[str, QAction]:
        actions = {}
        for name, sc in self.shortcuts.items():
            action = QAction(sc.text, self)
            action.setObjectName(f"action_{name}")
            if sc.keys:
                action.setShortcut(QKeySequence(sc.keys))
            action.setToolTip(f"{sc.help} ({sc.keys})" if sc.keys else sc.help)
            action.setCheckable(name in CHECKABLE)
            self.addAction(action)  # shortcuts work even with the menu bar hidden
            actions[name] = action
        return actions

    def _build_menus(self) -> None:
        bar = self.menuBar()
        assert bar is not None
        for title, names in MENUS.items():
            menu = bar.addMenu(title)
            assert menu is not None
            for name in names:
                if name is None:
                    menu.addSeparator()
                elif name in self.actions_by_name:
                    menu.addAction(self.actions_by_name[name])

    def _build_widgets(self) -> None:
        self.picker = EnvPicker()
        self.view = EnvView()
        self.hud = HeadsUpLine()
        self.controls = RecordingControls(self.actions_by_name)
        self.devices = DevicePicker()
        self.controls.set_countdown(self.session.options.countdown)
        self.controls.set_fps(self.session.fps)
        bottom = QHBoxLayout()
        bottom.addWidget(self.controls, 1)
        bottom.addWidget(self.devices, 0, Qt.AlignmentFlag.AlignBottom)
        record_tab = QWidget()
        layout = QVBoxLayout(record_tab)
        layout.addWidget(self.picker)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.hud)
        layout.addLayout(bottom)
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
        s.frame_ready.connect(self._on_session_frame_ready)
        s.env_opened.connect(self._on_session_env_opened)
        s.env_ids.connect(self.picker.set_env_ids)
        s.recording_changed.connect(self._on_session_recording_changed)
        s.paused_changed.connect(lambda paused, _why: _set_checked(a["pause"], paused))
        s.fps_changed.connect(self.controls.set_fps)
        s.dataset_changed.connect(self._on_session_dataset_changed)
        s.devices_changed.connect(self.devices.set_devices)
        s.message.connect(lambda text: self.statusBar().showMessage(text, 6000))  # type: ignore[union-attr]
        s.error.connect(self.errors.show_error)
        self.write_trouble = WriteTroubleDialog(self)
        s.write_trouble.connect(lambda m: self.write_trouble.report(m, s.dataset_path.parent))
        self.write_trouble.save_elsewhere_requested.connect(s.save_elsewhere)
        self.write_trouble.discard_requested.connect(s.discard_unsaved)
        s.dataset_locked.connect(self._on_session_dataset_locked)
        s.close_failed.connect(self._on_session_close_failed)
        s.closed.connect(self.close)
        s.env_opened.connect(lambda _info: self._update_train_target())
        tp = self.train_panel
        tp.failed.connect(self.errors.show_error)
        tp.watch_requested.connect(self._on_watch_requested)
        tp.trained.connect(lambda result: self.replay_panel.set_policy(result.policy))
        self.replay_panel.failed.connect(self.errors.show_error)
        self.dataset_panel.replay_requested.connect(self.replay_episode)
        self.picker.env_requested.connect(self._on_picker_env_requested)
        self.picker.invalid.connect(lambda m: self.errors.show_error("Bad env kwargs", m))
        self.controls.fps_changed.connect(s.set_fps)
        self.controls.countdown_changed.connect(s.set_countdown)
        self.devices.device_selected.connect(s.select_gamepad)
        self.dataset_panel.open_requested.connect(s.open_dataset)
        self.dataset_panel.new_requested.connect(s.new_dataset)
        self.dataset_panel.delete_requested.connect(s.delete_episodes)
        commands: dict[str, Any] = {
            "record": s.toggle_recording,
            "pause": s.toggle_pause,
            "step": s.step_once,
            "discard": s.discard_episode,
            "end_episode": s.end_episode,
            "slower": lambda: s.change_fps(faster=False),
            "faster": lambda: s.change_fps(faster=True),
            "native_fps": s.native_fps,
            "choose_env": self.picker.focus_env_id,
            "keymap": self._open_keymap_editor,
            "open_dataset": self.dataset_panel.open_button.click,
            "new_dataset": self.dataset_panel.new_button.click,
            "help": self.show_help,
            "quit": self.close,
        }
        for name, command in commands.items():
            if name in a:
                a[name].triggered.connect(lambda _=False, c=command: c())
        # record/pause show the session's state, not the click: the worker confirms by signal
        a["record"].triggered.connect(lambda: _set_checked(a["record"], s.recording))
        a["pause"].triggered.connect(lambda: _set_checked(a["pause"], s.paused))
        a["wait_for_input"].toggled.connect(s.set_wait_for_input)

    # -- slots ---------------------------------------------------------------------------------

    def _on_session_frame_ready(self) -> None:
        frame = self.session.take_frame()
        if frame is None:
            return
        self.view.show_frame(frame.image)
        self.view.set_overlay(overlay_for(frame.status))
        self.view.set_caption(hint_for(frame.status, self._keys()))
        self.hud.set_status(frame.status)

    def _on_session_env_opened(self, info: EnvInfo) -> None:
        self.picker.set_current(info.env_id, info.kwargs)
        self.controls.set_native_fps(info.render_fps)
        self.setWindowTitle(f"Demo recorder — {info.env_id}")
        human = self.session.human
        if human is not None:
            bindings = human.bindings
            self.dataset_panel.set_action_names(bindings.action_names, bindings.axis_names)
        self.view.setFocus()

    def _on_session_recording_changed(self, recording: bool) -> None:
        _set_checked(self.actions_by_name["record"], recording)
        self.controls.set_recording(recording)
        self.picker.setEnabled(not recording)
        self.dataset_panel.set_file_buttons_enabled(not recording)
        self.dataset_panel.set_delete_allowed(not recording, "Stop recording to delete episodes")
        for name in ("open_dataset", "new_dataset", "choose_env"):
            self.actions_by_name[name].setEnabled(not recording)

    def _on_session_dataset_changed(self, view: DatasetView) -> None:
        self.dataset_panel.show_dataset(view.path, view.data)
        self.dataset_panel.set_warning(view.warning)
        self._update_train_target()

    def _update_train_target(self) -> None:
        """Point the Train panel at the current dataset (when it fits the env) and env."""
        s, info = self.session, self.session.env_info
        if info is None:
            return
        data = s.dataset
        usable = data is not None and data.n_episodes > 0 and not s.mismatch(data)
        self.train_panel.set_target(
            s.dataset_path if usable else None,
            info.env_id,
            info.kwargs,
            discrete=not hasattr(info.action_space, "low"),
            human_mean=float(data.episode_returns.mean()) if usable and data else None,
        )

    def replay_episode(self, index: int) -> None:
        """Open episode `index` of the current dataset in the Replay tab."""
        s, info = self.session, self.session.env_info
        if info is None or s.dataset is None:
            return
        human = s.human
        self.replay_panel.describe = human.describe if human is not None else str
        self.replay_panel.open_episode(s.dataset_path, index, info.env_id, info.kwargs)
        self.tabs.setCurrentWidget(self.replay_panel)

    def _on_watch_requested(self, policy: Any) -> None:
        """Let a policy play (the human takes over while holding an input), or the human."""
        if policy is None:
            self.session.set_expert(None)
            self.statusBar().showMessage("You are playing again.", 4000)  # type: ignore[union-attr]
            return
        self.session.set_expert(PolicyWithTakeover(policy, self.session.human))
        self.tabs.setCurrentIndex(0)
        self.view.setFocus()
        self.statusBar().showMessage(  # type: ignore[union-attr]
            "The policy is playing: hold any game key to take over, release to hand back.", 6000
        )

    def _on_picker_env_requested(self, env_id: str, kwargs: dict[str, Any]) -> None:
        self.session.open_env(env_id, kwargs)
        self.view.setFocus()

    def _on_session_close_failed(self) -> None:
        self._closing = False

    def _on_session_dataset_locked(self, path: Any, holder: str) -> None:
        box = locked_dataset_box(self, path, holder)
        box.accepted.connect(lambda: self.session.open_dataset_read_only(path))
        box.show()

    def _open_keymap_editor(self) -> None:
        info = self.session.env_info
        if info is None:
            return
        from recorder_app.widgets.keymap_editor import KeymapEditor

        editor = KeymapEditor(info.env_id, info.action_space, self)
        editor.accepted.connect(self.session.reload_bindings)
        editor.open()

    def show_help(self) -> HelpDialog:
        """Open the (non-modal) Help dialog; returns it."""
        info = self.session.env_info
        dialog = HelpDialog(
            self.shortcuts, self.session.binding_rows(), info.env_id if info else "-", self
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def closeEvent(self, event: QCloseEvent | None) -> None:
        """Ask whether to keep a partial episode, then let the session save and stop first."""
        assert event is not None
        if self.session.is_closed:
            self.train_panel.shutdown()
            self.replay_panel.shutdown()
            event.accept()
            return
        event.ignore()
        if self._closing:
            return
        keep = True
        if self.session.episode_in_progress:
            buttons = (
                QMessageBox.StandardButton.Save
                | QMessageBox.StandardButton.Discard
                | QMessageBox.StandardButton.Cancel
            )
            answer = QMessageBox.question(
                self,
                "Episode in progress",
                "An episode is being recorded. Keep what was recorded so far (saved as a "
                "truncated episode)?",
                buttons,
                QMessageBox.StandardButton.Save,
            )
            if answer == QMessageBox.StandardButton.Cancel:
                return
            keep = answer == QMessageBox.StandardButton.Save
        self._closing = True
        self.train_panel.shutdown()  # the best weights so far are saved
        self.session.shutdown(keep_partial=keep)

    def _keys(self) -> dict[str, str]:
        return {name: sc.keys for name, sc in self.shortcuts.items()}


def _set_checked(action: QAction, checked: bool) -> None:
    """Reflect state on a checkable action without triggering it."""
    action.blockSignals(True)
    action.setChecked(checked)
    action.blockSignals(False)
