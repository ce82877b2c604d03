"""The env runner: one env and its expert; ticks, pause, countdown, episodes and frames.

Plain Python with an injected clock: no Qt, no threads of its own. `RunnerLoop` calls it on
one thread; it announces what happened through the psygnal signals of `RunnerEvents`, which
the Qt bridge (`recorder_app.workers.env_worker`) turns into Qt signals. It coordinates its
parts: the recording (`core.recording`), the first-input gate (`core.input_gate`) and the
HUD status (`core.status`). Tests drive it directly.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np

from bc.data.recorder import Recorder
from bc.envs import make_env
from bc.errors import BCError
from bc.rollout import Expert, HasInput, Rollout
from recorder_app.core.errors import one_line
from recorder_app.core.events import RunnerEvents
from recorder_app.core.input_gate import FirstInputGate, has_input, input_idle
from recorder_app.core.mailbox import Mailbox
from recorder_app.core.pacing import RenderPacer, StepRate, clamp_fps
from recorder_app.core.recording import Recording
from recorder_app.core.seeds import EpisodeSeeds
from recorder_app.core.status import TakeoverRuns, describe_action, hud_status
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
)

Clock = Callable[[], float]
"""Seconds from an arbitrary start (default `time.perf_counter`); tests pass a fake one."""


class _NoExpert:
    """Stands in until an expert is set (the runner does not tick without one)."""

    def __call__(self, obs: Any) -> Any:
        raise BCError("no expert to ask for an action")


class EnvRunner(RunnerEvents):
    """Owns the env and the expert, and does what each tick and command asks.

    Every method runs on the caller's thread (the runner loop's); the recorder's writer
    thread emits `episode_saved` and `write_failed` (see `RunnerEvents` for the signals).
    """

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
        self.recording = Recording(self)
        """The recorder and the recorded episodes waiting to be saved."""
        self.gate = FirstInputGate()
        """Holds a human's recorded episode until the first input."""
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
        self.action_text = ""
        """The last action, as the HUD shows it."""
        self.takeover_runs = TakeoverRuns()
        """The open episode's steps the human drove (for the view's take-over strip)."""

    @property
    def recorder(self) -> Recorder | None:
        """The open recorder; None while not recording."""
        return self.recording.recorder

    # -- ticks -----------------------------------------------------------------------------------

    def wants_ticks(self) -> bool:
        """True when there is something to step (an env, an expert) and it is not paused.

        Takes in first what the writer thread reported: a refused write pauses the runner.
        """
        if self.recording.write_trouble_reported() and self.recorder is not None:
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
        if self.wait_for_input and not self.paused and not has_input(self.expert):
            return WAITING
        if self.gate.closed and not self.paused:
            return WAITING
        return RUNNING

    def tick(self, now: float, next_deadline: float) -> bool:
        """One tick: step when running, else publish the status; True when the env stepped."""
        self.gate.update(self.expert)
        phase = self.phase(now)
        if phase != RUNNING:
            input_idle(self.expert)
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
        self.action_text = describe_action(self.expert, result.raw_action)
        self.rate.add(now)
        self.takeover_runs.mark(self.expert, rollout.length - 1)
        self.recording.note_step(result, self.expert)
        if result.done:
            if result.summary is not None:
                self.recording.episode_ended(result.summary)
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
        self.recording.sync_episode_kind(expert)
        self.publish()

    def toggle_recording(self, request: RecordingRequest) -> None:
        """Start recording into `request.path` from a fresh episode, or stop.

        Raises:
            BCError: no env, or the dataset cannot be opened for recording.
        """
        self.recording.toggle(request)

    def stop_recording(self, keep_partial: bool = True) -> None:
        """Stop recording; no-op when not recording.

        The open episode is kept (truncated), or dropped when `keep_partial` is False.

        Raises:
            DatasetWriteError: the archive could not be written; still recording, so stopping
                again retries.
        """
        self.recording.stop(keep_partial)

    def set_paused(self, paused: bool, reason: str = "user") -> None:
        """Pause or resume; `reason` goes with `paused_changed`."""
        if paused == self.paused and (not paused or reason == self.pause_reason):
            return
        self.paused = paused
        self.pause_reason = reason if paused else ""
        self.pending_steps = 0
        input_idle(self.expert)
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
        input_idle(self.expert)

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
            self.recording.end_recorded(terminated=False)
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
        self.recording.flush()

    def save_elsewhere(self, path: Any) -> None:
        """After refused writes: go on recording into `path`, the unsaved episodes first.

        Raises:
            BCError: `path` cannot be used either (the recording goes on as before).
        """
        self.recording.save_elsewhere(path)

    def discard_unsaved(self) -> None:
        """After refused writes: stop recording, giving up the episodes not saved yet."""
        self.recording.discard_unsaved()

    def shutdown(self, keep_partial: bool = True) -> None:
        """Save or drop the open episode, close the recorder and the env; `alive` turns False."""
        if not self.recording.shutdown(keep_partial):
            return
        if self.env is not None:
            self.env.close()
            self.env = None
        self.alive = False

    # -- episodes --------------------------------------------------------------------------------

    def set_start_on_input(self, on: bool) -> None:
        """Start each recorded episode on the human's first input (the env waits at frame 1)."""
        self.gate.set_start_on_input(on)
        self.publish()

    def begin_episode(self, seed: int) -> None:
        """Reset the env from `seed` (the recorder opens an episode when recording)."""
        assert self.rollout is not None
        human = isinstance(self.expert, HasInput)
        waits = (
            self.recorder is not None
            and human
            and (self.gate.start_on_input or self.wait_for_input)
        )
        self.gate.arm(waits, self.expert)
        self.seed = seed
        self.rollout.reset(seed)
        self._episode_t0 = None
        self.action_text = ""
        self.takeover_runs.clear()
        self.recording.new_episode()
        if (
            self.recorder is not None
            and self.countdown_s > 0
            and not self.wait_for_input
            and not self.gate.awaiting_first_input  # the first key press is the start signal
        ):
            self.countdown_until = self.clock() + self.countdown_s
        self._image = self._render()
        self.publish()

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

    def status(self, phase: str | None = None) -> HudStatus:
        """The heads-up status as of now (the device is filled in by the GUI side)."""
        return hud_status(self, phase)

    def publish(self, phase: str | None = None) -> None:
        """Put the newest frame in `frames`; `frame_ready` when the GUI had taken the last."""
        if self.frames.put(Frame(self._image, self.status(phase))):
            self.frame_ready.emit()


__all__ = ["EnvRunner", "one_line"]
