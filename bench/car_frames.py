"""A CarRacing-v3 image dataset for the benchmarks: a scripted driver, every frame a PNG."""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import numpy as np

import bc

EPISODE = 500


class Driver:
    """Fixed throttle, steering on a slow sine: the frames change from step to step."""

    def __init__(self) -> None:
        self.t = 0
        self.steer = np.sin(np.arange(EPISODE) / 25.0) * 0.6

    def __call__(self, obs: np.ndarray) -> np.ndarray:
        """The next action, whatever the frame."""
        self.t += 1
        return np.array([self.steer[self.t % EPISODE], 0.4, 0.0], dtype=np.float32)


def record_car_frames(folder: Path, frames: int) -> Path:
    """Record about `frames` frames (whole 500-step episodes) into folder/car.npz."""
    env = gym.make("CarRacing-v3", max_episode_steps=EPISODE)
    bc.generate_expert_traj(
        Driver(), folder / "car", env, n_episodes=max(1, frames // EPISODE), seed=0
    )
    env.close()
    return folder / "car.npz"
