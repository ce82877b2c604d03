"""Scripted experts to record demonstrations from (CartPole, LunarLander, random), by name."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np

from bc.errors import ExpertError
from bc.rollout import Expert


def expert_factory(
    fn: Callable[[gym.Env[Any, Any]], Expert],
) -> Callable[[gym.Env[Any, Any]], Expert]:
    """Mark a function that takes the env and returns an expert (for `load_expert`)."""
    fn.__bc_expert_factory__ = True  # type: ignore[attr-defined]
    return fn


def cartpole_balance(obs: Any) -> int:
    """Balance CartPole with a linear state-feedback rule (scores 500 from any start).

    Pushes towards the side the pole falls to, with damping on the pole's angular velocity and
    a weak pull of the cart back to the centre.
    """
    x, x_dot, theta, theta_dot = (float(v) for v in np.asarray(obs).reshape(-1)[:4])
    return int(theta + 0.5 * theta_dot + 0.05 * x + 0.1 * x_dot > 0)


@expert_factory
def lunar_lander_heuristic(env: gym.Env[Any, Any]) -> Expert:
    """Gymnasium's own LunarLander heuristic, for the discrete or continuous lander."""
    from gymnasium.envs.box2d.lunar_lander import heuristic

    def expert(obs: Any) -> Any:
        return heuristic(env, np.asarray(obs))

    return expert


@expert_factory
def random_expert(env: gym.Env[Any, Any]) -> Expert:
    """Sample uniformly from the env's action space (as the seed's `dummy_expert`)."""
    space = env.action_space

    def expert(_obs: Any) -> Any:
        return space.sample()

    return expert


def load_expert(spec: str, env: gym.Env[Any, Any]) -> Expert:
    """Resolve 'module:callable' to an expert; factories (see `expert_factory`) get the env.

    Args:
        spec: e.g. "bc.experts:cartpole_balance" or "my_controllers:pid".
        env: the env the expert will act in.

    Raises:
        ExpertError: the module or attribute is missing, or it is not callable.
    """
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise ExpertError(f"expert must be given as 'module:callable', got {spec!r}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ExpertError(f"cannot import expert module {module_name!r}: {exc}") from exc
    try:
        obj = getattr(module, attr)
    except AttributeError as exc:
        raise ExpertError(f"module {module_name!r} has no expert {attr!r}") from exc
    if getattr(obj, "__bc_expert_factory__", False):
        obj = obj(env)
    if not callable(obj):
        raise ExpertError(f"expert {spec!r} is not callable")
    return obj  # type: ignore[no-any-return]
