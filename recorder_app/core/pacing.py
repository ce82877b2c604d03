"""Render pacing and the measured step rate of the env runner (plain Python, any clock)."""

from __future__ import annotations

from collections import deque

MIN_FPS = 0.5
MAX_FPS = 2000.0
MAX_FRAME_GAP = 0.25
"""Render at least this often (s), even when rendering makes the next tick late."""
RENDER_SLACK = 0.3
"""A render may delay the next tick by this fraction of a period (late counts from 0.5)."""


def clamp_fps(fps: float) -> float:
    """`fps` inside [MIN_FPS, MAX_FPS]."""
    return min(MAX_FPS, max(MIN_FPS, float(fps)))


class RenderPacer:
    """Decides whether a tick renders: a slow renderer draws every other step, not late ticks."""

    def __init__(self, adaptive: bool = True) -> None:
        self.adaptive = adaptive
        """Skip rendering on ticks it would make late (False: render every step)."""
        self.cost = 0.0
        """Moving average of the seconds a render takes."""
        self.last = 0.0
        """When the last render ended."""
        self.rendered = 0

    def fits(self, now: float, next_deadline: float, period: float, busy: bool) -> bool:
        """Whether to render now.

        Render when the render delays the next tick by at most RENDER_SLACK of a period, and
        at least every MAX_FRAME_GAP seconds; not while the GUI has a frame still to take.

        Args:
            now: the clock now.
            next_deadline: when the next tick is due.
            period: seconds per tick.
            busy: True while the previous frame waits for the GUI (paused: always render).
        """
        if not self.adaptive or now - self.last >= MAX_FRAME_GAP:
            return True
        if busy:
            return False
        return now + self.cost <= next_deadline + RENDER_SLACK * period

    def rendered_between(self, start: float, end: float) -> None:
        """A render ran from `start` to `end`: update its cost estimate."""
        took = end - start
        self.cost = took if not self.rendered else 0.8 * self.cost + 0.2 * took
        self.last = end
        self.rendered += 1


class StepRate:
    """Steps per second over the last few periods (what the HUD calls actual fps)."""

    def __init__(self) -> None:
        self._times: deque[float] = deque(maxlen=4096)

    def add(self, now: float) -> None:
        """A step happened at `now`."""
        self._times.append(now)

    def clear(self) -> None:
        """Forget every step (the target changed)."""
        self._times.clear()

    def rate(self, now: float, period: float) -> float:
        """Steps per second over the last max(1 s, 3 periods); 0 when unknown."""
        times = self._times
        window = max(1.0, 3 * period)
        while times and now - times[0] > window:
            times.popleft()
        if len(times) < 2 or times[-1] == times[0]:
            return 0.0
        return (len(times) - 1) / (times[-1] - times[0])
