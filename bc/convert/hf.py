"""Hugging Face `datasets` folders in imitation's trajectory layout, both directions.

One row per episode with exactly imitation's columns (its loader passes every column to
`TrajectoryWithRew`): `obs` (N+1 rows), `acts` (N), `infos` (N jsonpickle strings),
`terminal` (True when the episode ended by `terminated`) and `rews` (N). Discrete
observations and actions are plain integers, as imitation's rollouts store them. Everything
else we know (env id and kwargs, both spaces, seeds, creation times) is JSON in the dataset's
`info.description`; step times go into each step's info as `{"step_time": t}`.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from bc.convert.episodes import EpisodeSet, FullEpisode
from bc.errors import ConversionError, DatasetWriteError
from bc.spaces import IMAGE_CHANNELS, describe_space, space_from_description

log = logging.getLogger(__name__)

COLUMNS = ("obs", "acts", "infos", "terminal", "rews")
METADATA_KEY = "demo_recorder"


def _datasets() -> Any:
    try:
        import datasets
    except ImportError as exc:
        raise ConversionError(
            "Hugging Face datasets need the hf extra: pip install 'demo-recorder[hf]'"
        ) from exc
    return datasets


def write(episodes: EpisodeSet, path: str | Path, *, overwrite: bool = False) -> Path:
    """Save the episodes with `Dataset.save_to_disk` into the folder `path` (atomically).

    Raises:
        ConversionError: the folder exists and `overwrite` is False.
        DatasetWriteError: the disk refused the write; an existing folder is untouched.
    """
    datasets = _datasets()
    path = Path(path)
    if path.exists() and not overwrite:
        raise ConversionError(
            f"{path} exists; choose another name or replace it "
            "(overwrite=True, demorec convert --force)"
        )
    obs_space, act_space = episodes.observation_space, episodes.action_space
    eps = episodes.episodes
    metadata = dict(episodes.metadata)
    metadata["episode_seeds"] = [ep.seed for ep in eps]
    metadata["episode_created"] = [None if np.isnan(ep.created) else ep.created for ep in eps]
    columns = {
        "obs": [_to_rows(obs_space, ep.obs) for ep in eps],
        "acts": [_to_rows(act_space, ep.actions) for ep in eps],
        "infos": [[_info(t) for t in ep.step_times] for ep in eps],
        "terminal": [bool(ep.terminated) for ep in eps],
        "rews": [np.asarray(ep.rewards, dtype=np.float64) for ep in eps],
    }
    info = datasets.DatasetInfo(description=json.dumps({METADATA_KEY: metadata}, sort_keys=True))
    dataset = datasets.Dataset.from_dict(columns, info=info)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    bars_were_on = datasets.is_progress_bar_enabled()
    try:
        datasets.disable_progress_bars()  # the library never prints
        dataset.save_to_disk(str(tmp))
        if path.exists():
            old = tmp.with_name(tmp.name + ".old")
            path.replace(old)
            tmp.replace(path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.replace(path)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise DatasetWriteError(f"could not write {path}: {exc.strerror or exc}") from exc
    finally:
        if bars_were_on:
            datasets.enable_progress_bars()
    return path


def read(path: str | Path) -> EpisodeSet:
    """Load a folder written by `write` or by imitation's `serialize.save` (with rewards).

    Files from elsewhere have no metadata of ours: spaces are then inferred from the arrays
    (Discrete when integer rows are 1-D, Box otherwise; float Box bounds unbounded, action
    bounds from the data), seeds read -1, and a non-terminal episode is taken as truncated.

    Raises:
        ConversionError: not a dataset folder, or columns other than imitation's.
    """
    datasets = _datasets()
    path = Path(path)
    if not path.is_dir():
        raise ConversionError(f"{path}: no such dataset folder")
    try:
        dataset = datasets.load_from_disk(str(path))
    except (FileNotFoundError, ValueError) as exc:
        raise ConversionError(f"{path}: not a Hugging Face dataset folder: {exc}") from exc
    if not isinstance(dataset, datasets.Dataset):
        raise ConversionError(f"{path}: expected one Dataset, found {type(dataset).__name__}")
    missing = [c for c in COLUMNS if c not in dataset.column_names]
    if missing:
        raise ConversionError(
            f"{path}: not imitation's trajectory layout, missing column(s) {', '.join(missing)} "
            f"(found {', '.join(dataset.column_names)})"
        )
    if len(dataset) == 0:
        raise ConversionError(f"{path}: holds no episodes")
    metadata = _our_metadata(dataset.info.description)
    seeds = metadata.pop("episode_seeds", None)
    created = metadata.pop("episode_created", None)
    rows = dataset.with_format("numpy")
    raw = [rows[i] for i in range(len(rows))]
    if "observation_space" not in metadata:
        metadata["observation_space"] = describe_space(_infer_obs_space(raw))
    if "action_space" not in metadata:
        metadata["action_space"] = describe_space(_infer_action_space(raw))
    obs_space = space_from_description(metadata["observation_space"])
    act_space = space_from_description(metadata["action_space"])
    out = []
    for i, row in enumerate(raw):
        terminal = bool(row["terminal"])
        stamp = created[i] if isinstance(created, list) else None
        out.append(
            FullEpisode(
                obs=_from_rows(obs_space, row["obs"]),
                actions=_from_rows(act_space, row["acts"]),
                rewards=np.asarray(row["rews"], dtype=np.float64),
                terminated=terminal,
                truncated=not terminal,
                seed=int(seeds[i]) if isinstance(seeds, list) else -1,
                step_times=np.array([_step_time(s) for s in row["infos"]], dtype=np.float64),
                created=float("nan") if stamp is None else float(stamp),
            )
        )
    return EpisodeSet(out, metadata)


def _info(t: float) -> str:
    """One step's info as imitation stores it (jsonpickle of a plain dict is plain JSON)."""
    return "{}" if np.isnan(t) else json.dumps({"step_time": float(t)})


def _step_time(encoded: Any) -> float:
    try:
        info = json.loads(str(encoded))
    except json.JSONDecodeError:
        return float("nan")
    value = info.get("step_time") if isinstance(info, dict) else None
    return float(value) if isinstance(value, int | float) else float("nan")


def _our_metadata(description: str | None) -> dict[str, Any]:
    try:
        outer = json.loads(description or "")
    except json.JSONDecodeError:
        return {}
    inner = outer.get(METADATA_KEY) if isinstance(outer, dict) else None
    return dict(inner) if isinstance(inner, dict) else {}


def _to_rows(space: gym.Space[Any], rows: np.ndarray) -> np.ndarray:
    """Our rows -> imitation's (Discrete: plain integers, shape (n,))."""
    if isinstance(space, spaces.Discrete):
        return np.asarray(rows, dtype=np.int64).reshape(-1)
    return np.asarray(rows, dtype=space.dtype)


def _from_rows(space: gym.Space[Any], rows: Any) -> np.ndarray:
    """Rows as imitation stores them -> ours (Discrete: int64 (n, 1); Box: the space's dtype)."""
    arr = np.asarray(rows)
    if arr.dtype.kind == "O":  # nested rows the numpy formatter left as objects
        arr = np.stack([np.asarray(r) for r in rows])
    if isinstance(space, spaces.Discrete):
        return arr.astype(np.int64).reshape(-1, 1)
    return arr.astype(space.dtype).reshape((len(arr), *space.shape))  # type: ignore[misc]


def _infer_obs_space(raw: list[dict[str, Any]]) -> gym.Space[Any]:
    first = np.asarray(raw[0]["obs"])
    if first.ndim == 1 and first.dtype.kind in "iu":
        return spaces.Discrete(int(max(np.max(r["obs"]) for r in raw)) + 1)
    shape = first.shape[1:]
    if first.dtype == np.uint8 and len(shape) == 3 and shape[-1] in IMAGE_CHANNELS:
        return spaces.Box(0, 255, shape=shape, dtype=np.uint8)
    dtype = first.dtype if first.dtype.kind == "f" else np.dtype(np.float64)
    return spaces.Box(-np.inf, np.inf, shape=shape, dtype=dtype)  # type: ignore[arg-type]


def _infer_action_space(raw: list[dict[str, Any]]) -> gym.Space[Any]:
    acts = np.concatenate([np.asarray(r["acts"]) for r in raw])
    if acts.ndim == 1 and acts.dtype.kind in "iu":
        return spaces.Discrete(int(acts.max()) + 1)
    acts = acts.reshape(len(acts), -1) if acts.ndim == 1 else acts
    dtype = acts.dtype if acts.dtype.kind == "f" else np.dtype(np.float32)
    return spaces.Box(acts.min(axis=0), acts.max(axis=0), dtype=dtype)  # type: ignore[arg-type]
