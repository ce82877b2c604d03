"""`generate_expert_traj`: SB2's recording function on Gymnasium, a thin loop over `Recorder`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from bc.data.arrays import DatasetArrays
from bc.data.recorder import Recorder
from bc.data.trajectory import EpisodeSummary
from bc.envs import make_env
from bc.errors import ExpertError, UsageError
from bc.rollout import EpisodeCollector, Expert, Rollout, as_expert
from bc.spaces import check_supported, is_image_space

log = logging.getLogger(__name__)

EpisodeCallback = Callable[[EpisodeSummary], "bool | None"]


def _resolve_env(model: Any, env: gym.Env[Any, Any] | str | None) -> tuple[gym.Env[Any, Any], bool]:
    """Return the env to record in, and whether we made it (and so must close it)."""
    if isinstance(env, str):
        return make_env(env, render_mode=None), True
    if env is None:
        get_env = getattr(model, "get_env", None)
        env = get_env() if callable(get_env) else None
        if env is None:
            raise ExpertError("pass env= (an env or an env id): the expert has no get_env()")
    if hasattr(env, "num_envs") and hasattr(env, "envs"):
        # A Stable-Baselines3 VecEnv: record its first env, as SB2 recorded the first one.
        if env.num_envs > 1:
            log.warning("recording only the first of %d envs", env.num_envs)
        return env.envs[0], False
    return env, False


def generate_expert_traj(
    model: Any,
    save_path: str | Path | None = None,
    env: gym.Env[Any, Any] | str | None = None,
    n_timesteps: int = 0,
    n_episodes: int = 100,
    image_folder: str | None = None,
    *,
    seed: int | None = None,
    append: bool = False,
    metadata: dict[str, Any] | None = None,
    callback: EpisodeCallback | None = None,
) -> dict[str, np.ndarray]:
    """Record `n_episodes` episodes of an expert into an SB2 expert dataset.

    SB2's signature, defaults and return value. Differences: `env` may be an env id; every
    episode is seeded and its seed stored (`seed` sets the first; None draws one); image
    observations go to PNG files by a background thread; each finished episode is on disk
    as soon as it ends (see `Recorder`), so an interrupted run keeps its finished episodes.

    Args:
        model: a callable `obs -> action` (a human, a controller, a random agent) or an object
            with `predict(obs)` returning `(action, state)`; with `n_timesteps > 0` it must
            also have `learn(n_timesteps)`.
        save_path: the archive, with or without '.npz'. None: only return the arrays (image
            observations are then kept as arrays, as SB2 did).
        env: a Gymnasium env, an env id, or None for `model.get_env()`.
        n_timesteps: training steps to run `model.learn` for before recording.
        n_episodes: episodes to record.
        image_folder: folder for image observations, relative to the archive's folder.
        seed: seed of the first episode; episode i gets `seed + i`.
        append: add to an existing dataset at `save_path` instead of replacing it.
        metadata: extra metadata entries for the archive.
        callback: called after each episode with its summary; returning False stops early.

    Returns:
        The five SB2 arrays of what this call recorded: obs, actions, rewards,
        episode_returns, episode_starts.

    Raises:
        ExpertError: the expert cannot be used, or returned an action outside the space.
        UnsupportedSpaceError: the env's spaces are not Box or Discrete.
        EnvError: `env` is an unknown id.
        UsageError: `seed` is negative or too large for int64 seeds.
    """
    if n_episodes < 1:
        raise ExpertError(f"n_episodes must be at least 1, got {n_episodes}")
    if seed is not None and not 0 <= int(seed) <= 2**63 - 1 - n_episodes:  # int64, seed + i
        raise UsageError(f"seed must be between 0 and {2**63 - 1 - n_episodes}, got {seed}")
    the_env, owned = _resolve_env(model, env)
    try:
        check_supported(the_env.observation_space, "observation")
        check_supported(the_env.action_space, "action")
        if n_timesteps > 0:
            learn = getattr(model, "learn", None)
            if not callable(learn):
                raise ExpertError("n_timesteps > 0 needs a model with learn(n_timesteps)")
            learn(n_timesteps)
        expert = as_expert(model)
        first_seed = int(np.random.default_rng().integers(2**31)) if seed is None else int(seed)
        meta = {"env_id": _env_id(the_env), "expert": _expert_name(model)}
        meta.update(metadata or {})
        if save_path is None:
            return _record_in_memory(expert, the_env, n_episodes, first_seed, callback).sb2_dict()
        recorder = Recorder(
            save_path,
            the_env.observation_space,
            the_env.action_space,
            image_folder=image_folder,
            append=append,
            metadata=meta,
        )
        start_episode = recorder.n_episodes
        rollout = Rollout(the_env, expert, recorder)
        try:
            for i in range(n_episodes):
                summary = rollout.run_episode(first_seed + i).summary
                assert summary is not None
                recorder.flush()  # the episode is on disk before anyone hears it ended
                log.info(
                    "episode %d: %d steps, return %.2f", summary.index, summary.length, summary.ret
                )
                if callback is not None and callback(summary) is False:
                    break
        except BaseException:
            recorder.close(keep_partial=False)
            raise
        data = recorder.close()
        assert data is not None
        return data.select_episodes(range(start_episode, data.n_episodes)).sb2_dict()
    finally:
        if owned:
            the_env.close()


def _record_in_memory(
    expert: Expert,
    env: gym.Env[Any, Any],
    n_episodes: int,
    first_seed: int,
    callback: EpisodeCallback | None,
) -> DatasetArrays:
    """Record without a file: observations (images too) stay arrays, as SB2 did."""
    collector = EpisodeCollector(env.observation_space)
    rollout = Rollout(env, expert, collector)
    for i in range(n_episodes):
        summary = rollout.run_episode(first_seed + i).summary
        if callback is not None and summary is not None and callback(summary) is False:
            break
    return DatasetArrays.from_episodes(collector.episodes)


def _env_id(env: gym.Env[Any, Any]) -> str | None:
    spec = getattr(env, "spec", None)
    return getattr(spec, "id", None)


def _expert_name(model: Any) -> str:
    name = getattr(model, "__qualname__", None) or type(model).__qualname__
    module = getattr(model, "__module__", None) or type(model).__module__
    return f"{module}:{name}"


def is_image_env(env: gym.Env[Any, Any]) -> bool:
    """True when the env's observations would be recorded as image files."""
    return is_image_space(env.observation_space)
