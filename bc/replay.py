"""Replaying recorded episodes frame by frame: from image files, or re-simulated from the seed."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from bc.data.arrays import DatasetArrays
from bc.data.images import read_image
from bc.errors import BCError, DatasetError, InvalidArgumentError, MissingImagesError
from bc.spaces import env_action

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReplayCheck:
    """Outcome of re-simulating an episode against its stored rewards."""

    steps: int
    diverged_at: int | None
    """First step whose re-simulated reward differs from the stored one (None: all agree)."""
    stored_reward: float | None = None
    simulated_reward: float | None = None

    @property
    def deterministic(self) -> bool:
        """True when every re-simulated reward matched the stored one."""
        return self.diverged_at is None

    def describe(self) -> str:
        """One line for a status bar."""
        if self.diverged_at is None:
            return f"re-simulation matches all {self.steps} stored rewards"
        return (
            f"re-simulation diverged at step {self.diverged_at}: stored reward "
            f"{self.stored_reward:.4g}, simulated {self.simulated_reward:.4g}"
        )


class EpisodeReplay:
    """Random access to the frames of one recorded episode.

    Image-observation episodes read their PNG files. Vector-observation episodes are
    re-simulated: the env is reset with the stored seed and fed the stored actions; seeking
    forward steps on, seeking backward re-simulates from the start (stepping is cheap; only the
    shown frame is rendered).

    Args:
        data: the dataset.
        index: the episode.
        env: for re-simulation, an env made with `render_mode="rgb_array"` (not needed for image
            datasets); it is reset and stepped by this object.

    Raises:
        BCError: a vector episode without a stored seed, or without an env to re-simulate in.
    """

    def __init__(
        self, data: DatasetArrays, index: int, env: gym.Env[Any, Any] | None = None
    ) -> None:
        self.data = data
        self.index = index % data.n_episodes
        self._slice = data.episode_slice(index)
        self.seed = int(data.episode_seeds[self.index])
        self.actions = data.actions[self._slice]
        self.rewards = data.rewards[self._slice]
        self.returns = np.cumsum(self.rewards)
        self._env = env
        self._cursor = -1  # env state: observation of step `_cursor` is current
        if not data.is_image:
            if env is None:
                raise InvalidArgumentError(
                    "replaying a vector-observation episode needs its env to re-simulate"
                )
            if self.seed < 0:
                raise BCError(
                    f"episode {self.index} has no stored seed (an SB2 file?): it cannot be "
                    "re-simulated"
                )

    def __len__(self) -> int:
        return len(self.rewards)

    @property
    def from_images(self) -> bool:
        """True when frames come from the dataset's image files."""
        return self.data.is_image

    def frame(self, step: int) -> np.ndarray:
        """Return the frame the expert saw before acting at `step` (H, W, 3 or 1 uint8).

        Raises:
            IndexError: step outside the episode.
            MissingImagesError: the image file of that step is missing or unreadable.
        """
        if not 0 <= step < len(self):
            raise IndexError(f"step {step} outside episode of {len(self)} steps")
        if self.data.is_image:
            path = self.data.image_path(self._slice.start + step)
            image = read_image(path)
            if image is None:
                raise MissingImagesError(
                    self.data.path, [f"cannot read {path} (step {self._slice.start + step})"]
                )
            return image
        self._seek(step)
        assert self._env is not None
        frame = self._env.render()
        if frame is None:
            raise InvalidArgumentError(
                "the env rendered nothing: make it with render_mode='rgb_array'"
            )
        return np.asarray(frame)

    def _seek(self, step: int) -> None:
        env = self._env
        assert env is not None
        if step < self._cursor or self._cursor < 0:
            env.reset(seed=self.seed)
            self._cursor = 0
        while self._cursor < step:
            env.step(env_action(env.action_space, self.actions[self._cursor]))
            self._cursor += 1

    def check(self, rtol: float = 1e-5, atol: float = 1e-6) -> ReplayCheck:
        """Re-simulate the whole episode and compare each reward with the stored one.

        Image datasets are checked too when an env was given; without one, returns a check
        with no divergence over zero simulated steps.
        """
        env = self._env
        if env is None:
            return ReplayCheck(steps=0, diverged_at=None)
        env.reset(seed=self.seed)
        self._cursor = 0
        for step, action in enumerate(self.actions):
            _, reward, terminated, truncated, _ = env.step(env_action(env.action_space, action))
            self._cursor += 1
            stored = float(self.rewards[step])
            if not np.isclose(float(reward), stored, rtol=rtol, atol=atol):
                return ReplayCheck(len(self), step, stored, float(reward))
            if (terminated or truncated) and step < len(self) - 1:
                return ReplayCheck(len(self), step + 1, float(self.rewards[step + 1]), float("nan"))
        return ReplayCheck(len(self), None)


def policy_disagreement(
    predict: Callable[[np.ndarray], Any],
    data: DatasetArrays,
    index: int,
    action_space: gym.Space[Any],
    tolerance: float = 0.1,
    obs_loader: Callable[[int], np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Compare a policy's actions with the recorded ones over one episode.

    Args:
        predict: batch of observations -> batch of actions (e.g. `lambda o: policy.predict(o)[0]`).
        data: the dataset.
        index: the episode.
        action_space: the actions' space; for Box, actions disagree when any dimension differs
            by more than `tolerance` times that dimension's range (or absolute, if unbounded).
        tolerance: see above.
        obs_loader: for image datasets, step index -> frame (default: read the image file).

    Returns:
        (predicted actions, a bool array marking the steps where they disagree).
    """
    sl = data.episode_slice(index)
    if data.is_image:
        load = obs_loader or _image_loader(data)
        obs = np.stack([load(i) for i in range(sl.start, sl.stop)])
    else:
        obs = data.obs[sl]
        if isinstance(action_space, spaces.Discrete) or obs.ndim == 1:
            obs = obs.reshape(len(obs), *data.obs.shape[1:])
    predicted = np.asarray(predict(obs))
    stored = data.actions[sl]
    if isinstance(action_space, spaces.Discrete):
        disagree = predicted.reshape(-1) != stored.reshape(-1)
    else:
        assert isinstance(action_space, spaces.Box)
        span = (action_space.high - action_space.low).astype(np.float64)
        scale = np.where(np.isfinite(span), span, 1.0)
        diff = np.abs(predicted.reshape(stored.shape) - stored) / scale
        disagree = np.any(diff.reshape(len(stored), -1) > tolerance, axis=1)
    return predicted, disagree


def _image_loader(data: DatasetArrays) -> Callable[[int], np.ndarray]:
    def load(step: int) -> np.ndarray:
        image = read_image(data.image_path(step))
        if image is None:
            raise DatasetError(data.path, [f"cannot read image of step {step}: {data.obs[step]}"])
        return image

    return load
