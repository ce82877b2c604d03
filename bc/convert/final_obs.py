"""Final observations of files recorded before `episode_final_obs`: re-simulated, or given up."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np

from bc.data.arrays import DatasetArrays
from bc.spaces import env_action, obs_to_row

log = logging.getLogger(__name__)

FrameLoader = Callable[[int], np.ndarray]


@dataclass(frozen=True)
class Resimulated:
    """Outcome of re-simulating one episode: its final observation, or why there is none."""

    final_obs: np.ndarray | None
    reason: str = ""


def same_obs(a: np.ndarray, b: np.ndarray) -> bool:
    """True when two observation rows agree (floats within 1e-5 relative, 1e-6 absolute)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    if a.dtype.kind == "f" or b.dtype.kind == "f":
        return bool(np.allclose(a, b, rtol=1e-5, atol=1e-6, equal_nan=True))
    return bool(np.array_equal(a, b))


def resimulate_episode(
    data: DatasetArrays, index: int, env: gym.Env[Any, Any], frame: FrameLoader
) -> Resimulated:
    """Replay episode `index` from its stored seed and actions; return the final observation.

    Every re-simulated observation and reward is checked against the stored one, so an env that
    is not deterministic (or a different version of it) is caught rather than trusted.

    Args:
        data: the dataset.
        index: the episode.
        env: an env of the dataset's kind (it is reset and stepped).
        frame: global step index -> the stored observation row (a decoded frame for images).
    """
    seed = int(data.episode_seeds[index])
    if seed < 0:
        return Resimulated(None, "no stored seed")
    sl = data.episode_slice(index)
    space = env.observation_space
    obs, _ = env.reset(seed=seed)
    if not same_obs(obs_to_row(space, obs), frame(sl.start)):
        return Resimulated(None, "the first observation after reset differs from the stored one")
    length = sl.stop - sl.start
    for t in range(length):
        step = sl.start + t
        obs, reward, terminated, truncated, _ = env.step(
            env_action(env.action_space, data.actions[step])
        )
        if not np.isclose(float(reward), float(data.rewards[step]), rtol=1e-5, atol=1e-6):
            return Resimulated(None, f"the reward of step {t} differs from the stored one")
        if t + 1 < length:
            if terminated or truncated:
                return Resimulated(None, f"the env ended the episode early, at step {t}")
            if not same_obs(obs_to_row(space, obs), frame(step + 1)):
                return Resimulated(None, f"the observation after step {t} differs")
    if bool(data.episode_terminated[index]) and not terminated:
        return Resimulated(None, "the stored episode terminated, the re-simulated one did not")
    return Resimulated(obs_to_row(space, obs))


def resimulate_all(
    data: DatasetArrays, env: gym.Env[Any, Any] | None, frame: FrameLoader, why_no_env: str = ""
) -> list[Resimulated]:
    """Re-simulate every episode (see `resimulate_episode`); without an env, say why for each."""
    if env is None:
        reason = why_no_env or "no env to re-simulate in"
        return [Resimulated(None, reason) for _ in range(data.n_episodes)]
    out = []
    for i in range(data.n_episodes):
        try:
            out.append(resimulate_episode(data, i, env, frame))
        except Exception as exc:  # an env that refuses a stored action: give this episode up
            log.debug("re-simulating episode %d failed", i, exc_info=True)
            out.append(Resimulated(None, f"the env failed: {exc}"))
    return out
