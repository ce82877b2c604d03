"""The runner's recording: start, stop, refused writes (save elsewhere, discard), saved episodes.

Owns the `Recorder` and what goes with each recorded episode until the writer thread saved it
(its actions, step latency, take-over count). Plain Python like the runner it belongs to.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from bc.data.archive import normalise_path
from bc.data.recorder import Recorder
from bc.data.trajectory import EpisodeSummary
from bc.errors import BCError
from bc.rollout import HasTakeover, StepResult
from recorder_app.state import RecordingRequest, SavedEpisode

if TYPE_CHECKING:
    from recorder_app.core.runner import EnvRunner

log = logging.getLogger(__name__)


class Recording:
    """The recording side of an `EnvRunner`.

    Runs on the runner's thread, except `_on_saved` and `_on_write_error`, which the
    recorder's writer thread calls.
    """

    def __init__(self, runner: EnvRunner) -> None:
        self.runner = runner
        self.recorder: Recorder | None = None
        """The open recorder; None while not recording."""
        self._actions: list[np.ndarray] = []
        self._latency: list[float] = []
        self._ended: dict[tuple[int, int], tuple[np.ndarray, float, np.ndarray]] = {}
        """Ended, unsaved episodes' actions, by (seed, length): `save_elsewhere` renumbers
        the unsaved episodes, while a recording's seed and length name each one alone."""
        self._taken_over = 0
        """Steps of the open recorded episode the human controlled (Correct mode)."""
        self._ended_interactive: dict[tuple[int, int], tuple[str, int, int]] = {}
        self._ended_lock = threading.Lock()
        self._write_trouble = threading.Event()
        """Set by the writer thread when the disk refused a write: pause on the next tick."""

    # -- what each step and episode leaves -------------------------------------------------------

    def note_step(self, result: StepResult, expert: Any) -> None:
        """Keep a recorded step's action, latency and whether the human had taken over."""
        if self.recorder is None:
            return
        self._actions.append(result.action)
        self._latency.append(np.nan if result.latency is None else result.latency)
        if isinstance(expert, HasTakeover) and expert.last_intervention:
            self._taken_over += 1

    def new_episode(self) -> None:
        """Forget the steps noted so far (a new episode begins)."""
        self._actions, self._latency = [], []
        self._taken_over = 0

    def sync_episode_kind(self, expert: Any) -> None:
        """A policy with take-over records correction episodes of its round; else plain ones."""
        if self.recorder is None:
            return
        if isinstance(expert, HasTakeover):
            self.recorder.episode_kind = "correction"
            self.recorder.episode_round = int(getattr(expert, "episode_round", 0))
        else:
            self.recorder.episode_kind = ""

    def write_trouble_reported(self) -> bool:
        """True once after the writer thread reported a refused write."""
        if not self._write_trouble.is_set():
            return False
        self._write_trouble.clear()
        return True

    def end_recorded(self, terminated: bool) -> None:
        """End the open recorded episode now (kept, truncated unless `terminated`)."""
        rollout = self.runner.rollout
        assert rollout is not None
        self.episode_ended(rollout.end_episode(terminated=terminated))

    def episode_ended(self, summary: EpisodeSummary) -> None:
        """File the ended episode's actions until it is saved; announce `episode_ended`."""
        if self._actions:
            latency = np.asarray(self._latency, dtype=np.float64)
            with self._ended_lock:
                self._ended[summary.seed, summary.length] = (
                    np.stack(self._actions),
                    time.time(),
                    latency,
                )
                rec = self.recorder
                if rec is not None and rec.episode_kind:
                    self._ended_interactive[summary.seed, summary.length] = (
                        rec.episode_kind,
                        self._taken_over,
                        rec.episode_round,
                    )
        self.new_episode()
        self.runner.episode_ended.emit(summary)

    # -- commands --------------------------------------------------------------------------------

    def toggle(self, request: RecordingRequest) -> None:
        """Start recording into `request.path` from a fresh episode, or stop.

        Raises:
            BCError: no env, or the dataset cannot be opened for recording.
        """
        r = self.runner
        if self.recorder is not None:
            self.stop(keep_partial=request.keep_partial)
            return
        if r.info is None or r.rollout is None:
            raise BCError("open an env before recording")
        self.recorder = Recorder(
            request.path,
            r.info.observation_space,
            r.info.action_space,
            image_folder=request.image_folder,
            append=request.append,
            metadata=request.metadata,
            on_error=self._on_write_error,
            on_saved=self._on_saved,
        )
        r.rollout.set_sink(self.recorder)
        self.sync_episode_kind(r.expert)
        r.recording_changed.emit(True)
        if r.paused and r.pause_reason == "user":
            r.set_paused(False, "")
        r.begin_episode(r.seeds.take(recording=True))

    def stop(self, keep_partial: bool = True) -> None:
        """Stop recording; no-op when not recording.

        The open episode is kept (truncated), or dropped when `keep_partial` is False.

        Raises:
            DatasetWriteError: the archive could not be written; still recording, so stopping
                again retries.
        """
        rec = self.recorder
        if rec is None:
            return
        if rec.episode_in_progress:
            if keep_partial:
                self.end_recorded(terminated=False)
            else:
                rec.discard_episode()
        rec.close()
        self._closed()

    def flush(self) -> None:
        """Write every ended episode now (a refusal comes as `write_failed`)."""
        if self.recorder is not None:
            try:
                self.recorder.flush()
            except BCError as exc:
                self.runner.write_failed.emit(str(exc))

    def save_elsewhere(self, path: Any) -> None:
        """After refused writes: go on recording into `path`, the unsaved episodes first.

        Episodes already saved stay where they are. Resumes a "cannot save" pause once the
        unsaved episodes are written there.

        Raises:
            BCError: `path` cannot be used either (the recording goes on as before).
        """
        rec = self.recorder
        if rec is None:
            return
        rec.relocate(normalise_path(path).absolute())
        self.runner.relocated.emit(rec.path)
        try:
            rec.flush()
        except BCError as exc:
            self.runner.write_failed.emit(str(exc))
            return
        self._write_trouble.clear()
        self.runner.resume_if("cannot save")

    def discard_unsaved(self) -> None:
        """After refused writes: stop recording, giving up the episodes not saved yet."""
        rec = self.recorder
        if rec is None:
            return
        dropped = rec.abandon()
        log.warning("discarded %d unsaved episode(s) of %s", dropped, rec.path)
        self._write_trouble.clear()
        self._closed()

    def shutdown(self, keep_partial: bool) -> bool:
        """Save or drop the open episode and close the recorder; False when that failed.

        A failure is reported as `shutdown_failed`; the recording goes on.
        """
        rec = self.recorder
        if rec is None:
            return True
        if keep_partial and rec.episode_in_progress:
            self.end_recorded(terminated=False)
        try:
            rec.close(keep_partial=keep_partial)
        except BCError as exc:
            self.runner.shutdown_failed.emit(str(exc))
            return False
        self.recorder = None
        return True

    def _closed(self) -> None:
        """The recorder is closed or abandoned: back to practice."""
        r = self.runner
        self.recorder = None
        if r.rollout is not None:
            r.rollout.set_sink(None)
        r.countdown_until = 0.0
        r.recording_changed.emit(False)
        r.publish()

    # -- from the writer thread ------------------------------------------------------------------

    def _on_write_error(self, message: str) -> None:
        """From the writer thread: report, and have the runner pause before its next tick."""
        self._write_trouble.set()
        self.runner.write_failed.emit(message)

    def _on_saved(self, summary: EpisodeSummary) -> None:
        """The writer thread put an episode on disk: announce it with its actions."""
        with self._ended_lock:
            actions, created, latency = self._ended.pop(
                (summary.seed, summary.length), (np.zeros((0, 1)), float("nan"), np.zeros(0))
            )
            kind, taken, round_ = self._ended_interactive.pop(
                (summary.seed, summary.length), ("", 0, 0)
            )
        self.runner.episode_saved.emit(
            SavedEpisode(summary, actions, created, latency, kind, taken, round_)
        )
