"""Correct mode through the window: a scripted "human" takes over with real key events."""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtCore import Qt

from bc.data.archive import load
from bc.train.loop import History
from recorder_app.controllers.correction import label_count, next_round
from recorder_app.state import DatasetSummary, TrainResult
from recorder_app.widgets.dataset_panel import row_cells
from tests.app.conftest import QT_MARKS

pytestmark = QT_MARKS


class PushRight:
    """A stand-in policy that always proposes action 1 (push right)."""

    def predict(self, obs, deterministic=True):
        return 1, None


def test_corrections_record_interventions_and_policy_actions(open_window, qtbot, app_home):
    path = Path(app_home) / "corrections.npz"
    win = open_window(env_kwargs={"max_episode_steps": 40}, dataset=path)
    s, panel = win.session, win.train_panel
    panel.set_policy(TrainResult(PushRight(), path.with_suffix(".zip"), History(), False))
    panel.holdoff.setValue(0.0)
    qtbot.mouseClick(panel.correct_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: s.recording.last_status.recording, timeout=10_000)
    qtbot.waitUntil(lambda: s.recording.last_status.control == "policy", timeout=10_000)
    assert "POLICY DRIVING" in win.hud.text() or s.recording.last_status.control == "policy"
    qtbot.wait(100)
    qtbot.keyPress(win, Qt.Key.Key_Left)  # the human takes over
    qtbot.waitUntil(lambda: s.recording.last_status.control == "human", timeout=10_000)
    # the view marks the take-over: an orange border, and the strip under it the steps driven
    qtbot.waitUntil(lambda: win.view.control() == "human", timeout=10_000)
    qtbot.waitUntil(lambda: win.takeover_strip.taken_over > 0, timeout=10_000)
    assert win.takeover_strip.isVisible()
    border = win.view.grab().toImage().pixelColor(3, win.view.height() // 2)
    assert (border.red(), border.green(), border.blue()) == (255, 111, 0)
    qtbot.wait(100)
    qtbot.keyRelease(win, Qt.Key.Key_Left)  # ... and hands back
    qtbot.waitUntil(lambda: s.recording.last_status.control == "policy", timeout=10_000)
    qtbot.waitUntil(lambda: win.view.control() == "policy", timeout=10_000)
    border = win.view.grab().toImage().pixelColor(3, win.view.height() // 2)
    assert border.red() != 255  # no border while the policy drives
    assert win.takeover_strip.isVisible()
    qtbot.wait(300)
    qtbot.mouseClick(panel.correct_button, Qt.MouseButton.LeftButton)  # Correct off: stop
    qtbot.waitUntil(lambda: not s.recording.active, timeout=20_000)
    qtbot.waitUntil(lambda: not path.with_name(path.name + ".journal").exists(), timeout=20_000)
    data = load(path)
    assert data.is_interactive and set(data.episode_kind) == {"correction"}
    assert set(data.episode_round) == {1}
    took = data.interventions
    assert took.any() and not took.all()
    assert (data.policy_actions[:, 0] == 1).all()  # the policy's proposal at every step
    assert (data.actions[took, 0] == 0).all()  # the human's Left where they drove
    assert (data.actions[~took, 0] == 1).all()  # the policy's push right elsewhere
    # the dataset panel lists the corrections with their take-over counts
    qtbot.waitUntil(
        lambda: s.dataset.summary is not None and s.dataset.summary.n_episodes == data.n_episodes,
        timeout=20_000,
    )
    summary: DatasetSummary = s.dataset.summary
    counts = [row.interventions for row in summary.rows]
    assert sum(counts) == int(took.sum())
    cells = row_cells(summary.rows[0])
    assert cells[-2] == "correction r1" and cells[-1].endswith("steps")
    assert next_round(summary) == 2
    # the Train dock counts the human-labelled steps for its rounds plot
    assert label_count(summary) == int(took.sum())
    qtbot.waitUntil(lambda: panel.labels == int(took.sum()) and panel.corrections, timeout=10_000)
    assert not win.takeover_strip.isVisible()  # the human plays again: no policy, no strip
