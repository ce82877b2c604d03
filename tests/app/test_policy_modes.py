"""Watch and Correct modes and the Train panel's target, through a real session and window."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

import bc
from bc.data.archive import load
from bc.experts import cartpole_balance
from recorder_app import policy_modes
from tests.app.conftest import QT_MARKS

pytestmark = QT_MARKS


class PushRight:
    """A stand-in policy that always proposes action 1 (push right)."""

    def predict(self, obs, deterministic=True):
        return 1, None


def test_watch_lets_the_policy_play_then_the_human_again(open_window, qtbot):
    win = open_window()
    s = win.session
    notice = policy_modes.watch(s, PushRight())
    assert notice.play and "policy is playing" in notice.text
    qtbot.waitUntil(lambda: s.recording.last_status.control == "policy", timeout=10_000)
    assert not s.recording.active  # watching records nothing
    notice = policy_modes.watch(s, None)
    assert not notice.play and notice.ms == 4000
    qtbot.waitUntil(lambda: s.recording.last_status.control == "", timeout=10_000)


def test_correct_records_round_one_and_stops_when_turned_off(open_window, qtbot, app_home):
    win = open_window(dataset=Path(app_home) / "c.npz")
    s = win.session
    notice = policy_modes.correct(s, PushRight(), holdoff=0.0)
    assert notice.play and notice.text.startswith("Correcting (round 1)")
    qtbot.waitUntil(lambda: s.recording.active, timeout=10_000)
    notice = policy_modes.correct(s, None, holdoff=0.0)
    assert not notice.play and "Corrections saved" in notice.text
    qtbot.waitUntil(lambda: not s.recording.active, timeout=20_000)
    assert s.player.override is None  # the human plays again


def test_the_train_panel_targets_the_env_and_a_dataset_only_when_usable(
    open_window, qtbot, app_home
):
    win = open_window()  # a new dataset: nothing to train on yet
    panel = win.train_panel
    policy_modes.show_train_target(panel, win.session)
    assert panel.env_id == "CartPole-v1" and panel.dataset is None and panel.human_mean is None
    path = Path(app_home) / "three.npz"
    bc.generate_expert_traj(cartpole_balance, str(path), "CartPole-v1", n_episodes=3, seed=3)
    win = open_window(dataset=path)
    s, panel = win.session, win.train_panel
    qtbot.waitUntil(lambda: s.dataset.summary is not None, timeout=20_000)
    policy_modes.show_train_target(panel, s)
    returns = load(path).episode_returns
    assert panel.dataset == path and panel.human_mean == float(returns.mean())
    assert panel.labels == int(load(path).episode_lengths.sum())


def test_your_mean_return_counts_your_demonstrations_not_the_corrections(
    open_window, qtbot, app_home
):
    from tests.app.dagger_data import make_corrected

    path = make_corrected(Path(app_home) / "corrected.npz", steps=60, corrections=2)
    data = load(path)
    demos = data.episode_kind == "demonstration"
    assert demos.any() and not demos.all()
    win = open_window(dataset=path, env_kwargs={"max_episode_steps": 60})
    s, panel = win.session, win.train_panel
    qtbot.waitUntil(lambda: s.dataset.summary is not None, timeout=20_000)
    policy_modes.show_train_target(panel, s)
    assert panel.human_mean == pytest.approx(float(data.episode_returns[demos].mean()))
    # the policy's episodes ended early: they must not pull "you" down
    summary = s.dataset.summary
    rows = tuple(replace(r, ret=5.0) if r.kind == "correction" else r for r in summary.rows)
    shorter = replace(summary, rows=rows)
    assert policy_modes.demonstration_mean(shorter) == pytest.approx(60.0)
    only_corrections = replace(summary, rows=tuple(r for r in rows if r.kind == "correction"))
    assert policy_modes.demonstration_mean(only_corrections) is None
