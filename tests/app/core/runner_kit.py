"""A real CartPole runner on a fake clock, and a pushing expert: what the core tests drive."""

from __future__ import annotations

import numpy as np

from recorder_app.core.runner import EnvRunner

STEPS = 5


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


class Pusher:
    """Always pushes right; `held` says whether a key is down (for turn-by-turn play)."""

    def __init__(self) -> None:
        self.held = True

    def __call__(self, obs):
        return 1

    def has_input(self) -> bool:
        return self.held

    def describe(self, action) -> str:
        return f"push {int(np.asarray(action).reshape(-1)[0])}"


def make_runner(clock: FakeClock, seed: int = 7, countdown: float = 0.0) -> tuple[EnvRunner, list]:
    runner = EnvRunner(fps=50, countdown=countdown, seed=seed, clock=clock)
    events: list = []
    runner.env_opened.connect(lambda info: events.append(("opened", info.env_id)))
    runner.recording_changed.connect(lambda on: events.append(("recording", on)))
    runner.episode_ended.connect(lambda s: events.append(("ended", s)))
    runner.failed.connect(lambda what, m: events.append(("failed", what, m)))
    runner.open_env("CartPole-v1", {"max_episode_steps": STEPS})
    return runner, events


def tick(runner: EnvRunner, clock: FakeClock, n: int = 1) -> int:
    stepped = 0
    for _ in range(n):
        clock.t += runner.period
        stepped += runner.tick(clock.t, clock.t + runner.period)
        runner.frames.take()  # the GUI took the frame
    return stepped
