"""Automatic retrain per round in Correct mode: a tiny real CartPole run through the window."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PyQt6.QtCore import Qt

import bc
from bc.data.archive import load
from bc.envs import make_env
from bc.experts import cartpole_balance
from bc.labels import count_labels
from tests.app.conftest import QT_MARKS

pytestmark = QT_MARKS

STEPS = 30


def test_the_nth_correction_retrains_on_the_aggregate_and_the_new_policy_corrects_on(
    open_window, qtbot, app_home
):
    path = Path(app_home) / "auto.npz"
    env = make_env("CartPole-v1", render_mode=None, max_episode_steps=STEPS)
    bc.generate_expert_traj(cartpole_balance, str(path), env, n_episodes=2, seed=0)
    env.close()
    win = open_window(env_kwargs={"max_episode_steps": STEPS}, dataset=path)
    s, panel = win.session, win.train_panel
    assert panel.retrain_every.value() == 0 and panel.retrain_every.text() == "off"
    qtbot.waitUntil(lambda: panel.pretrain_button.isEnabled(), timeout=10_000)
    panel.epochs.setValue(2)
    panel.eval_episodes.setValue(1)
    panel.holdoff.setValue(0.0)
    with qtbot.waitSignal(panel.evaluated, timeout=60_000):
        panel.pretrain_button.click()
    qtbot.waitUntil(lambda: not panel.running, timeout=30_000)
    first = panel.result
    assert first is not None and len(panel.rounds) == 1 and not panel.rounds[0][2]
    # on: retrain after 2 correction episodes
    panel.retrain_every.setValue(2)
    resumed: list[object] = []

    def on_correct(on: bool) -> None:
        if on and panel.result is not first:  # the new policy took over: stop after this round
            resumed.append(panel.result)
            panel.retrain_every.setValue(0)

    panel.correct_button.toggled.connect(on_correct)
    qtbot.keyPress(win, Qt.Key.Key_Left)  # the human holds a key: in control from the start
    qtbot.mouseClick(panel.correct_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: s.recording.last_status.recording and s.recording.last_status.control == "human",
        timeout=10_000,
    )
    qtbot.wait(40)
    qtbot.keyRelease(win, Qt.Key.Key_Left)  # ... and hands back
    # the 2nd correction stops the round, the merged file trains, evaluates, Correct resumes
    qtbot.waitUntil(lambda: panel.auto_state == "training" or bool(resumed), timeout=30_000)
    qtbot.waitUntil(lambda: bool(resumed), timeout=90_000)
    assert len(panel.rounds) == 2 and panel.rounds[1][2]  # the rounds plot got its point
    assert panel.correct_button.isChecked() and panel.auto_state == ""
    qtbot.waitUntil(lambda: s.recording.active, timeout=10_000)
    assert s.player.expert.policy is panel.result.policy  # the new policy corrects
    assert s.player.expert.episode_round == 2
    x, y = panel.rounds_plot.round_curve.getData()
    assert len(x) == 1 and y[0] == panel.rounds[1][1]
    qtbot.waitUntil(
        lambda: s.dataset.summary is not None and any(r.round == 2 for r in s.dataset.summary.rows),
        timeout=20_000,
    )
    qtbot.mouseClick(panel.correct_button, Qt.MouseButton.LeftButton)  # stop
    qtbot.waitUntil(lambda: not s.recording.active, timeout=20_000)
    qtbot.waitUntil(lambda: not path.with_name(path.name + ".journal").exists(), timeout=20_000)
    data = load(path)
    round1 = data.episode_round == 1
    assert int(np.count_nonzero(round1)) >= 2  # the round that triggered the retrain
    # round 2 trained on every demonstration + every take-over step of round 1
    demo_steps = int(data.episode_lengths[data.episode_kind == "demonstration"].sum())
    rows = np.repeat(round1, data.episode_lengths)
    taken = int(np.count_nonzero(data.interventions & rows))
    assert taken > 0
    assert panel.rounds[1][0] == demo_steps + taken
    assert count_labels(data) >= demo_steps + taken
