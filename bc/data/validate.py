"""Array checks: every way a dataset's arrays disagree with the format, or with an env's spaces."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from bc.data.infer import first_image_shape
from bc.data.schema import CURATION_KEYS, EPISODE_KINDS, SB2_KEYS, SOURCE_KEY
from bc.spaces import is_image_space

if TYPE_CHECKING:
    from bc.data.arrays import DatasetArrays


def shape_problems(d: DatasetArrays) -> list[str]:
    """Return every way the arrays disagree with FORMAT.md (empty when consistent)."""
    problems = _dtype_problems(d)
    if problems:  # 0-d or foreign arrays: the checks below would not even run on them
        return problems
    n = len(d.obs)
    for name in ("actions", "rewards", "episode_starts"):
        if len(getattr(d, name)) != n:
            problems.append(f"'{name}' has {len(getattr(d, name))} rows but 'obs' has {n}")
    if d.rewards.ndim != 1:
        problems.append(f"'rewards' must be 1-D, found shape {d.rewards.shape}")
    if d.episode_starts.ndim != 1 or d.episode_starts.dtype.kind not in "biu":
        problems.append(
            f"'episode_starts' must be a 1-D bool array, found {d.episode_starts.dtype} "
            f"{d.episode_starts.shape}"
        )
    elif n and len(d.episode_starts) and not bool(d.episode_starts[0]):
        problems.append("'episode_starts' must be True at step 0 (the first episode's start)")
    n_starts = int(np.count_nonzero(d.episode_starts)) if d.episode_starts.ndim == 1 else -1
    if d.episode_returns.ndim != 1:
        problems.append(f"'episode_returns' must be 1-D, found shape {d.episode_returns.shape}")
    elif n_starts >= 0 and len(d.episode_returns) != n_starts:
        problems.append(
            f"'episode_returns' has {len(d.episode_returns)} entries but 'episode_starts' "
            f"marks {n_starts} episodes"
        )
    if d.obs.dtype.kind == "O" or d.actions.dtype.kind == "O":
        problems.append("arrays hold Python objects; expected numbers or image paths")
    if d.actions.dtype.kind not in "biuf":
        problems.append(f"'actions' must be numeric, found {d.actions.dtype}")
    n_ep = len(d.episode_returns)
    for name, want in (
        ("episode_terminated", n_ep),
        ("episode_seeds", n_ep),
        ("episode_created", n_ep),
        (SOURCE_KEY, n_ep),
        ("step_times", n),
        ("step_latency", n),
        ("image_crc32", n),
        ("episode_final_crc32", n_ep),
        ("interventions", n),
        ("episode_kind", n_ep),
        ("episode_round", n_ep),
    ):
        have = getattr(d, name).size
        if have not in (0, want):
            problems.append(f"'{name}' has {have} entries, expected {want}")
    problems += _curation_problems(d, n_ep)
    problems.extend(_interactive_problems(d, n))
    final = d.episode_final_obs
    if len(final):
        if len(final) != n_ep:
            problems.append(f"'episode_final_obs' has {len(final)} rows, expected {n_ep}")
        elif final.shape[1:] != d.obs.shape[1:] or (final.dtype.kind in "US") != (
            d.obs.dtype.kind in "US"
        ):
            problems.append(
                f"'episode_final_obs' is {final.dtype} {final.shape[1:]}, expected rows like "
                f"'obs' ({d.obs.dtype} {d.obs.shape[1:]})"
            )
    return problems


# Array kinds each key may hold (numpy dtype.kind letters); the extras may also be absent.
_KINDS = {
    "obs": ("biufUS", "numbers, or image paths as strings"),
    "actions": ("biuf", "numbers"),
    "rewards": ("biuf", "numbers"),
    "episode_returns": ("biuf", "numbers"),
    "episode_starts": ("biu", "booleans"),
    "episode_terminated": ("biu", "booleans"),
    "episode_seeds": ("iu", "integers"),
    "step_times": ("biuf", "numbers"),
    "episode_created": ("biuf", "numbers"),
    "image_crc32": ("iu", "integers"),
    "episode_final_crc32": ("iu", "integers"),
}


def _dtype_problems(d: DatasetArrays) -> list[str]:
    """Arrays that are not arrays, are 0-d, or hold a kind of value their key cannot hold."""
    problems: list[str] = []
    for name, (kinds, what) in _KINDS.items():
        arr = getattr(d, name)
        if not isinstance(arr, np.ndarray):
            problems.append(f"'{name}' is a {type(arr).__name__}, expected an array")
        elif arr.ndim == 0:
            problems.append(f"'{name}' is a 0-d array (one value), expected one row per entry")
        elif arr.dtype.kind not in kinds and not (arr.size == 0 and name not in SB2_KEYS):
            problems.append(f"'{name}' holds {arr.dtype} values, expected {what}")
    if not problems and d.obs.dtype.kind in "US" and d.obs.ndim != 1:
        problems.append(f"image paths in 'obs' must be 1-D, found shape {d.obs.shape}")
    return problems


def _curation_problems(d: DatasetArrays, n_ep: int) -> list[str]:
    """Problems with the curation keys: lengths, JSON tag lists of strings, flags in -1/0/1."""
    problems: list[str] = []
    for name in CURATION_KEYS:
        have = getattr(d, name).size
        if have not in (0, n_ep):
            problems.append(f"'{name}' has {have} entries, expected {n_ep}")
    if d.episode_tags.size and d.episode_tags.dtype.kind not in "US":
        problems.append(f"'episode_tags' must be strings, found {d.episode_tags.dtype}")
    elif d.episode_tags.size:
        for i, text in enumerate(d.episode_tags):
            try:
                tags = json.loads(str(text))
            except json.JSONDecodeError:
                tags = None
            if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
                problems.append(f"'episode_tags'[{i}] is not a JSON list of strings: {text!r:.60}")
                break
    if d.episode_notes.size and d.episode_notes.dtype.kind not in "US":
        problems.append(f"'episode_notes' must be strings, found {d.episode_notes.dtype}")
    flags = d.episode_flag
    if flags.size and (flags.dtype.kind not in "biu" or not np.isin(flags, (-1, 0, 1)).all()):
        problems.append("'episode_flag' must hold only -1, 0 and 1")
    return problems


def _interactive_problems(d: DatasetArrays, n: int) -> list[str]:
    """Problems of the interactive-imitation keys (docs/dagger.md)."""
    problems: list[str] = []
    pa = d.policy_actions
    if pa.size and (len(pa) != n or pa.shape[1:] != d.actions.shape[1:]):
        problems.append(
            f"'policy_actions' has shape {pa.shape}, expected rows like 'actions' {d.actions.shape}"
        )
    if pa.size and pa.dtype.kind not in "biuf":
        problems.append(f"'policy_actions' must be numeric, found {pa.dtype}")
    if d.interventions.size and d.interventions.dtype.kind not in "biu":
        problems.append(f"'interventions' must be bool, found {d.interventions.dtype}")
    kinds = d.episode_kind
    if kinds.size and kinds.dtype.kind not in "US":
        problems.append(f"'episode_kind' must be text, found {kinds.dtype}")
    elif kinds.size:
        unknown = sorted({str(k) for k in kinds} - set(EPISODE_KINDS))
        if unknown:
            problems.append(
                f"'episode_kind' has unknown kind(s) {', '.join(unknown)} "
                f"(expected {', '.join(EPISODE_KINDS)})"
            )
    if d.episode_round.size and d.episode_round.dtype.kind not in "iu":
        problems.append(f"'episode_round' must be integers, found {d.episode_round.dtype}")
    return problems


def space_problems(
    data: DatasetArrays, observation_space: gym.Space[Any], action_space: gym.Space[Any]
) -> list[str]:
    """List every way a dataset's rows do not fit the given spaces (empty when they fit)."""
    problems: list[str] = []
    if is_image_space(observation_space):
        if not data.is_image:
            problems.append(
                f"the env's observations are images {observation_space.shape}, the dataset's are "
                f"{data.obs.shape[1:]} {data.obs.dtype} arrays"
            )
        elif data.n_steps and tuple(observation_space.shape) != first_image_shape(data):  # type: ignore[arg-type]
            problems.append(
                f"images are {first_image_shape(data)}, the env's observations "
                f"{observation_space.shape}"
            )
    elif isinstance(observation_space, spaces.Discrete):
        if data.obs.shape[1:] != (1,):
            problems.append(
                f"observations have shape {data.obs.shape[1:]}, expected (1,) (Discrete)"
            )
    elif data.is_image or data.obs.shape[1:] != observation_space.shape:
        shown = "image paths" if data.is_image else str(data.obs.shape[1:])
        problems.append(f"observations are {shown}, the env's are {observation_space.shape}")
    if isinstance(action_space, spaces.Discrete):
        if data.actions.shape[1:] != (1,) or data.actions.dtype.kind not in "iu":
            problems.append(
                f"actions are {data.actions.dtype} {data.actions.shape[1:]}, expected integer (1,) "
                f"for {action_space}"
            )
        elif data.n_steps and (
            data.actions.min() < action_space.start
            or data.actions.max() >= action_space.start + action_space.n
        ):
            problems.append(
                f"actions range {data.actions.min()}..{data.actions.max()} exceeds {action_space}"
            )
    elif isinstance(action_space, spaces.Box):
        if data.actions.shape[1:] != action_space.shape:
            problems.append(
                f"actions have shape {data.actions.shape[1:]}, the env's {action_space.shape}"
            )
        elif action_space.dtype.kind == "f" and data.actions.dtype.kind != "f":
            problems.append(
                f"actions are {data.actions.dtype}; the continuous {action_space} takes floats"
            )
    return problems
