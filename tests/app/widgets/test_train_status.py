"""The Train panel's status: progress, ETA, and what the score line says after each stage."""

from __future__ import annotations

from pathlib import Path

from bc.evaluation import EvalResult
from bc.train.loop import BatchReport, History
from recorder_app.state import TrainResult
from recorder_app.widgets.train_status import TrainStatus, duration
from tests.app.conftest import QT_MARKS

pytestmark = QT_MARKS


def test_duration_is_minutes_and_seconds():
    assert duration(0) == "0:00" and duration(61.9) == "1:01" and duration(-5) == "0:00"
    assert duration(3600) == "60:00"


def test_progress_eta_and_the_score_line(qtbot):
    status = TrainStatus()
    qtbot.addWidget(status)
    status.started(n_epochs=2)
    assert status.progress.maximum() == 2000 and status.progress.value() == 0
    assert status.eta_label.text() == "loading..." and status.score_label.text() == "Training..."
    status.batch(BatchReport(1, 4, 10, loss=0.5, samples_seen=80, elapsed=1.0), n_epochs=2)
    assert status.progress.value() == 500  # half of the first of two epochs: a quarter
    assert status.eta_label.text().startswith("ETA ")
    status.cancelling()
    assert status.eta_label.text() == "cancelling..."
    cancelled = TrainResult(None, Path("/x/policy.zip"), History(), cancelled=True)
    status.trained(cancelled, evaluating=False)
    assert status.progress.value() == 500  # a cancelled run stays where it stopped
    assert status.eta_label.text() == "cancelled"
    assert status.score_label.text().startswith("Training cancelled: 0 epoch(s), no validation.")
    assert (
        "policy.zip" in status.score_label.text() and "Evaluating" not in status.score_label.text()
    )
    done = TrainResult(None, Path("/x/policy.zip"), History(), cancelled=False)
    status.trained(done, evaluating=True)
    assert status.progress.value() == status.progress.maximum()
    assert status.score_label.text().endswith("Evaluating...")
    status.eval_progress(1, 3, 12.5)
    assert (status.progress.value(), status.progress.maximum()) == (1, 3)
    assert "episode 1 of 3, mean return so far 12.5" in status.score_label.text()
    status.evaluated(EvalResult(15.0, 5.0, (10.0, 20.0), (9, 9)), planned=3, human_mean=None)
    assert status.score_label.text() == (
        "Policy: 15.0 ± 5.0 over 2 episodes (evaluation cancelled after 2 of 3) · you: n/a "
        "(mean of your demonstrations)"
    )
    assert status.eta_label.text() == "cancelled"
    status.evaluated(EvalResult(15.0, 5.0, (10.0, 20.0), (9, 9)), planned=2, human_mean=30.0)
    assert "you: 30.0" in status.score_label.text() and status.eta_label.text() == "done"
    status.say("Training failed: boom")
    assert status.score_label.text() == "Training failed: boom"
