"""The heads-up line shows every wrapped row and keeps two rows, so the view does not jump."""

from __future__ import annotations

from recorder_app.state import RUNNING, HudStatus
from recorder_app.widgets.hud import HeadsUpLine
from tests.app.conftest import QT_MARKS

pytestmark = QT_MARKS

LONG = HudStatus(
    env_id="LunarLanderContinuous-v3", episode=12, step=345, ret=-123.4, target_fps=50,
    actual_fps=49.8, recording=True, phase=RUNNING, device="gamepad: Xbox Wireless Controller",
    action="main engine +0.73 lateral -0.41",
)  # fmt: skip


def _rows_fit(hud: HeadsUpLine) -> bool:
    line = hud._line
    return line.heightForWidth(line.width()) <= line.height()


def test_a_wrapped_line_keeps_its_height_and_shows_every_row(qtbot):
    hud = HeadsUpLine()
    qtbot.addWidget(hud)
    hud.resize(900, 10)
    hud.show()
    hud._apply(HudStatus(env_id="CartPole-v1", phase=RUNNING))
    qtbot.waitUntil(lambda: hud.height() >= hud.minimumSizeHint().height())
    one_row = hud.height()
    hud._apply(LONG)  # wraps to two rows at this width
    qtbot.wait(20)
    assert _rows_fit(hud) and hud.height() == one_row  # room was kept: nothing moves
    assert "Xbox\u00a0Wireless" in hud._line.text()


def test_a_narrow_line_grows_to_show_every_row(qtbot):
    hud = HeadsUpLine()
    qtbot.addWidget(hud)
    hud.show()
    hud._apply(LONG)
    hud.resize(480, 10)  # three rows or more at this width
    qtbot.waitUntil(lambda: _rows_fit(hud), timeout=2000)
    assert hud._line.minimumHeight() > 2 * hud._line.fontMetrics().lineSpacing()


def test_the_view_hint_says_the_policy_plays_while_watching():
    from recorder_app.widgets.hud import hint_for

    keys = {"record": "Ctrl+R", "help": "F1"}
    human = hint_for(HudStatus(env_id="CartPole-v1", phase=RUNNING), keys)
    assert human.startswith("Practice: nothing is saved")
    for control in ("policy", "human"):  # Watch policy, before and during a take-over
        hint = hint_for(HudStatus(env_id="CartPole-v1", phase=RUNNING, control=control), keys)
        assert hint.startswith("Watching the policy: hold a game key to take over")
        assert "nothing is saved" in hint and "Ctrl+R record" in hint
    recording = HudStatus(env_id="CartPole-v1", phase=RUNNING, control="policy", recording=True)
    keys |= {"end_episode": "Ctrl+E", "pause": "Ctrl+P"}
    correcting = hint_for(recording, keys)  # Correct: how to take over, then the recording keys
    assert correcting.startswith("Hold a game key to take over  ·  Ctrl+R stop")
    assert "Watching" not in correcting and "nothing is saved" not in correcting
