"""The env worker: steps the env on its own thread at a steady tick and records through bc."""

from __future__ import annotations

import logging
import queue
import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from PyQt6.QtCore import QObject, pyqtSignal, pyqtSlot

from bc.envs import make_env
from bc.errors import BCError
from bc.recorder import Recorder
from bc.spaces import action_to_array, env_action, is_image_space
from recorder_app.workers.mailbox import Mailbox
from recorder_app.workers.tick_stats import TickStats

log = logging.getLogger(__name__)

Expert = Callable[[Any], Any]

MIN_FPS = 0.5
MAX_FPS = 2000.0
MAX_FRAME_GAP = 0.25
"""Render at least this often (s), even when rendering makes the next tick late."""
RENDER_SLACK = 0.3
"""A render may delay the next tick by this fraction of a period (late counts from 0.5)."""

# What the worker is doing on a tick; shown in the heads-up line.
IDLE, RUNNING, PAUSED, COUNTDOWN, WAITING = "idle", "running", "paused", "countdown", "waiting"


@dataclass(frozen=True)
class EnvInfo:
    """An env the worker opened: what the GUI needs to build input and controls for it."""

    env_id: str
    kwargs: dict[str, Any]
    observation_space: gym.Space[Any]
    action_space: gym.Space[Any]
    render_fps: float | None
    """The env's `metadata["render_fps"]` (its native speed), None when it has none."""

    @property
    def is_image(self) -> bool:
        """True when observations are recorded as image files."""
        return is_image_space(self.observation_space)


@dataclass(frozen=True)
class HudStatus:
    """Everything the heads-up line shows, as of one tick."""

    env_id: str = ""
    episode: int = 0
    """Index of the current episode: in the dataset while recording, else in this session."""
    step: int = 0
    ret: float = 0.0
    target_fps: float = 0.0
    actual_fps: float = 0.0
    recording: bool = False
    phase: str = IDLE
    countdown: float = 0.0
    """Seconds left before the episode starts (phase COUNTDOWN)."""
    pause_reason: str = ""
    device: str = ""
    action: str = ""
    wait_for_input: bool = False


@dataclass(frozen=True)
class Frame:
    """The newest picture of the env and the status that goes with it."""

    image: np.ndarray | None
    status: HudStatus


@dataclass(frozen=True)
class RecordingRequest:
    """Where and how to record: the arguments of `bc.recorder.Recorder`."""

    path: Path
    append: bool = True
    metadata: dict[str, Any] = field(default_factory=dict)
    image_folder: str | None = None


class EnvWorker(QObject):
    """Owns the env and the recorder; every method below is safe to call from any thread.

    Commands are queued and run on the worker's thread between ticks. `run()` (connected to
    `QThread.started`) loops with `perf_counter` deadlines, sleeping on the command queue, so a
    command is handled within microseconds and ticks stay on schedule. The newest frame goes to
    `frames` (newest wins) and `frame_ready` is emitted only when the GUI has taken the last one.

    Signals:
        frame_ready(): a new `Frame` is waiting in `frames`.
        env_opened(EnvInfo): an env was made and reset.
        recording_changed(bool): recording started or stopped.
        paused_changed(bool, str): paused or resumed, and why ("user", "gamepad", "error").
        episode_ended(EpisodeSummary): a recorded episode ended (handed to the writer).
        episode_saved(EpisodeSummary): a recorded episode is on disk.
        failed(str, str): a title and a one-line error for the user; the worker carries on.
        write_failed(str): the disk refused a write; the env pauses, the data stays in memory.
        relocated(object): recording goes on in this dataset (Path) after `save_elsewhere`.
        shutdown_failed(str): the recording could not be saved at shutdown; still running.
        stopped(): the loop ended after `shutdown`; the thread may quit.
    """

    frame_ready = pyqtSignal()
    env_opened = pyqtSignal(object)
    recording_changed = pyqtSignal(bool)
    paused_changed = pyqtSignal(bool, str)
    episode_ended = pyqtSignal(object)
    episode_saved = pyqtSignal(object)
    failed = pyqtSignal(str, str)
    write_failed = pyqtSignal(str)
    relocated = pyqtSignal(object)
    shutdown_failed = pyqtSignal(str)
    stopped = pyqtSignal()

    def __init__(
        self,
        fps: float = 30.0,
        countdown: float = 3.0,
        seed: int | None = None,
        adaptive_render: bool = True,
    ) -> None:
        super().__init__()
        self.adaptive_render = adaptive_render
        """Skip rendering on ticks it would make late (False: render every step)."""
        self.frames: Mailbox[Frame] = Mailbox()
        self.stats = TickStats()
        self._commands: queue.Queue[tuple[Callable[[], Any], str]] = queue.Queue()
        self._alive = True
        self._period = 1.0 / _clamp_fps(fps)
        self._countdown_s = max(0.0, float(countdown))
        self._next_seed = random.randrange(2**31) if seed is None else int(seed)
        self._wait_for_input = False
        self._env: gym.Env[Any, Any] | None = None
        self._info: EnvInfo | None = None
        self._expert: Expert | None = None
        self._recorder: Recorder | None = None
        self._obs: Any = None
        self._seed = -1
        self._practice_episode = 0
        self._step = 0
        self._ret = 0.0
        self._episode_t0: float | None = None
        self._countdown_until = 0.0
        self._paused = False
        self._pause_reason = ""
        self._pending_steps = 0
        self._image: np.ndarray | None = None
        self._action_text = ""
        self._step_clock: deque[float] = deque(maxlen=4096)
        self._render_cost = 0.0
        self._last_render = 0.0
        self.frames_rendered = 0

    # -- commands (any thread) ----------------------------------------------------------------

    def open_env(self, env_id: str, kwargs: dict[str, Any] | None = None) -> None:
        """Make and reset an env (the old one stays on failure); stepping waits for an expert."""
        self._post(partial(self._do_open_env, env_id, dict(kwargs or {})), "Cannot open env")

    def set_expert(self, expert: Expert | None) -> None:
        """Set the callable `obs -> action` asked on every step (the human, or a script)."""
        self._post(partial(self._do_set_expert, expert))

    def toggle_recording(self, request: RecordingRequest) -> None:
        """Start recording into `request.path` from a fresh episode, or stop.

        Stopping keeps the open episode as truncated.
        """
        self._post(partial(self._do_toggle_recording, request), "Cannot record")

    def stop_recording(self) -> None:
        """Stop recording if recording (the open episode is kept, marked truncated)."""
        self._post(self._do_stop_recording, "Cannot save")

    def toggle_pause(self) -> None:
        """Pause, or resume whatever the pause's reason."""
        self._post(lambda: self._do_set_paused(not self._paused, "user"))

    def set_paused(self, paused: bool, reason: str = "user") -> None:
        """Pause or resume; `reason` is reported with `paused_changed`."""
        self._post(partial(self._do_set_paused, paused, reason))

    def resume_if(self, reason: str) -> None:
        """Resume only if paused for `reason` (e.g. the gamepad came back)."""
        self._post(partial(self._do_resume_if, reason))

    def step_once(self) -> None:
        """While paused, take one step; while running, pause."""
        self._post(self._do_step_once)

    def restart_episode(self) -> None:
        """Discard the episode in progress and start it again from the same seed."""
        self._post(self._do_restart)

    def end_episode(self) -> None:
        """End the episode now: recorded episodes are kept, marked truncated."""
        self._post(self._do_end_episode)

    def set_fps(self, fps: float) -> None:
        """Set the target ticks per second (clamped to [0.5, 2000])."""
        self._post(partial(self._do_set_fps, fps))

    def set_wait_for_input(self, on: bool) -> None:
        """Step only while the expert reports input (`has_input()`): turn-by-turn play."""
        self._post(partial(self._do_set_wait, on))

    def set_countdown(self, seconds: float) -> None:
        """Set the pause before each recorded episode (0: none)."""
        self._post(partial(setattr, self, "_countdown_s", max(0.0, float(seconds))))

    def flush(self) -> None:
        """Write every ended episode now (errors come as `write_failed`)."""
        self._post(self._do_flush)

    def save_elsewhere(self, path: Path) -> None:
        """Go on recording into `path`: episodes the disk refused are written there."""
        self._post(partial(self._do_save_elsewhere, Path(path)), "Cannot save there")

    def discard_unsaved(self) -> None:
        """Stop recording and give up the episodes the disk refused (saved ones stay)."""
        self._post(self._do_discard_unsaved)

    def shutdown(self, keep_partial: bool = True) -> None:
        """Save or drop the open episode, close the recorder and env, and end the loop."""
        self._post(partial(self._do_shutdown, keep_partial), "Cannot save")

    def _post(self, command: Callable[[], Any], what: str = "Error") -> None:
        self._commands.put((command, what))

    # -- the loop (worker thread) -------------------------------------------------------------

    @pyqtSlot()
    def run(self) -> None:
        """Tick until shutdown; connect to `QThread.started`."""
        deadline = time.perf_counter()
        while self._alive:
            if not self._wants_ticks():
                self._handle_commands(time.perf_counter() + 0.25)
                deadline = time.perf_counter()
                continue
            self._handle_commands(deadline)
            if not self._alive or not self._wants_ticks():
                continue
            start = time.perf_counter()
            stepped = self._tick(start, deadline + self._period)
            end = time.perf_counter()
            if stepped:
                self.stats.add(start - deadline, end - start, self._period)
            deadline += self._period
            if end > deadline + self._period:
                deadline = end  # far behind (a slow env): do not burst to catch up
        self.stopped.emit()

    def _handle_commands(self, until: float) -> None:
        """Run queued commands until the deadline; sleeps on the queue, so wakes at once."""
        while self._alive:
            timeout = until - time.perf_counter()
            try:
                command, what = (
                    self._commands.get(timeout=timeout)
                    if timeout > 0
                    else self._commands.get_nowait()
                )
            except queue.Empty:
                return
            self._guarded(command, what)

    def _guarded(self, fn: Callable[[], Any], what: str) -> None:
        """Run a command or tick; report errors and pause instead of dying."""
        try:
            fn()
        except Exception as exc:
            if not isinstance(exc, BCError):
                log.exception("env worker error")
            self._fail(what, _one_line(exc))

    def _fail(self, what: str, message: str) -> None:
        self.failed.emit(what, message)

    def _wants_ticks(self) -> bool:
        ready = self._env is not None and self._expert is not None and self._obs is not None
        return ready and (not self._paused or self._pending_steps > 0)

    def _phase(self, now: float) -> str:
        if self._env is None or self._expert is None:
            return IDLE
        if self._paused and self._pending_steps == 0:
            return PAUSED
        if now < self._countdown_until:
            return COUNTDOWN
        if self._wait_for_input and not self._paused and not self._has_input():
            return WAITING
        return RUNNING

    def _tick(self, now: float, next_deadline: float) -> bool:
        """One tick: step when running; returns whether the env stepped."""
        phase = self._phase(now)
        if phase != RUNNING:
            self._publish(phase=phase)
            return False
        if self._pending_steps:
            self._pending_steps -= 1
        try:
            self._step_env(now, next_deadline)
        except Exception as exc:
            if not isinstance(exc, BCError):
                log.exception("the env failed")
            self._fail("The env failed", _one_line(exc))
            self._do_set_paused(True, "error")
            return False
        return True

    def _step_env(self, now: float, next_deadline: float) -> None:
        env, info, expert = self._env, self._info, self._expert
        assert env is not None and info is not None and expert is not None
        raw = expert(self._obs)
        action = action_to_array(info.action_space, raw)
        self._action_text = self._describe(raw)
        next_obs, reward, terminated, truncated, _ = env.step(env_action(info.action_space, action))
        if self._episode_t0 is None:
            self._episode_t0 = now
        if self._recorder is not None:
            self._recorder.add_step(self._obs, action, float(reward), t=now - self._episode_t0)
        self._obs = next_obs
        self._step += 1
        self._ret += float(reward)
        self._step_clock.append(now)
        if terminated or truncated:
            if self._recorder is not None:
                self.episode_ended.emit(self._recorder.end_episode(terminated=bool(terminated)))
            else:
                self._practice_episode += 1
            self._begin_episode(self._take_seed())
            return
        if self._render_fits(next_deadline):
            self._image = self._render()
        self._publish()

    # -- command bodies (worker thread) -------------------------------------------------------

    def _do_open_env(self, env_id: str, kwargs: dict[str, Any]) -> None:
        env = make_env(env_id, **kwargs)  # raises EnvError / UnsupportedSpaceError: old env stays
        if self._recorder is not None:
            self._do_stop_recording()
        if self._env is not None:
            self._env.close()
        fps = env.metadata.get("render_fps")
        self._env = env
        self._info = EnvInfo(
            env_id=env_id,
            kwargs=kwargs,
            observation_space=env.observation_space,
            action_space=env.action_space,
            render_fps=float(fps) if fps else None,
        )
        self._expert = None
        self._practice_episode = 0
        self._begin_episode(self._take_seed())
        self.env_opened.emit(self._info)

    def _do_set_expert(self, expert: Expert | None) -> None:
        self._expert = expert
        self._publish()

    def _do_toggle_recording(self, request: RecordingRequest) -> None:
        if self._recorder is not None:
            self._do_stop_recording()
            return
        if self._info is None:
            raise BCError("open an env before recording")
        self._recorder = Recorder(
            request.path,
            self._info.observation_space,
            self._info.action_space,
            image_folder=request.image_folder,
            append=request.append,
            metadata=request.metadata,
            on_error=self._on_recorder_error,
            on_saved=self.episode_saved.emit,
        )
        self.recording_changed.emit(True)
        if self._paused and self._pause_reason == "user":
            self._do_set_paused(False, "")
        self._begin_episode(self._take_seed())

    def _do_stop_recording(self) -> None:
        rec = self._recorder
        if rec is None:
            return
        if rec.episode_in_progress:
            self.episode_ended.emit(rec.end_episode(terminated=False))
        rec.close()  # DatasetWriteError: stay recording, so stopping again retries
        self._recorder = None
        self._countdown_until = 0.0
        self.recording_changed.emit(False)
        self._publish()

    def _do_set_paused(self, paused: bool, reason: str) -> bool:
        if paused == self._paused and (not paused or reason == self._pause_reason):
            return False
        self._paused = paused
        self._pause_reason = reason if paused else ""
        self._pending_steps = 0
        self.paused_changed.emit(paused, self._pause_reason)
        self._publish()
        return True

    def _do_resume_if(self, reason: str) -> None:
        if self._paused and self._pause_reason == reason:
            self._do_set_paused(False, "")

    def _do_step_once(self) -> None:
        if not self._paused:
            self._do_set_paused(True, "user")
            return
        self._countdown_until = 0.0
        self._pending_steps += 1

    def _do_restart(self) -> None:
        if self._env is None:
            return
        if self._recorder is not None:
            self._recorder.discard_episode()
        self._begin_episode(self._seed)

    def _do_end_episode(self) -> None:
        if self._env is None:
            return
        if self._recorder is not None:
            if not self._recorder.episode_in_progress:
                return  # nothing recorded yet: keep the countdown / fresh start
            self.episode_ended.emit(self._recorder.end_episode(terminated=False))
        else:
            self._practice_episode += 1
        self._begin_episode(self._take_seed())

    def _do_set_fps(self, fps: float) -> None:
        self._period = 1.0 / _clamp_fps(fps)
        self._step_clock.clear()
        self._publish()

    def _do_set_wait(self, on: bool) -> None:
        self._wait_for_input = bool(on)
        if on:
            self._countdown_until = 0.0
        self._publish()

    def _on_recorder_error(self, message: str) -> None:
        """From the writer thread: report, and pause so no more episodes pile up unsaved."""
        self.write_failed.emit(message)
        self._post(partial(self._do_set_paused, True, "cannot save"))

    def _do_save_elsewhere(self, path: Path) -> None:
        rec = self._recorder
        if rec is None:
            return
        rec.relocate(path)  # BCError: stays as it was, reported by _guarded
        self.relocated.emit(rec.path)
        try:
            rec.flush()
        except BCError as exc:
            self.write_failed.emit(str(exc))

    def _do_discard_unsaved(self) -> None:
        rec = self._recorder
        if rec is None:
            return
        dropped = rec.abandon()
        log.warning("discarded %d unsaved episode(s) of %s", dropped, rec.path)
        self._recorder = None
        self._countdown_until = 0.0
        self.recording_changed.emit(False)
        self._publish()

    def _do_flush(self) -> None:
        if self._recorder is not None:
            try:
                self._recorder.flush()
            except BCError as exc:
                self.write_failed.emit(str(exc))

    def _do_shutdown(self, keep_partial: bool) -> None:
        rec = self._recorder
        if rec is not None:
            if keep_partial and rec.episode_in_progress:
                self.episode_ended.emit(rec.end_episode(terminated=False))
            try:
                rec.close(keep_partial=keep_partial)
            except BCError as exc:
                self.shutdown_failed.emit(str(exc))
                return
            self._recorder = None
        if self._env is not None:
            self._env.close()
            self._env = None
        self._alive = False

    # -- helpers (worker thread) --------------------------------------------------------------

    def _take_seed(self) -> int:
        seed = self._next_seed
        self._next_seed = (seed + 1) % 2**31
        return seed

    def _begin_episode(self, seed: int) -> None:
        assert self._env is not None
        self._seed = seed
        self._obs, _ = self._env.reset(seed=seed)
        self._step = 0
        self._ret = 0.0
        self._episode_t0 = None
        self._action_text = ""
        if self._recorder is not None:
            self._recorder.start_episode(seed)
            if self._countdown_s > 0 and not self._wait_for_input:
                self._countdown_until = time.perf_counter() + self._countdown_s
        self._image = self._render()
        self._publish()

    def _render_fits(self, next_deadline: float) -> bool:
        """Whether to render now: the GUI took the last frame and there is time for it.

        Render when the render delays the next tick by at most RENDER_SLACK of a period (a slow
        renderer such as CarRacing's then draws every other step instead of making ticks late),
        and at least every MAX_FRAME_GAP seconds.
        """
        now = time.perf_counter()
        if not self.adaptive_render or self._paused or now - self._last_render >= MAX_FRAME_GAP:
            return True
        if self.frames.pending():
            return False
        return now + self._render_cost <= next_deadline + RENDER_SLACK * self._period

    def _render(self) -> np.ndarray | None:
        assert self._env is not None and self._info is not None
        start = time.perf_counter()
        image = self._env.render()
        self._last_render = end = time.perf_counter()
        took = end - start
        self._render_cost = (
            took if not self.frames_rendered else 0.8 * self._render_cost + 0.2 * took
        )
        self.frames_rendered += 1
        if image is None and self._info.is_image:
            image = self._obs
        if not isinstance(image, np.ndarray) or image.ndim not in (2, 3):
            return None
        return np.ascontiguousarray(image, dtype=np.uint8)

    def _has_input(self) -> bool:
        has_input = getattr(self._expert, "has_input", None)
        return bool(has_input()) if callable(has_input) else True

    def _describe(self, action: Any) -> str:
        describe = getattr(self._expert, "describe", None)
        if callable(describe):
            return str(describe(action))
        arr = np.asarray(action)
        return str(arr.item()) if arr.size == 1 else np.array2string(arr, precision=2)

    def _actual_fps(self, now: float) -> float:
        clock = self._step_clock
        window = max(1.0, 3 * self._period)
        while clock and now - clock[0] > window:
            clock.popleft()
        if len(clock) < 2 or clock[-1] == clock[0]:
            return 0.0
        return (len(clock) - 1) / (clock[-1] - clock[0])

    def _publish(self, phase: str | None = None) -> None:
        now = time.perf_counter()
        rec = self._recorder
        status = HudStatus(
            env_id=self._info.env_id if self._info else "",
            episode=rec.n_episodes if rec is not None else self._practice_episode,
            step=self._step,
            ret=self._ret,
            target_fps=1.0 / self._period,
            actual_fps=self._actual_fps(now),
            recording=rec is not None,
            phase=phase or self._phase(now),
            countdown=max(0.0, self._countdown_until - now),
            pause_reason=self._pause_reason,
            device=str(getattr(self._expert, "device", "") or ""),
            action=self._action_text,
            wait_for_input=self._wait_for_input,
        )
        if self.frames.put(Frame(self._image, status)):
            self.frame_ready.emit()


def _clamp_fps(fps: float) -> float:
    return min(MAX_FPS, max(MIN_FPS, float(fps)))


def _one_line(exc: Exception) -> str:
    """A BCError's own message; the type and text of anything else."""
    return str(exc) if isinstance(exc, BCError) else f"{type(exc).__name__}: {exc}"
