"""Behaviour cloning off the GUI thread: `bc.train.train` (train, save beside the dataset, eval)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PyQt6.QtCore import QObject, pyqtSignal

from bc.envs import make_env
from bc.errors import BCError
from bc.train.api import train
from bc.train.config import DEFAULT_EPOCHS, DEFAULT_LEARNING_RATE, TrainConfig
from bc.train.loop import BatchReport, EpochReport, History
from bc.train.policies import Policy

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainSettings:
    """What the Train panel asks for; the defaults make one click on Pretrain just work."""

    dataset: Path
    env_id: str
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    preset: str = "auto"
    """"auto" (CNN for image observations, else MLP), "mlp" or "cnn"."""
    n_epochs: int = DEFAULT_EPOCHS
    learning_rate: float = DEFAULT_LEARNING_RATE
    batch_size: int = 64
    train_fraction: float = 0.8
    split: str = "episode"
    seed: int = 0
    eval_episodes: int = 5
    """Episodes the trained policy plays to be scored (0: no evaluation)."""
    device: str = "auto"
    """"auto" (a GPU when present), "cpu" or "cuda"."""


@dataclass(frozen=True)
class TrainResult:
    """A finished (or cancelled) training run."""

    policy: Policy
    path: Path
    history: History
    cancelled: bool


def policy_path_for(dataset: Path) -> Path:
    """Where the policy trained on `dataset` is saved: `<name>.policy.zip` beside it."""
    return dataset.with_name(dataset.stem + ".policy.zip")


class TrainJob(QObject):
    """One training run on a plain Python thread; reports through queued signals.

    Signals:
        batch(BatchReport): after each batch.
        epoch(EpochReport): after each epoch.
        trained(TrainResult): training ended (also when cancelled); the policy is saved.
        evaluated(object): the policy's `EvalResult` over `eval_episodes` episodes.
        failed(str): a one-line message; nothing more follows.
        done(): the job is over (after `evaluated` or `failed`).
    """

    batch = pyqtSignal(object)
    epoch = pyqtSignal(object)
    trained = pyqtSignal(object)
    evaluated = pyqtSignal(object)
    failed = pyqtSignal(str)
    done = pyqtSignal()

    def __init__(self, settings: TrainSettings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.stop_event = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bc-train", daemon=True)

    def start(self) -> None:
        """Start training."""
        self._thread.start()

    def cancel(self) -> None:
        """Stop after the current batch; the best weights so far are kept and saved."""
        self.stop_event.set()

    def is_running(self) -> bool:
        """True until the job has reported `done`."""
        return self._thread.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job's thread ended; True when it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

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
                eval_episodes=s.eval_episodes,
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
            if result.evaluation is not None:
                self.evaluated.emit(result.evaluation)
        except BCError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # a dialog, never a dead worker
            log.exception("training failed")
            self.failed.emit(f"training failed: {type(exc).__name__}: {exc}")
        finally:
            self.done.emit()


__all__ = ["BatchReport", "EpochReport", "TrainJob", "TrainResult", "TrainSettings"]
