"""Replay off the GUI thread: frames newest-wins, the re-simulation check, disagreement, export."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from PyQt6.QtCore import QObject, pyqtSignal

from bc.data.archive import load
from bc.data.arrays import DatasetArrays, policy_action_or_none
from bc.envs import make_env
from bc.errors import BCError
from bc.export import export_frames
from bc.export_overlay import ExportOptions, caption_lines, prepare_frames
from bc.replay import EpisodeReplay, ReplayCheck, policy_disagreement
from bc.spaces import plain_action
from recorder_app.core.errors import one_line
from recorder_app.workers.jobs import start_job


class ReplayWorker(QObject):
    """Owns one episode's `EpisodeReplay` (and its env) on a thread of its own.

    Requests are queued; a frame request replaces any frame request not yet served, so
    scrubbing never builds a backlog.

    Signals:
        opened(object, int, int): the dataset, the episode index and its length.
        frame(int, object): a step and its frame (H, W, C uint8).
        checked(object): the `ReplayCheck` of the re-simulation.
        disagreement(object, object): the policy's actions and the bool mask of disagreements.
        exported(str): the path written.
        failed(str, str): what failed ("Replay") and a one-line message.
    """

    opened = pyqtSignal(object, int, int)
    frame = pyqtSignal(int, object)
    checked = pyqtSignal(object)
    disagreement = pyqtSignal(object, object)
    exported = pyqtSignal(str)
    failed = pyqtSignal(str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cond = threading.Condition()
        self._jobs: list[Callable[[], None]] = []
        self._frame_step: int | None = None
        self._closed = False
        self._replay: EpisodeReplay | None = None
        self._env: gym.Env[Any, Any] | None = None
        self._data: DatasetArrays | None = None
        self._predicted: np.ndarray | None = None
        """The compared policy's action at each step of the episode shown (for export)."""
        self._ended = threading.Event()
        start_job(
            self._run,
            "replay",
            on_failed=lambda message: self.failed.emit("Replay", message),
            long_running=True,
            owner=self,
        )

    # -- requests (any thread) -----------------------------------------------------------------

    def open(self, dataset: Path, index: int, env_id: str, env_kwargs: dict[str, Any]) -> None:
        """Load the dataset and prepare episode `index` (re-simulated in `env_id` if vector)."""
        self._submit(lambda: self._open(dataset, index, env_id, env_kwargs))

    def request_frame(self, step: int) -> None:
        """Ask for the frame of `step`; replaces an earlier request not yet served."""
        with self._cond:
            self._frame_step = step
            self._cond.notify()

    def compare(self, policy: Any) -> None:
        """Compute the policy's action at every recorded step and where it disagrees."""
        self._submit(lambda: self._compare(policy))

    def export(
        self,
        path: Path,
        fps: float,
        options: ExportOptions | None = None,
        describe: Callable[[Any], str] = str,
    ) -> None:
        """Write the episode as a GIF or MP4 (by the suffix)."""
        self._submit(lambda: self._export(path, fps, options or ExportOptions(), describe))

    def close(self) -> None:
        """Stop the thread and close the env."""
        with self._cond:
            self._closed = True
            self._cond.notify()
        self._ended.wait(5.0)

    def _submit(self, job: Callable[[], None]) -> None:
        with self._cond:
            self._jobs.append(job)
            self._cond.notify()

    # -- the thread ----------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._serve()
        finally:
            self._close_env()
            self._ended.set()

    def _serve(self) -> None:
        while True:
            with self._cond:
                while not self._closed and not self._jobs and self._frame_step is None:
                    self._cond.wait()
                if self._closed:
                    break
                if self._jobs:
                    job: Callable[[], None] = self._jobs.pop(0)
                else:
                    step, self._frame_step = self._frame_step, None
                    assert step is not None
                    job = partial(self._frame, step)
            try:
                job()
            except Exception as exc:  # a dialog, never a dead worker
                self.failed.emit("Replay", one_line(exc, "replay"))

    def _close_env(self) -> None:
        if self._env is not None:
            self._env.close()
            self._env = None

    def _open(self, dataset: Path, index: int, env_id: str, env_kwargs: dict[str, Any]) -> None:
        self._replay = None
        data = load(dataset)
        self._close_env()
        self._env = make_env(env_id, render_mode="rgb_array", **env_kwargs)
        replay = EpisodeReplay(data, index, self._env if not data.is_image else None)
        self._data, self._replay = data, replay
        self._predicted = None
        self.opened.emit(data, replay.index, len(replay))
        self._frame(0)
        if not data.is_image:
            self.checked.emit(replay.check())
            self._frame(0)

    def _frame(self, step: int) -> None:
        replay = self._replay
        if replay is None or not 0 <= step < len(replay):
            return
        self.frame.emit(step, np.ascontiguousarray(replay.frame(step)))

    def _compare(self, policy: Any) -> None:
        if self._replay is None or self._data is None or self._env is None:
            return
        predicted, disagree = policy_disagreement(
            lambda obs: policy.predict(obs, deterministic=True)[0],
            self._data,
            self._replay.index,
            self._env.action_space,
        )
        self._predicted = predicted
        self.disagreement.emit(predicted, disagree)

    def _export(
        self, path: Path, fps: float, options: ExportOptions, describe: Callable[[Any], str]
    ) -> None:
        replay, data = self._replay, self._data
        if replay is None or data is None:
            raise BCError("no episode to export")
        n = len(replay)
        captions = None
        if options.overlay:
            captions = episode_captions(data, replay.index, n, self._predicted, describe)
        frames = prepare_frames((replay.frame(i) for i in range(n)), options, captions)
        written = export_frames(frames, path, fps=fps)
        self.exported.emit(str(written))


def episode_captions(
    data: DatasetArrays,
    index: int,
    n_frames: int,
    predicted: np.ndarray | None = None,
    describe: Callable[[Any], str] = str,
) -> list[list[str]]:
    """The export caption of each of `n_frames` frames of episode `index`.

    A correction episode says who was in control at each step, and its "policy" is what the
    policy proposed when it was recorded (`policy_actions`); other episodes show `predicted`
    (a loaded policy's actions) when given.
    """
    rows = data.episode_slice(index)
    actions, rewards = data.actions[rows], data.rewards[rows]
    returns = np.cumsum(rewards)
    driven = data.policy_driven(index)
    took = np.asarray(data.interventions[rows], dtype=bool) if driven else None
    proposals = data.policy_actions[rows] if driven else predicted
    captions = []
    for frame in range(n_frames):
        i = min(frame, len(actions) - 1)
        human = describe(plain_action(actions[i]))
        policy = None
        if proposals is not None and len(proposals):
            row = proposals[min(i, len(proposals) - 1)]
            no_proposal = driven and policy_action_or_none(row) is None
            policy = "—" if no_proposal else describe(plain_action(row))
        if took is not None and not took[i]:
            human = "—"
        lines = caption_lines(
            i, len(actions), human, policy, float(returns[i]) if len(returns) else 0.0
        )
        if took is not None:
            lines[0] += "   human in control" if took[i] else "   policy in control"
        captions.append(lines)
    return captions


__all__ = ["ReplayCheck", "ReplayWorker"]
