"""The automatic round, event by event, without Qt."""

from __future__ import annotations

from recorder_app.core.auto_retrain import IDLE, RELOADING, STOPPING, TRAINING, AutoRetrain


def test_off_by_default_counts_nothing():
    auto = AutoRetrain()
    auto.correct_switched(True)
    assert not any(auto.episode_saved("correction", True, False) for _ in range(5))
    assert auto.state == IDLE and auto.seen == 0


def test_a_whole_round_stop_reload_train_resume():
    auto = AutoRetrain(every=2)
    auto.correct_switched(True)
    assert not auto.episode_saved("demonstration", True, False)  # not a correction
    assert not auto.episode_saved("correction", False, False)  # Correct is off
    assert not auto.episode_saved("correction", True, False)
    assert auto.episode_saved("correction", True, False)  # the 2nd ends the round
    assert auto.state == STOPPING and auto.seen == 2
    auto.recording_changed(True)
    assert auto.state == STOPPING  # still recording
    auto.recording_changed(False)
    assert auto.state == RELOADING
    assert auto.dataset_reloaded(training=False)
    assert auto.state == TRAINING
    assert auto.training_done(trained=True)  # Correct resumes with the new policy
    assert auto.state == IDLE
    auto.correct_switched(True)
    assert auto.seen == 0  # the next round counts anew


def test_a_pretrain_click_first_takes_over_the_pending_round():
    auto = AutoRetrain(every=1)
    auto.correct_switched(True)
    assert auto.episode_saved("correction", True, False)
    auto.recording_changed(False)
    assert not auto.dataset_reloaded(training=True)  # the user's run is already going
    assert auto.state == IDLE
    assert not auto.training_done(trained=True)  # so Correct is not switched on by itself


def test_a_failed_or_cancelled_training_leaves_correct_off():
    auto = AutoRetrain(every=1)
    auto.correct_switched(True)
    auto.episode_saved("correction", True, False)
    auto.recording_changed(False)
    auto.dataset_reloaded(training=False)
    assert not auto.training_done(trained=False)  # cancelled
    assert auto.state == IDLE
    auto.correct_switched(True)
    auto.episode_saved("correction", True, False)
    auto.recording_changed(False)
    auto.dataset_reloaded(training=False)
    auto.training_failed()
    assert auto.state == IDLE and not auto.training_done(trained=True)


def test_no_round_ends_while_training_runs_and_correct_by_hand_cancels_a_pending_one():
    auto = AutoRetrain(every=1)
    auto.correct_switched(True)
    assert not auto.episode_saved("correction", True, training=True)
    auto.correct_switched(True)
    assert auto.episode_saved("correction", True, False)
    auto.correct_switched(True)  # by hand, before the recording stopped
    assert auto.state == IDLE
    auto.recording_changed(False)
    assert not auto.dataset_reloaded(training=False)
