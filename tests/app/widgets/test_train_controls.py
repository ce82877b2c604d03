"""The Train panel's buttons: which ones a run and a policy enable."""

from __future__ import annotations

from recorder_app.widgets.train_controls import TrainControls
from tests.app.conftest import QT_MARKS

pytestmark = QT_MARKS


def test_a_run_and_a_policy_enable_their_buttons(qtbot):
    controls = TrainControls()
    qtbot.addWidget(controls)
    buttons = (controls.pretrain_button, controls.cancel_button)
    policy = (controls.watch_button, controls.correct_button)
    assert not any(b.isEnabled() for b in (*buttons, *policy))  # nothing to train on yet
    assert controls.retrain_every.text() == "off" and controls.holdoff.value() == 0.3
    controls.set_running(False, can_start=True)
    assert [b.isEnabled() for b in buttons] == [True, False]
    controls.set_running(True, can_start=True)
    assert [b.isEnabled() for b in buttons] == [False, True]
    controls.set_running(False, can_start=False)  # over, but no dataset fits
    assert [b.isEnabled() for b in buttons] == [False, False]
    controls.set_policy_buttons_enabled(True)
    assert all(b.isEnabled() and b.isCheckable() for b in policy)
