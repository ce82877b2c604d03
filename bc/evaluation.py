"""`evaluate_policy`: mean and spread of returns of a policy, a BC model or any callable expert."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np

from bc.envs import make_env
from bc.rollout import Rollout, as_expert


@dataclass(frozen=True)
class EvalResult:
    """Returns and lengths of the evaluation episodes; unpacks as `(mean, std)` like SB3's."""

    mean_return: float
    std_return: float
    returns: tuple[float, ...]
    lengths: tuple[int, ...]

    def __iter__(self) -> Iterator[float]:
        return iter((self.mean_return, self.std_return))


def evaluate_policy(
    policy: Any,
    env: gym.Env[Any, Any] | str,
    n_eval_episodes: int = 10,
    seed: int | None = None,
    render: bool = False,
    deterministic: bool = True,
) -> EvalResult:
    """Play `n_eval_episodes` episodes and report their returns.

    Args:
        policy: a `bc.Policy`, `bc.BC`, an SB3 model (anything with `predict`), or a callable
            `obs -> action` (a scripted expert, the app's human player).
        env: an env or an env id.
        n_eval_episodes: episodes to play.
        seed: episode i is reset with `seed + i` (None: unseeded).
        render: call `env.render()` each step (an env made with a render mode).
        deterministic: passed to `predict`.

    Returns:
        Mean and std of the returns, and each episode's return and length.
    """
    owned = isinstance(env, str)
    the_env = make_env(env, render_mode=None) if isinstance(env, str) else env
    rollout = Rollout(the_env, as_expert(policy, deterministic))
    returns, lengths = [], []
    try:
        for i in range(n_eval_episodes):
            rollout.run_episode(None if seed is None else seed + i, render=render)
            returns.append(rollout.ret)
            lengths.append(rollout.length)
    finally:
        if owned:
            the_env.close()
    arr = np.asarray(returns)
    return EvalResult(float(arr.mean()), float(arr.std()), tuple(returns), tuple(lengths))
