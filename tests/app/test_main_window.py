"""The main window: layout, env view, heads-up line, keyboard routing, env picker, errors."""

from __future__ import annotations

import numpy as np
import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtGui import QImage
from PyQt6.QtWidgets import QDockWidget

from recorder_app.state import COUNTDOWN, IDLE, PAUSED, RUNNING, WAITING, HudStatus
from recorder_app.widgets.env_picker import parse_kwargs
from recorder_app.widgets.env_view import EnvView, to_qimage
from recorder_app.widgets.hud import badge_for, format_line, overlay_for
from tests.app.conftest import QT_MARKS

pytestmark = QT_MARKS


def test_window_shows_env_frames_hud_tabs_dock_and_menus(open_window, qtbot):
    win = open_window()
    qtbot.waitUntil(lambda: win.view.frames_painted > 0)
    assert win.tabs.tabText(0) == "Record"
    docks = win.findChildren(QDockWidget)
    assert sorted(d.windowTitle() for d in docks) == ["Dataset", "Train"]
    assert win.actions_by_name["record"].shortcut().toString() == "Ctrl+R"
    assert win.actions_by_name["step"].shortcut().toString() == "Ctrl+."
    menus = [a.text() for a in win.menuBar().actions()]
    assert menus == ["&File", "&Record", "&Env", "E&pisode", "&Help"]
    qtbot.waitUntil(lambda: "PRACTICE" in win.hud.text())
    assert "CartPole-v1" in win.hud.text() and "fps 200 target" in win.hud.text()
    assert win.view.frame_rect().width() > 0
    # the default dataset follows the env, in the current folder
    assert win.session.dataset.path.name == "expert_cartpole_v1.npz"


def test_env_view_keeps_aspect_and_uses_nearest_for_small_frames(qtbot):
    view = EnvView()
    qtbot.addWidget(view)
    view.resize(600, 300)
    view.show_frame(np.zeros((20, 30, 3), dtype=np.uint8))
    rect = view.frame_rect()
    assert (rect.width(), rect.height()) == (450, 300)
    assert rect.x() == 75 and rect.y() == 0
    assert view.uses_nearest()
    view.resize(700, 450)
    view.show_frame(np.zeros((400, 600, 3), dtype=np.uint8))
    assert (view.frame_rect().width(), view.frame_rect().height()) == (675, 450)
    assert not view.uses_nearest()


def test_frames_wrap_as_qimages_of_the_right_format():
    assert to_qimage(np.zeros((4, 5), np.uint8)).format() == QImage.Format.Format_Grayscale8
    assert to_qimage(np.zeros((4, 5, 1), np.uint8)).format() == QImage.Format.Format_Grayscale8
    assert to_qimage(np.zeros((4, 5, 4), np.uint8)).format() == QImage.Format.Format_RGBA8888
    frame = np.zeros((4, 5, 3), np.uint8)
    frame[1, 2] = (255, 0, 0)
    image = to_qimage(frame)
    assert (image.width(), image.height()) == (5, 4)
    assert image.pixelColor(2, 1).red() == 255 and image.pixelColor(2, 1).blue() == 0
    with pytest.raises(ValueError, match="uint8"):
        to_qimage(np.zeros((4, 5, 3), np.float32))
    with pytest.raises(ValueError, match="channels"):
        to_qimage(np.zeros((4, 5, 2), np.uint8))


@pytest.mark.parametrize(
    ("status", "badge"),
    [
        (HudStatus(phase=IDLE), "NO ENV"),
        (HudStatus(phase=RUNNING), "PRACTICE"),
        (HudStatus(phase=RUNNING, recording=True), "● REC"),
        (HudStatus(phase=COUNTDOWN, recording=True, countdown=2.2), "REC IN 2"),
        (HudStatus(phase=PAUSED, pause_reason="gamepad"), "PAUSED (gamepad unplugged)"),
        (HudStatus(phase=WAITING, recording=True), "● REC · WAITING FOR INPUT"),
        (HudStatus(phase=RUNNING, device="policy"), "POLICY PLAYS"),
        (HudStatus(phase=RUNNING, device="keyboard (took over)"), "YOU (TOOK OVER)"),
    ],
)
def test_hud_badge_says_what_the_app_is_doing(status, badge):
    assert badge_for(status)[0] == badge


def test_hud_line_and_overlay_texts():
    status = HudStatus(
        env_id="CartPole-v1", episode=3, step=42, ret=41.5, target_fps=50, actual_fps=49.8,
        device="keyboard", action="Right (1)", phase=RUNNING, recording=True,
    )  # fmt: skip
    line = format_line(status)
    for part in ("CartPole-v1", "episode 3", "step 42", "return 41.5", "fps 50 target",
                 "49.8 actual", "input keyboard", "action Right (1)"):  # fmt: skip
        assert part in line
    assert overlay_for(HudStatus(phase=COUNTDOWN, countdown=2.4)) == "3"
    assert overlay_for(HudStatus(phase=PAUSED, pause_reason="gamepad")).startswith("Gamepad")
    assert overlay_for(status) == ""


def test_game_keys_reach_the_player_from_anywhere_but_text_fields(open_window, qtbot):
    win = open_window()
    human = win.session.player.human
    qtbot.keyPress(win, Qt.Key.Key_Right)
    assert human.has_input()
    qtbot.keyRelease(win, Qt.Key.Key_Right)
    assert not human.has_input()
    # a click on a button does not steal the game's keys
    button = win.controls.buttons["pause"]
    qtbot.keyPress(button, Qt.Key.Key_Right)
    assert human.has_input()
    qtbot.keyRelease(button, Qt.Key.Key_Right)
    # typing an env id does not drive the env
    field = win.picker.kwargs_edit
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)
    qtbot.keyPress(field, Qt.Key.Key_Right)
    assert not human.has_input()
    qtbot.keyRelease(field, Qt.Key.Key_Right)


def test_a_key_no_binding_uses_is_left_to_the_widgets(open_window, qtbot):
    win = open_window()
    assert not win.session.player.handles_key("F12")
    assert not win.session.player.press_key("F12")


def test_unknown_env_id_shows_a_dialog_and_the_app_carries_on(open_window, qtbot):
    win = open_window()
    win.picker.env_box.setEditText("NoSuchEnv-v0")
    with qtbot.waitSignal(win.errors.error_shown, timeout=10_000) as blocker:
        win.picker.open_button.click()
    title, message = blocker.args
    assert title == "Cannot open env" and "unknown env id 'NoSuchEnv-v0'" in message
    assert "Still playing CartPole-v1. Pick an env from the Env list" in message  # what to do
    assert win.errors.open_boxes()[0].text() == message
    # the old env still runs
    step = win.session.recording.last_status.step
    qtbot.waitUntil(lambda: win.session.recording.last_status.step != step)
    assert win.session.recording.env_info.env_id == "CartPole-v1"


def test_unsupported_space_shows_a_dialog(open_window, qtbot):
    win = open_window()
    with qtbot.waitSignal(win.errors.error_shown, timeout=10_000) as blocker:
        win.session.recording.open_env("Blackjack-v1")
    assert "Tuple" in blocker.args[1] or "unsupported" in blocker.args[1].lower()
    assert win.session.recording.env_info.env_id == "CartPole-v1"


def test_bad_kwargs_json_shows_a_dialog(open_window, qtbot):
    win = open_window()
    win.picker.kwargs_edit.setText("{max_episode_steps: 3")
    with qtbot.waitSignal(win.errors.error_shown) as blocker:
        win.picker.open_button.click()
    assert blocker.args[0] == "Bad env kwargs" and "JSON object" in blocker.args[1]


def test_picker_opens_another_env_with_kwargs(open_window, qtbot):
    win = open_window()
    win.picker.env_box.setEditText("MountainCar-v0")
    win.picker.kwargs_edit.setText('{"max_episode_steps": 7}')
    with qtbot.waitSignal(win.session.recording.env_opened, timeout=20_000) as blocker:
        win.picker.open_button.click()
    info = blocker.args[0]
    assert info.env_id == "MountainCar-v0" and info.kwargs == {"max_episode_steps": 7}
    qtbot.waitUntil(lambda: "MountainCar-v0" in win.hud.text())
    assert win.session.dataset.path.name == "expert_mountaincar_v0.npz"
    assert win.windowTitle().endswith("MountainCar-v0")


def test_parse_kwargs():
    assert parse_kwargs("") == {}
    assert parse_kwargs(' {"a": 1} ') == {"a": 1}
    with pytest.raises(ValueError, match="JSON object"):
        parse_kwargs("[1, 2]")
    with pytest.raises(ValueError, match="JSON object"):
        parse_kwargs("{oops")


def test_choose_env_shortcut_focuses_the_env_field(open_window, qtbot):
    win = open_window()
    combo = win.picker.env_box
    qtbot.keyClick(win, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: win.focusWidget() in (combo, combo.lineEdit()))
    assert combo.lineEdit().selectedText() == "CartPole-v1"
    # typing there is typing, not playing
    qtbot.keyPress(win.focusWidget(), Qt.Key.Key_Right)
    assert not win.session.player.human.has_input()
    qtbot.keyRelease(win.focusWidget(), Qt.Key.Key_Right)


def test_countdown_is_a_banner_clear_of_the_frame_middle(qtbot):
    from recorder_app.widgets.env_view import EnvView

    view = EnvView()
    qtbot.addWidget(view)
    view.resize(600, 400)
    frame = np.full((400, 600, 3), (0, 200, 0), np.uint8)  # plain green "env"
    view.show_frame(frame)
    view.set_overlay("3")
    image = view.grab().toImage()
    band = view.banner_rect()
    assert band.top() == 0 and band.width() == view.width() and band.height() > 30
    middle = image.pixelColor(300, 200)  # the env's middle is left as the env drew it
    assert (middle.red(), middle.green(), middle.blue()) == (0, 200, 0)
    banner = image.pixelColor(5, band.height() // 2)  # an opaque band, not the green frame
    assert banner.red() > 150 and banner.green() < 80


def test_choosing_an_env_in_the_list_opens_it_and_focuses_the_view(open_window, qtbot):
    win = open_window()
    picker = win.picker
    picker.set_env_ids(["CartPole-v1", "MountainCar-v0"])
    requests: list[str] = []
    picker.env_requested.connect(lambda env_id, _kw: requests.append(env_id))
    picker.focus_env_id()
    picker.env_box.setCurrentIndex(1)
    picker.env_box.activated.emit(1)  # what the list emits when the user picks an item
    assert requests == ["MountainCar-v0"]
    qtbot.waitUntil(
        lambda: (
            (info := win.session.recording.env_info) is not None and info.env_id == "MountainCar-v0"
        ),
        timeout=10_000,
    )
    assert win.focusWidget() is win.view
    # Enter in the field fires returnPressed and then the combo's activated: one request only
    qtbot.wait(10)
    picker.env_box.lineEdit().returnPressed.emit()
    picker.env_box.activated.emit(1)
    assert requests == ["MountainCar-v0", "MountainCar-v0"]


def test_the_window_fits_a_1280_pixel_wide_screen(open_window, qtbot):
    win = open_window()
    qtbot.waitUntil(lambda: win.session.player.human is not None)
    win.resize(1000, 700)  # narrower than the window can go: it stops at its minimum
    qtbot.wait(50)
    assert win.minimumSizeHint().width() <= 1200 and win.width() <= 1200
    # the gamepad picker sits on the speed row, not beside the six buttons
    assert win.devices.parentWidget() is win.controls
    assert win.devices.geometry().top() > win.controls.buttons["record"].geometry().bottom()
    # the Train dock's button row holds the buttons only; the hand-back delay is below it
    panel = win.train_panel
    assert panel.holdoff.mapTo(panel, panel.holdoff.rect().topLeft()).y() > (
        panel.correct_button.mapTo(panel, panel.correct_button.rect().bottomLeft()).y()
    )


def test_episodes_of_another_env_are_not_replayed_in_this_one(open_window, qtbot, app_home):
    import bc

    path = app_home / "cartpole.npz"
    bc.generate_expert_traj(lambda _obs: 1, str(path), "CartPole-v1", n_episodes=1, seed=0)
    win = open_window("MountainCar-v0", dataset=path)
    qtbot.waitUntil(lambda: win.dataset_panel.table.rowCount() == 1, timeout=10_000)
    assert win.session.dataset.view.warning.startswith("Does not fit MountainCar-v0")
    with qtbot.waitSignal(win.errors.error_shown, timeout=10_000) as blocker:
        win.replay_episode(0)
    title, message = blocker.args
    assert title == "Cannot replay" and "Open the env these episodes were recorded in" in message
    assert win.tabs.currentIndex() == 0 and win.replay_panel.index == -1  # nothing replayed
