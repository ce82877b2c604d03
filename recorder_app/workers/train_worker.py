"""Behaviour cloning off the GUI thread: `bc.train.train` (train, save beside the dataset, eval)."""

from __future__ import annotations

import logging
import threading
from typing import Any

import numpy as np
from PyQt6.QtCore import QObject, pyqtSignal

from bc.envs import make_env
from bc.evaluation import EvalResult, evaluate_policy
from bc.train.api import train
from bc.train.config import TrainConfig
from bc.train.loop import BatchReport, EpochReport
from recorder_app.state import TrainResult, TrainSettings, policy_path_for
from recorder_app.workers.jobs import start_job

log = logging.getLogger(__name__)


class TrainSignals(QObject):
    """What a training run reports: declared once for the job and the controller that relays it.

    Signals:
        batch(BatchReport): after each batch.
        epoch(EpochReport): after each epoch.
        trained(TrainResult): training ended (also when cancelled); the policy is saved.
        evaluated(object): the policy's `EvalResult` over `eval_episodes` episodes (fewer when
            evaluation was cancelled).
        eval_progress(int, int, float): evaluation episode k of n done, running mean return.
        failed(str, str): what failed and a one-line message; nothing more follows.
        done(): the job is over (after `evaluated` or `failed`).
    """

    batch = pyqtSignal(object)
    epoch = pyqtSignal(object)
    trained = pyqtSignal(object)
    evaluated = pyqtSignal(object)
    failed = pyqtSignal(str, str)
    done = pyqtSignal()
    eval_progress = pyqtSignal(int, int, float)

    def relay_to(self, target: TrainSignals) -> None:
        """Re-emit every signal of this object as `target`'s signal of the same name."""
        for name in TRAIN_SIGNALS:
            getattr(self, name).connect(getattr(target, name))


TRAIN_SIGNALS = ("batch", "epoch", "trained", "evaluated", "failed", "done", "eval_progress")
"""The names of `TrainSignals`' signals."""


class TrainJob(TrainSignals):
    """One training run as a job (`recorder_app.workers.jobs`); reports through `TrainSignals`."""

    def __init__(self, settings: TrainSettings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.stop_event = threading.Event()
        self._started = threading.Event()
        self._ended = threading.Event()

    def start(self) -> None:
        """Start training."""
        self._started.set()
        start_job(
            self._run,
            "training",
            on_failed=lambda message: self.failed.emit("Training failed", message),
            long_running=True,
            on_finished=self.done.emit,  # after `failed`, when it raised,
            owner=self,
        )

    def cancel(self) -> None:
        """Stop after the current batch; the best weights so far are kept and saved."""
        self.stop_event.set()

    def is_running(self) -> bool:
        """True from `start` until the job has ended."""
        return self._started.is_set() and not self._ended.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job has ended; True when it has."""
        return self._ended.wait(timeout)

    def _run(self) -> None:
        s = self.settings
        try:
            config = TrainConfig(
                epochs=s.n_epochs,
                learning_rate=s.learning_rate,
                batch_size=s.batch_size,
                train_fraction=s.train_fraction,
                split=s.split,
                seed=s.seed,
                device=s.device,
                policy=s.preset,
                eval_episodes=0,  # evaluated below, after `trained`, so the panel can say so
                selection=s.selection,
            )
            env = make_env(s.env_id, render_mode=None, **s.env_kwargs)
            try:
                result = train(
                    s.dataset,
                    config,
                    out=policy_path_for(s.dataset),
                    env=env,
                    callback=self.epoch.emit,
                    batch_callback=self.batch.emit,
                    stop=self.stop_event,
                )
            finally:
                env.close()
            assert result.path is not None
            self.trained.emit(
                TrainResult(result.policy, result.path, result.history, result.cancelled)
            )
            if s.eval_episodes > 0 and not result.cancelled:
                evaluation = self._evaluate(result.policy)
                if evaluation is not None:
                    self.evaluated.emit(evaluation)
        finally:  # an exception reaches `failed` through the job's errored signal
            self._ended.set()

    def _evaluate(self, policy: Any) -> EvalResult | None:
        """Play the evaluation episodes one by one, reporting each; Cancel stops between them."""
        s = self.settings
        returns: list[float] = []
        lengths: list[int] = []
        eval_env = make_env(s.env_id, render_mode=None, **s.env_kwargs)
        try:
            for k in range(s.eval_episodes):
                if self.stop_event.is_set():
                    break
                one = evaluate_policy(policy, eval_env, n_eval_episodes=1, seed=10_000 + s.seed + k)
                returns.extend(one.returns)
                lengths.extend(one.lengths)
                self.eval_progress.emit(k + 1, s.eval_episodes, float(np.mean(returns)))
        finally:
            eval_env.close()
        if not returns:
            return None
        arr = np.asarray(returns)
        return EvalResult(float(arr.mean()), float(arr.std()), tuple(returns), tuple(lengths))


__all__ = [
    "BatchReport",
    "EpochReport",
    "TrainJob",
    "TrainResult",
    "TrainSettings",
    "policy_path_for",
]
