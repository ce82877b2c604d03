"""Minari datasets (under `MINARI_DATASETS_PATH`) as `EpisodeSet`s, both directions.

Observations and actions are stored as raw arrays (`jpeg_encoding=False`, so image frames
round-trip exactly); seeds go into Minari's episode metadata, the env into its `env_spec`
(when the id is registered), and our own metadata as JSON under the dataset metadata key
`demo_recorder`. Step times travel in `infos["step_time"]` (Minari's infos have one row per
observation: the row at reset is NaN).
"""

from __future__ import annotations

import json
import logging
import shutil
import warnings
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from bc.convert.episodes import EpisodeSet, FullEpisode
from bc.errors import BCError, ConversionError
from bc.spaces import describe_space

log = logging.getLogger(__name__)

METADATA_KEY = "demo_recorder"


def _minari() -> Any:
    try:
        import minari
    except ImportError as exc:
        raise ConversionError(
            "Minari datasets need the minari extra: pip install 'demo-recorder[minari]'"
        ) from exc
    return minari


def write(episodes: EpisodeSet, dataset_id: str, *, overwrite: bool = False) -> str:
    """Create the Minari dataset `dataset_id` from the episodes; returns its id.

    Raises:
        ConversionError: the dataset exists (and `overwrite` is False), or Minari refused it.
    """
    minari = _minari()
    from minari.data_collector import EpisodeBuffer

    if dataset_id in minari.list_local_datasets():
        if not overwrite:
            raise ConversionError(
                f"Minari dataset {dataset_id!r} exists; choose another id or replace it "
                "(overwrite=True, demorec convert --force)"
            )
        minari.delete_dataset(dataset_id)
    obs_space, act_space = episodes.observation_space, episodes.action_space
    buffers = [
        EpisodeBuffer(
            id=i,
            seed=ep.seed if ep.seed >= 0 else None,
            observations=_to_minari_rows(obs_space, ep.obs),
            actions=_to_minari_rows(act_space, ep.actions),
            rewards=[float(r) for r in ep.rewards],
            terminations=[False] * (ep.length - 1) + [ep.terminated],
            truncations=[False] * (ep.length - 1) + [ep.truncated],
            infos={"step_time": np.concatenate([[np.nan], ep.step_times]).astype(np.float64)},
        )
        for i, ep in enumerate(episodes.episodes)
    ]
    metadata = dict(episodes.metadata)
    metadata["episode_created"] = [_json_float(ep.created) for ep in episodes.episodes]
    env_spec = _env_spec(episodes)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # author, permalink... unknown here
            dataset = minari.create_dataset_from_buffers(
                dataset_id,
                buffers,
                env=None,  # the spec is added below: passing it here would make the env
                observation_space=obs_space,
                action_space=act_space,
                algorithm_name=str(metadata.get("expert") or "human demonstration"),
                description=f"Converted by demo-recorder from {metadata.get('converted_from')}",
                jpeg_encoding=False,
            )
        extra: dict[str, Any] = {METADATA_KEY: json.dumps(metadata, sort_keys=True)}
        if env_spec is not None:
            extra["env_spec"] = env_spec.to_json()
        dataset.storage.update_metadata(extra)
    except BaseException as exc:
        from minari.storage import get_dataset_path

        shutil.rmtree(get_dataset_path(dataset_id), ignore_errors=True)  # no half datasets
        if isinstance(exc, (ValueError, TypeError)):
            raise ConversionError(f"Minari refused dataset {dataset_id!r}: {exc}") from exc
        raise
    return dataset_id


def read(dataset_id: str) -> EpisodeSet:
    """Read the local Minari dataset `dataset_id` (ours or anyone's) as an `EpisodeSet`.

    Raises:
        ConversionError: no such local dataset, or spaces other than Box/Discrete.
    """
    minari = _minari()
    try:
        dataset = minari.load_dataset(dataset_id)
    except (FileNotFoundError, ValueError) as exc:
        raise ConversionError(f"cannot load Minari dataset {dataset_id!r}: {exc}") from exc
    raw = dataset.storage.metadata
    ours = json.loads(raw[METADATA_KEY]) if isinstance(raw.get(METADATA_KEY), str) else {}
    metadata: dict[str, Any] = dict(ours)
    created = metadata.pop("episode_created", None)
    try:
        metadata["observation_space"] = describe_space(dataset.observation_space)
        metadata["action_space"] = describe_space(dataset.action_space)
    except BCError as exc:
        raise ConversionError(f"Minari dataset {dataset_id!r}: {exc}") from exc
    spec = dataset.env_spec
    if spec is not None and not metadata.get("env_id"):
        metadata["env_id"] = spec.id
        metadata["env_kwargs"] = dict(spec.kwargs)
    obs_space, act_space = dataset.observation_space, dataset.action_space
    indices = list(dataset.episode_indices)
    seeds = [m.get("seed") for m in dataset.storage.get_episode_metadata(indices)]
    out = []
    for n, episode in enumerate(dataset.iterate_episodes(indices)):
        times = np.asarray(episode.infos.get("step_time", []), dtype=np.float64)
        stamp = created[n] if isinstance(created, list) and n < len(created) else None
        seed = seeds[n]
        out.append(
            FullEpisode(
                obs=_from_minari_rows(obs_space, episode.observations),
                actions=_from_minari_rows(act_space, episode.actions),
                rewards=np.asarray(episode.rewards, dtype=np.float64),
                terminated=bool(episode.terminations[-1]),
                truncated=bool(episode.truncations[-1]) or not bool(episode.terminations[-1]),
                seed=-1 if seed is None else int(seed),
                step_times=times[1:] if len(times) == len(episode.rewards) + 1 else np.zeros(0),
                created=float("nan") if stamp is None else float(stamp),
            )
        )
    if not out:
        raise ConversionError(f"Minari dataset {dataset_id!r} holds no episodes")
    return EpisodeSet(out, metadata)


def _to_minari_rows(space: gym.Space[Any], rows: np.ndarray) -> np.ndarray:
    """Our rows (Discrete: (n, 1)) -> Minari's (Discrete: (n,))."""
    if isinstance(space, spaces.Discrete):
        return np.asarray(rows, dtype=np.int64).reshape(-1)
    return np.asarray(rows, dtype=space.dtype)


def _from_minari_rows(space: gym.Space[Any], rows: Any) -> np.ndarray:
    """Minari's rows -> ours (Discrete: int64 (n, 1); Box: the space's dtype)."""
    if isinstance(space, spaces.Discrete):
        return np.asarray(rows, dtype=np.int64).reshape(-1, 1)
    return np.asarray(rows, dtype=space.dtype)


def _env_spec(episodes: EpisodeSet) -> Any:
    """The registered env's spec with the recorded kwargs, or None for an unregistered id."""
    env_id = episodes.env_id
    if env_id is None:
        return None
    try:
        spec = gym.spec(env_id)
    except gym.error.Error:
        log.info("env id %s is not registered: the Minari dataset gets no env_spec", env_id)
        return None
    from dataclasses import replace

    return replace(spec, kwargs={**spec.kwargs, **episodes.env_kwargs})


def _json_float(value: float) -> float | None:
    return None if np.isnan(value) else float(value)
