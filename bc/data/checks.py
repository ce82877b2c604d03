"""`check_dataset`: the contract a dataset file must meet to load, train and replay.

A file that `check_dataset` passes loads with `bc.load`, trains an epoch with `bc.pretrain`
(default split) and replays with `EpisodeReplay` (from its images, or re-simulated when it
names an env and seeds). A file it fails gets every problem listed, not just the first.
"""

from __future__ import annotations

import logging
import math
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from bc.data import journal
from bc.data.archive import load, normalise_path
from bc.data.arrays import DatasetArrays
from bc.data.image_checks import frame_mismatches
from bc.data.images import read_image
from bc.data.validate import space_problems
from bc.errors import BCError, DatasetError
from bc.limits import Limits
from bc.spaces import check_supported, is_image_space

log = logging.getLogger(__name__)

MIN_STEPS = 2
"""Fewer steps cannot be split into a training and a validation set."""
MIN_IMAGE_SIDE = 5
"""Smaller frames do not fit the CNN's two 3x3 convolutions."""
_SHOWN = 3


@dataclass
class CheckReport:
    """What `check_dataset` found: problems (the file breaks the contract) and warnings."""

    path: Path
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    data: DatasetArrays | None = None
    """The loaded dataset (None when it did not load)."""

    @property
    def ok(self) -> bool:
        """True when the file meets the contract (warnings allowed)."""
        return not self.problems


def check_dataset(
    path: str | Path,
    env: gym.Env[Any, Any] | None = None,
    *,
    limits: Limits | None = None,
    check_images: bool = True,
) -> CheckReport:
    """Check a dataset file against the contract; never raises for a bad file.

    Args:
        path: the `.npz` archive.
        env: also check that the rows fit this env's spaces.
        limits: limits on what the file may make us allocate (default: `bc.limits.current()`).
        check_images: decode every image file (the only way to know each one is sound).

    Returns:
        The report; `report.ok` is the verdict.
    """
    p = normalise_path(path)
    report = CheckReport(p)
    try:
        data = load(p, check_images=False, limits=limits)
    except DatasetError as exc:
        report.problems.extend(exc.problems)
        return report
    except BCError as exc:
        report.problems.append(str(exc))
        return report
    report.data = data
    problems, warnings = report.problems, report.warnings
    if data.n_steps < MIN_STEPS:
        problems.append(
            f"has {data.n_steps} step(s); training needs at least {MIN_STEPS} (one to train on, "
            "one to validate)"
        )
    _check_extras(data, problems)
    obs_space = _space(data.observation_space, "observation", problems)
    act_space = _space(data.action_space, "action", problems)
    if data.is_image:
        image_shape = _check_images(data, problems, warnings) if check_images else None
        if obs_space is not None and not is_image_space(obs_space):
            problems.append(f"'obs' holds image paths but the observation space is {obs_space}")
        elif (
            obs_space is not None
            and image_shape is not None
            and tuple(obs_space.shape) != image_shape
        ):
            problems.append(
                f"images are {image_shape}, the recorded observation space {obs_space.shape}"
            )
    elif obs_space is not None:
        _check_vector_obs(data, obs_space, problems)
    if act_space is not None:
        _check_actions(data, act_space, problems)
    _check_numbers(data, problems, warnings)
    if env is not None:
        try:
            problems.extend(space_problems(data, env.observation_space, env.action_space))
        except BCError as exc:
            problems.append(str(exc))
    if data.is_image and check_images and not problems:
        problems.extend(frame_mismatches(data))
    _check_replay(data, warnings)
    damaged = journal.damaged_parts(p)
    if damaged:
        warnings.append(
            f"{len(damaged)} unreadable journal file(s) were set aside (kept) in "
            f"{journal.damaged_dir(p)}"
        )
    if data.pending_episodes:
        warnings.append(
            f"{data.pending_episodes} episode(s) recovered from the journal are not merged "
            "into the archive yet (they load here; SB2's loader will not see them)"
        )
    return report


def _space(make: Callable[[], gym.Space[Any]], role: str, problems: list[str]) -> Any:
    """The dataset's space of one role, or None with the reason added to `problems`."""
    try:
        space = make()
        check_supported(space, role)
    except BCError as exc:
        problems.append(f"{role} space: {exc}")
        return None
    return space


def _check_extras(data: DatasetArrays, problems: list[str]) -> None:
    meta = data.metadata
    env_id = meta.get("env_id")
    if env_id is not None and not isinstance(env_id, str):
        problems.append(f"metadata env_id must be a string, found {env_id!r}")
    kwargs = meta.get("env_kwargs")
    if kwargs is not None and not isinstance(kwargs, dict):
        problems.append(f"metadata env_kwargs must be a JSON object, found {kwargs!r}")
    starts = data.episode_starts
    if starts.dtype.kind in "iu" and starts.size and not np.isin(starts, (0, 1)).all():
        problems.append("'episode_starts' holds values other than 0 and 1")
    seeds = data.episode_seeds
    if seeds.size and int(seeds.min()) < -1:
        problems.append(f"'episode_seeds' has {int(seeds.min())}; seeds are >= 0, or -1 for none")


def _check_vector_obs(data: DatasetArrays, space: Any, problems: list[str]) -> None:
    obs = data.obs
    if is_image_space(space):
        problems.append(f"the observation space {space} is an image space but 'obs' holds arrays")
        return
    if isinstance(space, spaces.Discrete):
        if obs.shape[1:] != (1,) or obs.dtype.kind not in "iu":
            problems.append(
                f"observations are {obs.dtype} {obs.shape[1:]}, expected integer (1,) for {space}"
            )
            return
        if int(space.start) != 0:
            problems.append(
                f"the observation space {space} starts at {int(space.start)}; the policy "
                "one-hot encodes Discrete observations from 0, so it cannot train on it"
            )
        _check_range(obs, space, "observations", problems)
        return
    if obs.shape[1:] != space.shape:
        problems.append(f"observations have shape {obs.shape[1:]}, the space {space.shape}")
    if obs.dtype.kind == "f":
        bad = ~np.isfinite(_flat_rows(obs)).all(axis=1)
        _rows(bad, "observations are NaN or infinite", problems)


def _check_actions(data: DatasetArrays, space: Any, problems: list[str]) -> None:
    acts = data.actions
    if isinstance(space, spaces.Discrete):
        if acts.shape[1:] != (1,) or acts.dtype.kind not in "iu":
            problems.append(
                f"actions are {acts.dtype} {acts.shape[1:]}, expected integer (1,) for {space}"
            )
            return
        _check_range(acts, space, "actions", problems)
        return
    assert isinstance(space, spaces.Box)
    if acts.shape[1:] != space.shape:
        problems.append(f"actions have shape {acts.shape[1:]}, the action space {space.shape}")
        return
    if space.dtype.kind == "f" and acts.dtype.kind != "f":
        problems.append(f"actions are {acts.dtype}; the continuous {space} takes floats")
    flat = _flat_rows(acts).astype(np.float64)
    bad = ~np.isfinite(flat).all(axis=1)
    _rows(bad, "actions are NaN or infinite", problems)
    low = np.asarray(space.low, dtype=np.float64).reshape(-1)
    high = np.asarray(space.high, dtype=np.float64).reshape(-1)
    same = np.flatnonzero(low == high)
    if same.size:
        problems.append(
            f"the action space has low == high in {same.size} dimension(s) (first: {same[0]}); "
            "nothing can be learnt there and scaling would divide by zero"
        )
    span = np.where(np.isfinite(high - low), high - low, 0.0)
    slack = 1e-5 * np.maximum(span, 1.0)
    with np.errstate(invalid="ignore"):
        out = ((flat < low - slack) | (flat > high + slack)).any(axis=1) & ~bad
    _rows(out, f"actions lie outside the action space {space}", problems)


def _check_range(
    values: np.ndarray, space: spaces.Discrete, what: str, problems: list[str]
) -> None:
    """Discrete values must lie in [start, start + n)."""
    lo, hi = int(space.start), int(space.start) + int(space.n)
    flat = values.reshape(-1)
    bad = (flat < lo) | (flat >= hi)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        problems.append(
            f"{what} range {flat.min()}..{flat.max()} leaves {space} in {int(bad.sum())} "
            f"step(s), first: step {first} ({flat[first]})"
        )


def _flat_rows(values: np.ndarray) -> np.ndarray:
    """(N, ...) -> (N, prod(...)); unlike reshape(N, -1), also for N == 0."""
    return values.reshape(len(values), math.prod(values.shape[1:]))


def _rows(bad: Any, what: str, problems: list[str]) -> None:
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        problems.append(f"{what} in {int(bad.sum())} step(s), first: step {first}")


def _check_numbers(data: DatasetArrays, problems: list[str], warnings: list[str]) -> None:
    rewards = data.rewards.astype(np.float64)
    _rows(~np.isfinite(rewards), "rewards are NaN or infinite", problems)
    returns = data.episode_returns.astype(np.float64)
    bad = np.flatnonzero(~np.isfinite(returns))
    if bad.size:
        problems.append(
            f"episode_returns are NaN or infinite in {bad.size} episode(s), first: episode {bad[0]}"
        )
    if data.n_episodes and np.isfinite(rewards).all():
        sums = np.add.reduceat(rewards, data.episode_start_indices) if data.n_steps else rewards
        off = np.flatnonzero(~np.isclose(sums, returns, rtol=1e-5, atol=1e-6))
        if len(off):
            warnings.append(
                f"episode_returns differ from the sum of rewards in {len(off)} episode(s), "
                f"first: episode {off[0]}"
            )


def _check_images(
    data: DatasetArrays, problems: list[str], warnings: list[str]
) -> tuple[int, ...] | None:
    """Every image path inside the dataset's folder, every file a sound image of one shape.

    As the loader does, a relative path not found beside the archive is looked up in the
    working directory (SB2 stored paths relative to it), but only inside it.
    """
    root = os.path.realpath(data.root)
    cwd = os.path.realpath(os.getcwd())
    from_cwd = 0
    outside: list[int] = []
    missing: list[int] = []
    unreadable: list[tuple[int, str]] = []
    shapes: Counter[tuple[int, ...]] = Counter()
    first_of: dict[tuple[int, ...], int] = {}
    for step, stored in enumerate(data.obs):
        text = str(stored)
        parts = Path(text).parts
        if not text or os.path.isabs(text) or ".." in parts or "\x00" in text:
            outside.append(step)
            continue
        real = os.path.realpath(os.path.join(root, text))
        if not os.path.lexists(real):
            alt = os.path.realpath(os.path.join(cwd, text))
            if os.path.lexists(alt) and os.path.commonpath([cwd, alt]) == cwd:
                real, base = alt, cwd
                from_cwd += 1
            else:
                base = root
        else:
            base = root
        if os.path.commonpath([base, real]) != base:
            outside.append(step)
            continue
        try:
            image = read_image(real)
        except BCError as exc:
            unreadable.append((step, str(exc)))
            continue
        if image is None:
            if os.path.lexists(real):
                unreadable.append((step, "cannot be decoded"))
            else:
                missing.append(step)
            continue
        shapes[image.shape] += 1
        first_of.setdefault(image.shape, step)
    if from_cwd:
        warnings.append(
            f"{from_cwd} image path(s) resolve against the working directory (SB2's convention), "
            "not the archive's folder: the dataset loads only from here"
        )
    if outside:
        problems.append(
            f"{len(outside)} image path(s) lie outside the dataset's folder (absolute, '..' or "
            f"a link out): {_steps(data, outside)}"
        )
    if missing:
        problems.append(f"{len(missing)} image file(s) missing: {_steps(data, missing)}")
    if unreadable:
        shown = "; ".join(f"step {s}: {why}" for s, why in unreadable[:_SHOWN])
        more = f" and {len(unreadable) - _SHOWN} more" if len(unreadable) > _SHOWN else ""
        problems.append(f"{len(unreadable)} image file(s) unreadable: {shown}{more}")
    if not shapes:
        return None
    common = shapes.most_common(1)[0][0]
    if len(shapes) > 1:
        odd = sorted(first_of[s] for s in shapes if s != common)
        problems.append(
            f"images differ in size: {dict(shapes)} (first odd one: step {odd[0]}); "
            f"all must be {common}"
        )
    if len(common) != 3 or common[2] not in (1, 3, 4):
        problems.append(f"images are {common}; expected (H, W, C) with C in 1, 3, 4")
    elif min(common[:2]) < MIN_IMAGE_SIDE:
        problems.append(f"images are {common}; the CNN needs at least {MIN_IMAGE_SIDE}x5 pixels")
    return tuple(common)


def _steps(data: DatasetArrays, steps: list[int]) -> str:
    shown = ", ".join(f"{str(data.obs[s])[:80]!r} (step {s})" for s in steps[:_SHOWN])
    more = f" and {len(steps) - _SHOWN} more" if len(steps) > _SHOWN else ""
    return shown + more


def _check_replay(data: DatasetArrays, warnings: list[str]) -> None:
    """Warn when episodes cannot be re-simulated (image datasets replay from their files)."""
    if data.is_image:
        return
    env_id = data.metadata.get("env_id")
    if not isinstance(env_id, str) or not env_id:
        warnings.append("names no env id: its episodes can be trained on but not re-simulated")
        return
    if data.n_episodes and (data.episode_seeds < 0).any():
        n = int((data.episode_seeds < 0).sum())
        warnings.append(f"{n} episode(s) have no stored seed: they cannot be re-simulated")
    from bc.envs import untrusted_module

    module = untrusted_module(env_id)
    if module is not None:
        warnings.append(
            f"its env id {env_id!r} imports module {module!r}: replay and export need "
            "--trust-env-module"
        )
