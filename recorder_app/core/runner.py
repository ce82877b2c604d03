"""The env runner: one env, its expert and recorder; episodes, seeds, pacing and the HUD status.

Plain Python with an injected clock: no Qt, no threads of its own. `RunnerLoop` calls it on
one thread; it announces what happened through psygnal signals, which the Qt bridge
(`recorder_app.workers.env_worker`) turns into Qt signals. Tests drive it directly.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
from psygnal import Signal

from bc.data.archive import normalise_path
from bc.data.recorder import Recorder
from bc.data.trajectory import EpisodeSummary
from bc.envs import make_env
from bc.errors import BCError
from bc.rollout import Describes, Expert, HasInput, HasTakeover, Rollout
from recorder_app.core.errors import one_line
from recorder_app.core.mailbox import Mailbox
from recorder_app.core.pacing import RenderPacer, StepRate, clamp_fps
from recorder_app.core.seeds import EpisodeSeeds
from recorder_app.input.atari import key_hints
from recorder_app.state import (
    COUNTDOWN,
    IDLE,
    PAUSED,
    RUNNING,
    WAITING,
    EnvInfo,
    Frame,
    HudStatus,
    RecordingRequest,
    SavedEpisode,
)

log = logging.getLogger(__name__)

Clock = Callable[[], float]
"""Seconds from an arbitrary start (default `time.perf_counter`); tests pass a fake one."""


class _NoExpert:
    """Stands in until an expert is set (the runner does not tick without one)."""

    def __call__(self, obs: Any) -> Any:
        raise BCError("no expert to ask for an action")


class EnvRunner:
    """Owns the env, the expert and the recorder, and does what each tick and command asks.

    Every method runs on the caller's thread (the runner loop's), except `episode_saved`,
    which the recorder's writer thread emits.

    Signals:
        frame_ready(): a new `Frame` waits in `frames` (emitted once per frame the GUI sees).
        env_opened(EnvInfo): an env was made and reset.
        recording_changed(bool): recording started or stopped.
        paused_changed(bool, str): paused or resumed, and why ("user", "gamepad", "error",
            "cannot save").
        episode_ended(EpisodeSummary): a recorded episode ended (handed to the writer).
        episode_saved(SavedEpisode): a recorded episode is on disk (writer thread).
        failed(str, str): what failed and a one-line message; the runner carries on.
        write_failed(str): the disk refused a write (writer thread); the data stays in memory
            and the runner pauses ("cannot save") before its next tick, so no more episodes
            pile up unsaved.
        relocated(Path): recording goes on in this dataset after `save_elsewhere`.
        shutdown_failed(str): the recording could not be saved at shutdown; still running.
    """

    frame_ready = Signal()
    env_opened = Signal(object)
    recording_changed = Signal(bool)
    paused_changed = Signal(bool, str)
    episode_ended = Signal(object)
    episode_saved = Signal(object)
    failed = Signal(str, str)
    write_failed = Signal(str)
    relocated = Signal(object)
    shutdown_failed = Signal(str)

    def __init__(
        self,
        fps: float = 30.0,
        countdown: float = 3.0,
        seed: int | None = None,
        adaptive_render: bool = True,
        clock: Clock = time.perf_counter,
    ) -> None:
        self.clock = clock
        self.frames: Mailbox[Frame] = Mailbox()
        self.pacer = RenderPacer(adaptive_render)
        self.rate = StepRate()
        self.seeds = EpisodeSeeds(seed)
        self.alive = True
        """False once shut down: the loop ends."""
        self.period = 1.0 / clamp_fps(fps)
        self.countdown_s = max(0.0, float(countdown))
        self.wait_for_input = False
        self.env: gym.Env[Any, Any] | None = None
        self.info: EnvInfo | None = None
        self.expert: Expert | None = None
        self.recorder: Recorder | None = None
        self.rollout: Rollout | None = None
        self.seed = -1
        """The current episode's seed."""
        self.practice_episode = 0
        self.paused = False
        self.pause_reason = ""
        self.pending_steps = 0
        self.countdown_until = 0.0
        self._episode_t0: float | None = None
        self._image: np.ndarray | None = None
        self._action_text = ""
        self._actions: list[np.ndarray] = []
        self._latency: list[float] = []
        self._ended: dict[tuple[int, int], tuple[np.ndarray, float, np.ndarray]] = {}
        """Ended, unsaved episodes' actions, by (seed, length): `save_elsewhere` renumbers
        the unsaved episodes, while a recording's seed and length name each one alone."""
        self._taken_over = 0
        """Steps of the open recorded episode the human controlled (Correct mode)."""
        self._ended_interactive: dict[tuple[int, int], tuple[str, int, int]] = {}
        self._ended_lock = threading.Lock()
        # -- start on the first key press (curation) --
        self.start_on_input = False
        """Each recorded episode waits at its first frame until the human presses an input."""
        self._need_release = False
        """A held input must be let go first (it carried over from the episode that ended)."""
        self._awaiting_first_input = False
        self._write_trouble = threading.Event()
        """Set by the writer thread when the disk refused a write: pause on the next tick."""

    # -- ticks -----------------------------------------------------------------------------------

    def wants_ticks(self) -> bool:
        """True when there is something to step (an env, an expert) and it is not paused.

        Takes in first what the writer thread reported: a refused write pauses the runner.
        """
        if self._write_trouble.is_set():
            self._write_trouble.clear()
            if self.recorder is not None:
                self.set_paused(True, "cannot save")
        ready = self.rollout is not None and self.expert is not None
        return ready and (not self.paused or self.pending_steps > 0)

    def phase(self, now: float) -> str:
        """What the runner is doing now: IDLE, PAUSED, COUNTDOWN, WAITING or RUNNING."""
        if self.env is None or self.expert is None:
            return IDLE
        if self.paused and self.pending_steps == 0:
            return PAUSED
        if now < self.countdown_until:
            return COUNTDOWN
        if self.wait_for_input and not self.paused and not self._has_input():
            return WAITING
        if (self._need_release or self._awaiting_first_input) and not self.paused:
            return WAITING
        return RUNNING

    def tick(self, now: float, next_deadline: float) -> bool:
        """One tick: step when running, else publish the status; True when the env stepped."""
        self._update_first_input()
        phase = self.phase(now)
        if phase != RUNNING:
            self._input_idle()
            self.publish(phase=phase)
            return False
        if self.pending_steps:
            self.pending_steps -= 1
        try:
            self._step(now, next_deadline)
        except Exception as exc:
            self.failed.emit("The env failed", one_line(exc))
            self.set_paused(True, "error")
            return False
        return True

    def _step(self, now: float, next_deadline: float) -> None:
        rollout = self.rollout
        assert rollout is not None
        if self._episode_t0 is None:
            self._episode_t0 = now
        result = rollout.step(t=now - self._episode_t0)
        self._action_text = self._describe(result.raw_action)
        self.rate.add(now)
        if self.recorder is not None:
            self._actions.append(result.action)
            self._latency.append(np.nan if result.latency is None else result.latency)
            if isinstance(self.expert, HasTakeover) and self.expert.last_intervention:
                self._taken_over += 1
        if result.done:
            if result.summary is not None:
                self._episode_ended(result.summary)
            else:
                self.practice_episode += 1
            self.begin_episode(self.seeds.take(self.recorder is not None))
            return
        if self.paused or self.pacer.fits(
            self.clock(), next_deadline, self.period, self.frames.pending()
        ):
            self._image = self._render()
        self.publish()

    # -- commands --------------------------------------------------------------------------------

    def open_env(self, env_id: str, kwargs: dict[str, Any]) -> None:
        """Make and reset an env (the old one stays when making fails); waits for an expert.

        Raises:
            EnvError, UnsupportedSpaceError: the env cannot be made or recorded.
        """
        env = make_env(env_id, **kwargs)
        if self.recorder is not None:
            self.stop_recording()
        if self.env is not None:
            self.env.close()
        fps = env.metadata.get("render_fps")
        self.env = env
        self.info = EnvInfo(
            env_id=env_id,
            kwargs=kwargs,
            observation_space=env.observation_space,
            action_space=env.action_space,
            render_fps=float(fps) if fps else None,
            key_hints=key_hints(env),
        )
        self.expert = None
        self.rollout = Rollout(env, _NoExpert())
        self.practice_episode = 0
        self.begin_episode(self.seeds.take(recording=False))
        self.env_opened.emit(self.info)

    def set_expert(self, expert: Expert | None) -> None:
        """Ask `expert` for every action (the human, a policy); None: stop stepping."""
        self.expert = expert
        if self.rollout is not None:
            self.rollout.expert = expert if expert is not None else _NoExpert()
        self._sync_episode_kind()
        self.publish()

    def _sync_episode_kind(self) -> None:
        """A policy with take-over records correction episodes of its round; else plain ones."""
        if self.recorder is None:
            return
        if isinstance(self.expert, HasTakeover):
            self.recorder.episode_kind = "correction"
            self.recorder.episode_round = int(getattr(self.expert, "episode_round", 0))
        else:
            self.recorder.episode_kind = ""

    def toggle_recording(self, request: RecordingRequest) -> None:
        """Start recording into `request.path` from a fresh episode, or stop.

        Raises:
            BCError: no env, or the dataset cannot be opened for recording.
        """
        if self.recorder is not None:
            self.stop_recording(keep_partial=request.keep_partial)
            return
        if self.info is None or self.rollout is None:
            raise BCError("open an env before recording")
        self.recorder = Recorder(
            request.path,
            self.info.observation_space,
            self.info.action_space,
            image_folder=request.image_folder,
            append=request.append,
            metadata=request.metadata,
            on_error=self._on_write_error,
            on_saved=self._on_saved,
        )
        self.rollout.set_sink(self.recorder)
        self._sync_episode_kind()
        self.recording_changed.emit(True)
        if self.paused and self.pause_reason == "user":
            self.set_paused(False, "")
        self.begin_episode(self.seeds.take(recording=True))

    def stop_recording(self, keep_partial: bool = True) -> None:
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
                self._end_recorded(terminated=False)
            else:
                rec.discard_episode()
        rec.close()
        self.recorder = None
        if self.rollout is not None:
            self.rollout.set_sink(None)
        self.countdown_until = 0.0
        self.recording_changed.emit(False)
        self.publish()

    def set_paused(self, paused: bool, reason: str = "user") -> None:
        """Pause or resume; `reason` goes with `paused_changed`."""
        if paused == self.paused and (not paused or reason == self.pause_reason):
            return
        self.paused = paused
        self.pause_reason = reason if paused else ""
        self.pending_steps = 0
        self._input_idle()
        self.paused_changed.emit(paused, self.pause_reason)
        self.publish()

    def toggle_pause(self) -> None:
        """Pause, or resume whatever the pause's reason."""
        self.set_paused(not self.paused, "user")

    def resume_if(self, reason: str) -> None:
        """Resume only if paused for `reason` (e.g. the gamepad came back)."""
        if self.paused and self.pause_reason == reason:
            self.set_paused(False, "")

    def step_once(self) -> None:
        """While paused, take one step; while running, pause."""
        if not self.paused:
            self.set_paused(True, "user")
            return
        self.countdown_until = 0.0
        self.pending_steps += 1
        self._input_idle()

    def restart_episode(self) -> None:
        """Discard the episode in progress and start it again from the same seed."""
        if self.env is None:
            return
        if self.recorder is not None:
            self.recorder.discard_episode()
        self.begin_episode(self.seed)

    def end_episode(self) -> None:
        """End the episode now: a recorded one is kept, marked truncated."""
        if self.env is None:
            return
        if self.recorder is not None:
            if not self.recorder.episode_in_progress:
                return  # nothing recorded yet: keep the countdown / fresh start
            self._end_recorded(terminated=False)
        else:
            self.practice_episode += 1
        self.begin_episode(self.seeds.take(self.recorder is not None))

    def set_fps(self, fps: float) -> None:
        """Set the target ticks per second (clamped to [0.5, 2000])."""
        self.period = 1.0 / clamp_fps(fps)
        self.rate.clear()
        self.publish()

    def set_wait_for_input(self, on: bool) -> None:
        """Step only while the expert reports input (`has_input()`): turn-by-turn play."""
        self.wait_for_input = bool(on)
        if on:
            self.countdown_until = 0.0
        self.publish()

    def set_countdown(self, seconds: float) -> None:
        """Set the pause before each recorded episode (0: none)."""
        self.countdown_s = max(0.0, float(seconds))

    def flush(self) -> None:
        """Write every ended episode now (a refusal comes as `write_failed`)."""
        if self.recorder is not None:
            try:
                self.recorder.flush()
            except BCError as exc:
                self.write_failed.emit(str(exc))

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
        self.relocated.emit(rec.path)
        try:
            rec.flush()
        except BCError as exc:
            self.write_failed.emit(str(exc))
            return
        self._write_trouble.clear()
        self.resume_if("cannot save")

    def discard_unsaved(self) -> None:
        """After refused writes: stop recording, giving up the episodes not saved yet."""
        rec = self.recorder
        if rec is None:
            return
        dropped = rec.abandon()
        log.warning("discarded %d unsaved episode(s) of %s", dropped, rec.path)
        self.recorder = None
        self._write_trouble.clear()
        if self.rollout is not None:
            self.rollout.set_sink(None)
        self.countdown_until = 0.0
        self.recording_changed.emit(False)
        self.publish()

    def shutdown(self, keep_partial: bool = True) -> None:
        """Save or drop the open episode, close the recorder and the env; `alive` turns False."""
        rec = self.recorder
        if rec is not None:
            if keep_partial and rec.episode_in_progress:
                self._end_recorded(terminated=False)
            try:
                rec.close(keep_partial=keep_partial)
            except BCError as exc:
                self.shutdown_failed.emit(str(exc))
                return
            self.recorder = None
        if self.env is not None:
            self.env.close()
            self.env = None
        self.alive = False

    # -- episodes --------------------------------------------------------------------------------

    def set_start_on_input(self, on: bool) -> None:
        """Start each recorded episode on the human's first input (the env waits at frame 1)."""
        self.start_on_input = bool(on)
        if not on:
            self._awaiting_first_input = self._need_release = False
        self.publish()

    def _update_first_input(self) -> None:
        """Release the wait once held inputs were let go and a new one is pressed."""
        if not isinstance(self.expert, HasInput):  # a policy or a script: nothing to wait for
            self._need_release = self._awaiting_first_input = False
            return
        if self._need_release and not self.expert.has_input():
            self._need_release = False
        if self._awaiting_first_input and not self._need_release and self.expert.has_input():
            self._awaiting_first_input = False

    def begin_episode(self, seed: int) -> None:
        """Reset the env from `seed` (the recorder opens an episode when recording)."""
        assert self.rollout is not None
        human = isinstance(self.expert, HasInput)
        waits = self.recorder is not None and human and (self.start_on_input or self.wait_for_input)
        # a key held when the last episode ended must not run into this one
        self._need_release = waits and self._has_input()
        self._awaiting_first_input = waits and self.start_on_input
        self.seed = seed
        self.rollout.reset(seed)
        self._episode_t0 = None
        self._action_text = ""
        self._actions, self._latency = [], []
        self._taken_over = 0
        if (
            self.recorder is not None
            and self.countdown_s > 0
            and not self.wait_for_input
            and not self._awaiting_first_input  # the first key press is the start signal
        ):
            self.countdown_until = self.clock() + self.countdown_s
        self._image = self._render()
        self.publish()

    def _end_recorded(self, terminated: bool) -> None:
        assert self.rollout is not None
        self._episode_ended(self.rollout.end_episode(terminated=terminated))

    def _episode_ended(self, summary: EpisodeSummary) -> None:
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
        self._actions, self._latency = [], []
        self._taken_over = 0
        self.episode_ended.emit(summary)

    def _on_write_error(self, message: str) -> None:
        """From the writer thread: report, and have the runner pause before its next tick."""
        self._write_trouble.set()
        self.write_failed.emit(message)

    def _on_saved(self, summary: EpisodeSummary) -> None:
        """The writer thread put an episode on disk: announce it with its actions."""
        with self._ended_lock:
            actions, created, latency = self._ended.pop(
                (summary.seed, summary.length), (np.zeros((0, 1)), float("nan"), np.zeros(0))
            )
            kind, taken, round_ = self._ended_interactive.pop(
                (summary.seed, summary.length), ("", 0, 0)
            )
        self.episode_saved.emit(
            SavedEpisode(summary, actions, created, latency, kind, taken, round_)
        )

    # -- display ---------------------------------------------------------------------------------

    def _render(self) -> np.ndarray | None:
        assert self.env is not None and self.info is not None
        start = self.clock()
        image = self.env.render()
        self.pacer.rendered_between(start, self.clock())
        if image is None and self.info.is_image and self.rollout is not None:
            image = self.rollout.obs
        if not isinstance(image, np.ndarray) or image.ndim not in (2, 3):
            return None
        return np.ascontiguousarray(image, dtype=np.uint8)

    @property
    def frames_rendered(self) -> int:
        """Frames rendered since start."""
        return self.pacer.rendered

    def _input_idle(self) -> None:
        """Not stepping (paused, counting down): input so far is not waiting on a step."""
        idle = getattr(self.expert, "input_idle", None)
        if callable(idle):
            idle()

    def _has_input(self) -> bool:
        return self.expert.has_input() if isinstance(self.expert, HasInput) else True

    def _describe(self, action: Any) -> str:
        if isinstance(self.expert, Describes):
            return str(self.expert.describe(action))
        arr = np.asarray(action)
        return str(arr.item()) if arr.size == 1 else np.array2string(arr, precision=2)

    def status(self, phase: str | None = None) -> HudStatus:
        """The heads-up status as of now (the device is filled in by the GUI side)."""
        now = self.clock()
        rec = self.recorder
        return HudStatus(
            env_id=self.info.env_id if self.info else "",
            episode=rec.n_episodes if rec is not None else self.practice_episode,
            step=self.rollout.length if self.rollout is not None else 0,
            ret=self.rollout.ret if self.rollout is not None else 0.0,
            target_fps=1.0 / self.period,
            actual_fps=self.rate.rate(now, self.period),
            recording=rec is not None,
            phase=phase or self.phase(now),
            countdown=max(0.0, self.countdown_until - now),
            pause_reason=self.pause_reason,
            action=self._action_text,
            wait_for_input=self.wait_for_input,
            control=self._control(),
        )

    def _control(self) -> str:
        """Return "human" or "policy" while a policy with take-over plays; else ""."""
        if not isinstance(self.expert, HasTakeover):
            return ""
        return "human" if self.expert.last_intervention else "policy"

    def publish(self, phase: str | None = None) -> None:
        """Put the newest frame in `frames`; `frame_ready` when the GUI had taken the last."""
        if self.frames.put(Frame(self._image, self.status(phase))):
            self.frame_ready.emit()


__all__ = ["EnvRunner", "one_line"]
