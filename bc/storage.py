"""The SB2 expert archive on disk: `DatasetArrays`, validated `load`, atomic `save`."""

from __future__ import annotations

import json
import logging
import os
import uuid
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from bc import archive_guard, journal, recovery
from bc.errors import (
    BCError,
    DatasetError,
    DatasetNotFoundError,
    DatasetWriteError,
    MissingImagesError,
    UnsupportedSpaceError,
)
from bc.images import delete_own_images, resolve_image_path, resolve_image_paths
from bc.limits import Limits
from bc.limits import resolve as resolve_limits
from bc.lock import DatasetLock
from bc.spaces import discrete_space, is_image_space, space_from_description
from bc.trajectory import Episode

log = logging.getLogger(__name__)

SB2_KEYS = ("obs", "actions", "rewards", "episode_returns", "episode_starts")
EXTRA_KEYS: tuple[str, ...] = (
    "metadata",
    "episode_terminated",
    "episode_seeds",
    "step_times",
    "episode_created",
    "episode_final_obs",
    "step_latency",
    "image_crc32",
    "episode_final_crc32",
)
SOURCE_KEY = "episode_source"
"""Per episode, the file it came from (merged datasets); "" when unknown. Written when set."""
CURATION_KEYS = ("episode_tags", "episode_notes", "episode_flag")
"""Per-episode labels the user sets (bc.curation): JSON tag lists, a note, a flag 1/-1/0."""
EXTRA_KEYS += CURATION_KEYS
# Interactive imitation (docs/dagger.md): all four are present together, or none.
INTERACTIVE_KEYS: tuple[str, ...] = (
    "interventions",
    "policy_actions",
    "episode_kind",
    "episode_round",
)
EPISODE_KINDS = ("demonstration", "correction", "rollout")
FORMAT_VERSION = 1


@dataclass(frozen=True)
class DatasetArrays:
    """A whole dataset in memory: the five SB2 keys plus our optional extras (filled when absent).

    Extras absent from a file (SB2's files have none) read as: `episode_terminated` True (SB2
    only knew `done`), `episode_seeds` -1, `step_times` and `episode_created` NaN, `metadata` {}.
    """

    obs: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    episode_returns: np.ndarray
    episode_starts: np.ndarray
    metadata: dict[str, Any] = field(default_factory=dict)
    episode_terminated: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    episode_seeds: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    step_times: np.ndarray = field(default_factory=lambda: np.zeros(0))
    episode_created: np.ndarray = field(default_factory=lambda: np.zeros(0))
    episode_final_obs: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """The observation returned with each episode's end, one `obs` row per episode (images:
    stored paths); empty when the file has none (SB2's files, ours before the key existed)."""
    step_latency: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """Human input latency per step (s), NaN where no new input or not recorded."""
    episode_source: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=str))
    image_crc32: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint32))
    """Image datasets: CRC-32 of each frame file as written (empty when unknown)."""
    episode_final_crc32: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint32))
    """Image datasets: CRC-32 of each episode's final-observation frame (empty when unknown)."""
    path: Path | None = None
    """The archive this came from (None for in-memory data)."""
    pending_episodes: int = 0
    """Episodes read from the crash journal that the archive itself does not hold yet."""
    # -- curation (bc.curation): absent keys read as no tags, no note, flag unset --
    episode_tags: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype="<U2"))
    """Per episode, a JSON list of tag strings ('[]' for none)."""
    episode_notes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype="<U1"))
    """Per episode, free text ('' for none)."""
    episode_flag: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))
    """Per episode, 1 good/success, -1 bad/failure, 0 unset."""
    # -- interactive imitation (docs/dagger.md): empty when the file has none ------------
    interventions: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    """True where a human (or an expert's gate) was in control of a policy-driven episode."""
    policy_actions: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """The policy's proposal at each step, rows like `actions` (Discrete -1, Box NaN: none)."""
    episode_kind: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.str_))
    """"demonstration", "correction" or "rollout" per episode."""
    episode_round: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """DAgger round per episode (0 for plain demonstrations)."""

    def __post_init__(self) -> None:
        if any(getattr(self, k).size for k in INTERACTIVE_KEYS):
            _fill_interactive(self)
        problems = _shape_problems(self)
        if problems:
            raise DatasetError(self.path, problems)
        n_ep, n = self.n_episodes, self.n_steps
        defaults = {
            "episode_terminated": np.ones(n_ep, dtype=bool),
            "episode_seeds": np.full(n_ep, -1, dtype=np.int64),
            "step_times": np.full(n, np.nan),
            "episode_created": np.full(n_ep, np.nan),
            "step_latency": np.full(n, np.nan),
            SOURCE_KEY: np.full(n_ep, "", dtype="<U1"),
            "episode_tags": np.full(n_ep, "[]", dtype="<U2"),
            "episode_notes": np.full(n_ep, "", dtype="<U1"),
            "episode_flag": np.zeros(n_ep, dtype=np.int8),
        }
        for name, default in defaults.items():
            if getattr(self, name).size == 0 and default.size != 0:
                object.__setattr__(self, name, default)

    @property
    def n_steps(self) -> int:
        """Number of recorded steps N over all episodes."""
        return len(self.rewards)

    @property
    def n_episodes(self) -> int:
        """Number of episodes E."""
        return len(self.episode_returns)

    @property
    def episode_start_indices(self) -> np.ndarray:
        """Step index at which each episode starts, shape (E,)."""
        return np.flatnonzero(self.episode_starts)

    @property
    def episode_lengths(self) -> np.ndarray:
        """Steps in each episode, shape (E,)."""
        starts = self.episode_start_indices
        return np.diff(np.append(starts, self.n_steps))

    def episode_slice(self, index: int) -> slice:
        """Return the slice of step rows that belong to episode `index`."""
        starts = self.episode_start_indices
        if not -len(starts) <= index < len(starts):
            raise IndexError(f"episode {index} out of range (dataset has {len(starts)})")
        index %= len(starts)
        end = starts[index + 1] if index + 1 < len(starts) else self.n_steps
        return slice(int(starts[index]), int(end))

    @property
    def has_final_obs(self) -> bool:
        """True when every episode's final observation is stored (`episode_final_obs`)."""
        return self.n_episodes > 0 and len(self.episode_final_obs) == self.n_episodes

    @property
    def is_interactive(self) -> bool:
        """True when the dataset carries `interventions`, `policy_actions` and episode kinds."""
        return self.n_episodes > 0 and len(self.episode_kind) == self.n_episodes

    @property
    def is_image(self) -> bool:
        """True when `obs` holds image file paths."""
        return self.obs.dtype.kind in "US"

    @property
    def root(self) -> Path:
        """Folder that relative image paths are resolved against (the archive's folder)."""
        return self.path.parent if self.path is not None else Path.cwd()

    def image_path(self, step: int) -> Path:
        """Resolve the image file of step `step` (archive folder first, then the CWD)."""
        return resolve_image_path(str(self.obs[step]), self.root)

    def image_paths(self) -> list[Path]:
        """Resolve every image path, in step order."""
        return [Path(p) for p in resolve_image_paths(self.obs, self.root)]

    def episode(self, index: int) -> Episode:
        """Return episode `index` as an `Episode`."""
        sl = self.episode_slice(index)
        index %= self.n_episodes
        return Episode(
            obs=self.obs[sl],
            actions=self.actions[sl],
            rewards=self.rewards[sl],
            terminated=bool(self.episode_terminated[index]),
            seed=int(self.episode_seeds[index]),
            step_times=self.step_times[sl],
            created=float(self.episode_created[index]),
            final_obs=self.episode_final_obs[index] if self.has_final_obs else None,
            step_latency=self.step_latency[sl],
            **self._interactive_episode(sl, index),
        )

    def _interactive_episode(self, sl: slice, index: int) -> dict[str, Any]:
        """An episode's interactive fields for `Episode` ({} when the file has none)."""
        if not self.is_interactive:
            return {}
        return {
            "interventions": self.interventions[sl],
            "policy_actions": self.policy_actions[sl],
            "kind": str(self.episode_kind[index]),
            "round": int(self.episode_round[index]),
        }

    def select_episodes(self, indices: Iterable[int], allow_empty: bool = False) -> DatasetArrays:
        """Return a copy holding only the given episodes, in the given order.

        An empty selection raises DatasetError unless `allow_empty` (then: no episodes at all).
        """
        chosen = [int(i) % self.n_episodes for i in indices]
        if not chosen and not allow_empty:
            raise DatasetError(self.path, ["no episode selected"])
        rows = np.concatenate(
            [np.arange(self.n_steps)[self.episode_slice(i)] for i in chosen]
            or [np.zeros(0, dtype=np.int64)]
        )
        return replace(
            self,
            obs=self.obs[rows],
            actions=self.actions[rows],
            rewards=self.rewards[rows],
            episode_returns=self.episode_returns[chosen],
            episode_starts=self.episode_starts[rows],
            episode_terminated=self.episode_terminated[chosen],
            episode_seeds=self.episode_seeds[chosen],
            step_times=self.step_times[rows],
            episode_created=self.episode_created[chosen],
            episode_final_obs=(
                self.episode_final_obs[chosen] if self.has_final_obs else self.episode_final_obs
            ),
            step_latency=self.step_latency[rows],
            episode_source=self.episode_source[chosen],
            image_crc32=self.image_crc32[rows] if self.image_crc32.size else self.image_crc32,
            episode_final_crc32=(
                self.episode_final_crc32[chosen]
                if self.episode_final_crc32.size
                else self.episode_final_crc32
            ),
            pending_episodes=0,
            episode_tags=self.episode_tags[chosen],
            episode_notes=self.episode_notes[chosen],
            episode_flag=self.episode_flag[chosen],
            **_as_kwargs(
                {
                    "interventions": self.interventions[rows],
                    "policy_actions": self.policy_actions[rows],
                    "episode_kind": self.episode_kind[chosen],
                    "episode_round": self.episode_round[chosen],
                }
                if self.is_interactive
                else {}
            ),
        )

    def observation_space(self) -> gym.Space[Any]:
        """The observation space: from the metadata, else inferred from the arrays (SB2 files)."""
        desc = self.metadata.get("observation_space")
        if isinstance(desc, dict):
            return space_from_description(desc)
        if self.is_image:
            first = _first_image_shape(self)
            return spaces.Box(0, 255, shape=first, dtype=np.uint8)
        if self.obs.ndim == 2 and self.obs.shape[1] == 1 and self.obs.dtype.kind in "iu":
            if self.n_steps == 0:
                raise DatasetError(self.path, ["no steps to infer the observation space from"])
            return discrete_space(int(self.obs.max()) + 1, 0, "inferred observation")
        dtype = self.obs.dtype
        if dtype.kind == "f":
            low, high = -np.inf, np.inf
        elif dtype.kind == "b":
            low, high = 0, 1
        else:
            info = np.iinfo(dtype) if dtype.kind in "iu" else np.iinfo(np.uint8)
            low, high = info.min, info.max
        try:
            return spaces.Box(low, high, shape=self.obs.shape[1:], dtype=dtype)  # type: ignore[arg-type]
        except (ValueError, TypeError, AssertionError) as exc:
            raise UnsupportedSpaceError(
                f"cannot infer an observation space from {dtype} {self.obs.shape[1:]}: {exc}"
            ) from exc

    def action_space(self) -> gym.Space[Any]:
        """The action space: from the metadata, else inferred from the arrays (SB2 files).

        SB2 files do not record Box bounds: they are taken from the data's own min and max.
        """
        desc = self.metadata.get("action_space")
        if isinstance(desc, dict):
            return space_from_description(desc)
        acts = self.actions
        if self.n_steps == 0:
            raise DatasetError(self.path, ["no steps to infer the action space from"])
        if acts.dtype.kind in "iu" and acts.ndim == 2 and acts.shape[1] == 1:
            return discrete_space(int(acts.max()) + 1, 0, "inferred action")
        if acts.dtype.kind != "f":
            raise UnsupportedSpaceError(f"cannot infer an action space from {acts.dtype} actions")
        with warnings.catch_warnings():  # an all-NaN column: unbounded (check reports it)
            warnings.simplefilter("ignore", RuntimeWarning)
            low, high = np.nanmin(acts, axis=0), np.nanmax(acts, axis=0)
        low = np.where(np.isfinite(low), low, -np.inf)
        high = np.where(np.isfinite(high), high, np.inf)
        try:
            return spaces.Box(low, high, shape=acts.shape[1:], dtype=acts.dtype)
        except (ValueError, TypeError, AssertionError) as exc:
            raise UnsupportedSpaceError(
                f"cannot infer an action space from {acts.dtype} {acts.shape[1:]}: {exc}"
            ) from exc

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Return the archive's arrays: the five SB2 keys, then our extras (no pickle needed)."""
        sources = {SOURCE_KEY: self.episode_source.astype(str)} if self.has_sources else {}
        arrays = {
            "obs": self.obs,
            "actions": self.actions,
            "rewards": self.rewards.astype(np.float64, copy=False),
            "episode_returns": self.episode_returns.astype(np.float64, copy=False),
            "episode_starts": self.episode_starts.astype(bool, copy=False),
            "metadata": np.array(json.dumps(self.metadata, sort_keys=True)),
            "episode_terminated": self.episode_terminated.astype(bool, copy=False),
            "episode_seeds": self.episode_seeds.astype(np.int64, copy=False),
            "step_times": self.step_times.astype(np.float64, copy=False),
            "episode_created": self.episode_created.astype(np.float64, copy=False),
            "step_latency": self.step_latency.astype(np.float64, copy=False),
        } | sources
        if self.has_final_obs:
            arrays["episode_final_obs"] = self.episode_final_obs
        if self.n_episodes:  # curation: written only when there is an episode to label
            arrays["episode_tags"] = self.episode_tags.astype(str)
            arrays["episode_notes"] = self.episode_notes.astype(str)
            arrays["episode_flag"] = self.episode_flag.astype(np.int8, copy=False)
        if self.image_crc32.size:
            arrays["image_crc32"] = self.image_crc32.astype(np.uint32, copy=False)
        if self.episode_final_crc32.size:
            arrays["episode_final_crc32"] = self.episode_final_crc32.astype(np.uint32, copy=False)
        if self.is_interactive:
            arrays["interventions"] = self.interventions.astype(bool, copy=False)
            arrays["policy_actions"] = self.policy_actions
            arrays["episode_kind"] = self.episode_kind.astype(np.str_, copy=False)
            arrays["episode_round"] = self.episode_round.astype(np.int64, copy=False)
        return arrays

    @property
    def has_sources(self) -> bool:
        """True when any episode names the file it came from (`episode_source`)."""
        return bool(self.episode_source.size and np.any(self.episode_source != ""))

    def sb2_dict(self) -> dict[str, np.ndarray]:
        """Return only the five SB2 keys, as `generate_expert_traj` returns them."""
        arrays = self.to_arrays()
        return {key: arrays[key] for key in SB2_KEYS}

    @classmethod
    def from_episodes(
        cls, episodes: Sequence[Episode], metadata: dict[str, Any] | None = None
    ) -> DatasetArrays:
        """Concatenate episodes into one dataset."""
        if not episodes:
            raise DatasetError(None, ["no episodes"])
        starts = [np.zeros(e.length, dtype=bool) for e in episodes]
        for s in starts:
            s[0] = True
        finals = [e.final_obs for e in episodes]
        final_obs = np.zeros(0)
        if all(f is not None for f in finals):
            final_obs = np.stack([np.asarray(f) for f in finals])
        elif any(f is not None for f in finals):
            log.warning("some episodes have no final observation: episode_final_obs not kept")
        return cls(
            obs=np.concatenate([e.obs for e in episodes]),
            actions=np.concatenate([e.actions for e in episodes]),
            rewards=np.concatenate([e.rewards for e in episodes]).astype(np.float64),
            episode_returns=np.array([e.ret for e in episodes], dtype=np.float64),
            episode_starts=np.concatenate(starts),
            metadata=dict(metadata or {}),
            episode_terminated=np.array([e.terminated for e in episodes], dtype=bool),
            episode_seeds=np.array([e.seed for e in episodes], dtype=np.int64),
            step_times=np.concatenate([e.step_times for e in episodes]).astype(np.float64),
            episode_created=np.array([e.created for e in episodes], dtype=np.float64),
            episode_final_obs=final_obs,
            step_latency=np.concatenate([e.step_latency for e in episodes]).astype(np.float64),
            **_as_kwargs(_interactive_from_episodes(episodes)),
        )


def concatenate(parts: Sequence[DatasetArrays]) -> DatasetArrays:
    """Join datasets end to end; metadata comes from the first that has any."""
    if len(parts) == 1:
        return parts[0]
    problems = []
    first = parts[0]
    for other in parts[1:]:
        if (
            other.obs.shape[1:] != first.obs.shape[1:]
            or other.obs.dtype.kind != first.obs.dtype.kind
        ):
            problems.append(
                f"observations {other.obs.shape[1:]} {other.obs.dtype} do not match "
                f"{first.obs.shape[1:]} {first.obs.dtype}"
            )
        if other.actions.shape[1:] != first.actions.shape[1:]:
            problems.append(
                f"actions {other.actions.shape[1:]} do not match {first.actions.shape[1:]}"
            )
    if problems:
        raise DatasetError(first.path, problems)
    metadata = next((p.metadata for p in parts if p.metadata), {})

    if any(p.is_interactive for p in parts):
        parts = [_with_interactive(p) for p in parts]

    def cat(name: str) -> np.ndarray:
        return np.concatenate([getattr(p, name) for p in parts])

    obs = cat("obs")
    final_obs = np.zeros(0)
    if all(p.has_final_obs for p in parts):
        final_obs = cat("episode_final_obs")
        final_obs = final_obs.astype(first.obs.dtype) if obs.dtype.kind not in "US" else final_obs
    elif any(p.has_final_obs for p in parts):
        log.warning(
            "%s: some episodes have no final observation (recorded before episode_final_obs "
            "existed): the key is left out; `convert` adds it back by re-simulation",
            first.path,
        )
    crcs = [p.image_crc32 for p in parts]
    has_crc = all(c.size == p.n_steps for c, p in zip(crcs, parts, strict=True))
    final_crcs = [p.episode_final_crc32 for p in parts]
    has_final_crc = all(c.size == p.n_episodes for c, p in zip(final_crcs, parts, strict=True))
    return DatasetArrays(
        obs=obs.astype(first.obs.dtype) if obs.dtype.kind not in "US" else obs,
        actions=cat("actions").astype(first.actions.dtype),
        rewards=cat("rewards"),
        episode_returns=cat("episode_returns"),
        episode_starts=cat("episode_starts"),
        metadata=metadata,
        episode_terminated=cat("episode_terminated"),
        episode_seeds=cat("episode_seeds"),
        step_times=cat("step_times"),
        episode_created=cat("episode_created"),
        episode_final_obs=final_obs,
        step_latency=cat("step_latency"),
        episode_source=cat(SOURCE_KEY).astype(str),
        image_crc32=np.concatenate(crcs) if has_crc and obs.size else np.zeros(0, np.uint32),
        episode_final_crc32=(
            np.concatenate(final_crcs)
            if has_final_crc and len(final_obs)
            else np.zeros(0, np.uint32)
        ),
        path=first.path,
        episode_tags=cat("episode_tags").astype(str),
        episode_notes=cat("episode_notes").astype(str),
        episode_flag=cat("episode_flag").astype(np.int8),
        **_as_kwargs(
            {
                "interventions": cat("interventions"),
                "policy_actions": cat("policy_actions").astype(first.actions.dtype),
                "episode_kind": cat("episode_kind"),
                "episode_round": cat("episode_round"),
            }
            if parts[0].is_interactive
            else {}
        ),
    )


def no_policy_action(actions: np.ndarray, n: int) -> np.ndarray:
    """`n` rows of "no policy action" shaped like `actions`' rows: -1 (integers) or NaN."""
    shape = (n, *actions.shape[1:])
    if actions.dtype.kind == "f":
        return np.full(shape, np.nan, dtype=actions.dtype)
    return np.full(shape, -1, dtype=actions.dtype if actions.dtype.kind == "i" else np.int64)


def _as_kwargs(fields: dict[str, Any]) -> dict[str, Any]:
    """Optional keyword arguments, typed loosely for `**` (mypy)."""
    return fields


def _fill_interactive(d: DatasetArrays) -> None:
    """Give absent interactive keys their defaults (a plain demonstration) once any is set."""
    n_ep, n = len(d.episode_returns), len(d.rewards)
    defaults: dict[str, Callable[[], np.ndarray]] = {
        "interventions": lambda: np.zeros(n, dtype=bool),
        "policy_actions": lambda: no_policy_action(d.actions, n),
        "episode_kind": lambda: np.full(n_ep, "demonstration"),
        "episode_round": lambda: np.zeros(n_ep, dtype=np.int64),
    }
    for name, default in defaults.items():
        if getattr(d, name).size == 0 and (
            n if name in ("interventions", "policy_actions") else n_ep
        ):
            object.__setattr__(d, name, default())


def _with_interactive(d: DatasetArrays) -> DatasetArrays:
    """`d` with the interactive keys filled (its episodes then count as demonstrations)."""
    if d.is_interactive:
        return d
    return replace(d, episode_kind=np.full(d.n_episodes, "demonstration"))


def _interactive_from_episodes(episodes: Sequence[Episode]) -> dict[str, np.ndarray]:
    """The interactive keys of concatenated episodes ({} when none of them has any)."""
    if not any(e.is_interactive for e in episodes):
        return {}
    template = np.asarray(episodes[0].actions)
    interventions, proposals = [], []
    for e in episodes:
        interventions.append(
            e.interventions.astype(bool) if len(e.interventions) else np.zeros(e.length, bool)
        )
        proposals.append(
            np.asarray(e.policy_actions).astype(template.dtype)
            if len(e.policy_actions)
            else no_policy_action(template, e.length)
        )
    return {
        "interventions": np.concatenate(interventions),
        "policy_actions": np.concatenate(proposals),
        "episode_kind": np.array([e.kind or "demonstration" for e in episodes], dtype=np.str_),
        "episode_round": np.array([e.round for e in episodes], dtype=np.int64),
    }


def _shape_problems(d: DatasetArrays) -> list[str]:
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


def _first_image_shape(d: DatasetArrays) -> tuple[int, int, int]:
    """Shape of the first image of an image dataset (read from its file)."""
    from bc.images import read_image

    if d.n_steps == 0:
        raise DatasetError(d.path, ["no steps to infer the image shape from"])
    image = read_image(d.image_path(0))
    if image is None:
        raise MissingImagesError(d.path, [f"cannot read image of step 0: {d.obs[0]}"])
    return (int(image.shape[0]), int(image.shape[1]), int(image.shape[2]))


def _precheck(path: Path, limits: Limits) -> None:
    """Refuse a path that is no archive, or whose sizes break `limits`, before numpy reads it."""
    if not os.path.exists(path):  # os.path: a name too long is "no such file", not an OSError
        raise DatasetNotFoundError(path, ["no such file"])
    if os.path.isdir(path):
        raise DatasetError(path, ["is a folder, expected an .npz archive"])
    if not os.path.isfile(path):
        raise DatasetError(path, ["is not a regular file, expected an .npz archive"])
    try:
        with open(path, "rb") as fh:
            magic = fh.read(4)
    except OSError as exc:  # no permission, an I/O error
        raise DatasetError(path, [f"cannot read it: {exc.strerror or exc}"]) from exc
    if magic[:2] != b"PK":
        kind = "empty file" if not magic else "does not start with a zip header"
        raise DatasetError(path, [f"not an .npz archive ({kind})"])
    archive_guard.scan(path, limits)


def _read_archive(path: Path, limits: Limits) -> DatasetArrays:
    """Read and validate one archive (no journal), reporting every problem together."""
    _precheck(path, limits)
    try:
        npz = np.load(path, allow_pickle=False)
    except Exception as exc:  # whatever numpy or zipfile raise, the file is unreadable
        raise DatasetError(
            path, [f"not a readable .npz archive (corrupt or truncated): {exc}"]
        ) from exc
    if not isinstance(npz, np.lib.npyio.NpzFile):
        raise DatasetError(path, ["is a single .npy array, expected an .npz archive of arrays"])
    with npz:
        missing = [key for key in SB2_KEYS if key not in npz.files]
        if missing:
            found = ", ".join(npz.files) or "none"
            raise DatasetError(
                path,
                [f"missing key(s) {', '.join(missing)} (found: {found}); not an SB2 dataset"],
            )
        arrays: dict[str, Any] = {}
        problems: list[str] = []
        for key in (*SB2_KEYS, *EXTRA_KEYS, SOURCE_KEY, *INTERACTIVE_KEYS):
            if key not in npz.files:
                continue
            try:
                arrays[key] = npz[key]
            except ValueError as exc:
                if "allow_pickle" in str(exc):
                    problems.append(
                        f"array '{key}' holds pickled Python objects; refusing to unpickle"
                    )
                else:
                    problems.append(f"array '{key}' is unreadable: {exc}")
            except Exception as exc:  # zlib, CRC, NotImplementedError...: all mean corrupt
                problems.append(f"array '{key}' is unreadable (corrupt or truncated): {exc}")
    if problems:
        raise DatasetError(path, problems)
    metadata: dict[str, Any] = {}
    if "metadata" in arrays:
        try:
            metadata = json.loads(str(arrays.pop("metadata")))
        except (json.JSONDecodeError, RecursionError) as exc:
            raise DatasetError(path, [f"'metadata' is not valid JSON: {exc}"]) from exc
        if not isinstance(metadata, dict):
            raise DatasetError(path, ["'metadata' must be a JSON object"])
    return DatasetArrays(**arrays, metadata=metadata, path=path)


def load(
    path: str | Path,
    *,
    check_images: bool = True,
    merge_journal: bool = True,
    limits: Limits | None = None,
) -> DatasetArrays:
    """Load an SB2 expert dataset (ours or SB2's), validated, with unmerged episodes recovered.

    Args:
        path: the `.npz` archive ('.npz' is added when missing, as SB2's save path omits it).
        check_images: for image datasets, check that every referenced file exists.
        merge_journal: include finished episodes still in the crash journal (see `journal`).
        limits: limits on what the file may make us allocate (default: `bc.limits.current()`).

    When no other writer holds the dataset's lock, loading first repairs what a killed writer
    left (see `bc.recovery`): a replace cut short is undone, temp files go, and unreadable
    journal files are moved to `name.npz.journal-damaged/` (kept, never deleted).

    Returns:
        The dataset, with `pending_episodes` counting those recovered from the journal.

    Raises:
        DatasetError: the file is missing, corrupt, foreign, or its arrays disagree (all
            problems in one message); or a replace by another writer is under way and the data
            is in the backup (the message names it).
        MissingImagesError: image files are missing (how many, and the first few by step).
        LimitError: the file asks for more memory than `limits` allow (before allocating it).
    """
    path = normalise_path(path)
    if path.is_dir():
        raise DatasetError(path, ["is a folder, expected an .npz archive"])
    limits = resolve_limits(limits)
    if os.path.lexists(path):  # the journal reads the archive's metadata: check the file first
        _precheck(path, limits)
    recovery.repair_if_free(path)
    try:
        parts = journal.unmerged_parts(path) if merge_journal else []
    except OSError as exc:  # e.g. a name too long for the file system
        raise DatasetError(path, [f"cannot look for its journal: {exc.strerror or exc}"]) from exc
    if path.exists() or not parts:
        pieces = [_read_archive(path, limits)]
    else:
        pieces = []
    pending = 0
    damaged = []
    for part in parts:
        try:
            piece = _read_archive(part, limits)
        except DatasetError as exc:
            log.warning("unreadable journal entry %s: %s", part, exc)
            damaged.append(part)
            continue
        pieces.append(replace(piece, path=path))
        pending += piece.n_episodes
    if damaged:
        _set_aside_if_free(path, damaged)
    if not pieces:
        raise DatasetNotFoundError(
            path, ["no such file, and no recoverable episodes in its journal"]
        )
    data = replace(concatenate(pieces), path=path, pending_episodes=pending)
    if check_images and data.is_image:
        check_image_files(data)
    return data


def _set_aside_if_free(path: Path, parts: list[Path]) -> None:
    """Move unreadable journal files to the damaged folder when no writer holds the lock."""
    try:
        with DatasetLock(path, "setting aside damaged journal files"):
            for part in parts:
                if part.exists():
                    target = journal.move_aside(path, part)
                    log.warning("moved unreadable journal file %s to %s (kept)", part, target)
    except (BCError, OSError) as exc:
        log.warning("left unreadable journal files of %s in place: %s", path, exc)


def check_image_files(data: DatasetArrays) -> None:
    """Raise MissingImagesError naming how many image files are missing and which steps."""
    missing = [(i, p) for i, p in enumerate(data.image_paths()) if not os.path.isfile(p)]
    if missing:
        shown = ", ".join(f"{data.obs[i]} (step {i})" for i, _ in missing[:3])
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        raise MissingImagesError(
            data.path, [f"{len(missing)} of {data.n_steps} image files missing: {shown}{more}"]
        )
    if data.has_final_obs:
        finals = resolve_image_paths(data.episode_final_obs, data.root)
        gone = [i for i, p in enumerate(finals) if not os.path.isfile(p)]
        if gone:
            raise MissingImagesError(
                data.path,
                [
                    f"{len(gone)} final-observation image file(s) missing: "
                    f"{data.episode_final_obs[gone[0]]} (episode {gone[0]})"
                ],
            )


def frame_mismatches(data: DatasetArrays) -> list[str]:
    """Problems with an image dataset's frame files beyond their existence (empty when fine).

    Frames whose bytes differ from the CRC-32 recorded when they were written (another
    dataset or a person overwrote them), and frames lying in an image folder that another
    dataset's `.dataset` file claims.
    """
    from bc.images import OWNER_FILE, file_crc32, folder_owner

    if not data.is_image or data.path is None:
        return []
    problems = []
    paths = data.image_paths()
    if data.image_crc32.size == data.n_steps:
        bad = [i for i, p in enumerate(paths) if file_crc32(p) != int(data.image_crc32[i])]
        if bad:
            shown = ", ".join(f"{data.obs[i]} (step {i})" for i in bad[:3])
            more = f" and {len(bad) - 3} more" if len(bad) > 3 else ""
            problems.append(
                f"{len(bad)} of {data.n_steps} frame files differ from the frames recorded "
                f"(overwritten by another dataset?): {shown}{more}"
            )
    if data.has_final_obs and data.episode_final_crc32.size == data.n_episodes:
        finals = [Path(p) for p in resolve_image_paths(data.episode_final_obs, data.root)]
        bad = [i for i, p in enumerate(finals) if file_crc32(p) != int(data.episode_final_crc32[i])]
        if bad:
            problems.append(
                f"{len(bad)} of {data.n_episodes} final-observation frame files differ from the "
                f"frames recorded (overwritten by another dataset?): "
                f"{data.episode_final_obs[bad[0]]} (episode {bad[0]})"
            )
        paths = [*paths, *finals]
    owners = {}
    for p in paths:
        if p.parent not in owners:
            owners[p.parent] = folder_owner(p.parent)
    for folder, owner in owners.items():
        if owner is not None and owner != data.path.name:
            problems.append(
                f"frames are in {folder}, which its {OWNER_FILE} file says belongs to {owner}"
            )
    return problems


def normalise_path(path: str | Path) -> Path:
    """Add '.npz' when missing, as `np.savez` does for SB2's save paths."""
    p = Path(path)
    if p.suffix == ".npz" or p.name in ("", ".", "..") or os.path.isdir(p):
        return p  # a folder stays itself, and load says it is one
    return p.with_name(p.name + ".npz")


def save(path: str | Path, data: DatasetArrays) -> Path:
    """Write a dataset atomically (temp file, fsync, rename): a reader sees old or new, never half.

    Holds the dataset's lock while writing.

    Raises:
        DatasetWriteError: the disk refused the write; the previous file is untouched.
        DatasetLockedError: another writer has the dataset open.
        DatasetError: `path` is a folder.
    """
    path = normalise_path(path)
    if path.is_dir():
        raise DatasetError(path, ["is a folder, expected an .npz archive"])
    with DatasetLock(path, "saving"):
        atomic_savez(path, data.to_arrays())
    return path


def check_writable(folder: Path) -> None:
    """Create and remove a small file in `folder` (made if missing) to prove it takes writes.

    Raises:
        DatasetWriteError: naming the OS's reason (read-only file system, permission denied,
            no space left on device, file too large).
    """
    probe = folder / f".write-test.{os.getpid()}.{uuid.uuid4().hex[:8]}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(probe, "wb") as fh:
            fh.write(b"\0" * 4096)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        raise DatasetWriteError(
            f"cannot write in {folder}: {exc.strerror or exc}; choose another location"
        ) from exc
    finally:
        try:
            probe.unlink(missing_ok=True)
        except OSError:
            pass


def atomic_savez(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write an uncompressed .npz to a temp file beside `path`, fsync it, then rename it in place.

    Raises:
        DatasetWriteError: on any OSError (full disk, no permission), after removing the temp file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)  # type: ignore[arg-type]
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        recovery.fsync_dir(path.parent)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        reason = exc.strerror or str(exc)
        raise DatasetWriteError(f"could not write {path}: {reason}") from exc


def consolidate(path: str | Path) -> DatasetArrays:
    """Merge the crash journal into the archive on disk, atomically, and clear the journal.

    Safe against a crash at any point: the archive names the journal files it absorbed, so a
    journal file left behind after the rename is recognised and removed on the next call.

    Raises:
        DatasetLockedError: another writer has the dataset open.
    """
    path = normalise_path(path)
    with DatasetLock(path, "merging the journal"):
        return merge_journal(path)


def merge_journal(path: Path) -> DatasetArrays:
    """`consolidate` for a caller that already holds the dataset's lock."""
    recovery.repair(path)
    for part in journal.unmerged_parts(path):
        try:
            _read_archive(part, resolve_limits(None))
        except DatasetError as exc:
            target = journal.move_aside(path, part)
            log.warning("moved unreadable journal file %s to %s (kept): %s", part, target, exc)
    data = load(path, check_images=False)
    parts = journal.unmerged_parts(path)
    if data.pending_episodes:
        metadata = dict(data.metadata)
        metadata["journal_merged"] = [p.name for p in parts]
        data = replace(data, metadata=metadata, pending_episodes=0)
        atomic_savez(path, data.to_arrays())
    journal.remove_merged(path, data.metadata.get("journal_merged", []))
    return replace(data, pending_episodes=0)


def delete_episodes(path: str | Path, indices: Iterable[int]) -> DatasetArrays:
    """Remove episodes from a dataset on disk: atomic rewrite, then their image files.

    Image files of the kept episodes keep their names; new recordings number theirs after the
    highest number in use, so nothing is overwritten.

    Only regular files inside the dataset's own image folder are deleted: an image path that
    names anything else (`../x`, an absolute path, a symlink) is left alone and logged.

    Raises:
        DatasetError: an index is out of range.
        DatasetLockedError: another writer has the dataset open.
    """
    path = normalise_path(path)
    with DatasetLock(path, "deleting episodes"):
        data = merge_journal(path)
        drop = {int(i) for i in indices}
        bad = sorted(i for i in drop if not 0 <= i < data.n_episodes)
        if bad:
            raise DatasetError(path, [f"no episode {bad} (dataset has {data.n_episodes})"])
        keep = [i for i in range(data.n_episodes) if i not in drop]
        # deleting every episode leaves a valid dataset with none, which can be recorded into again
        kept = data.select_episodes(keep, allow_empty=True)
        metadata = {k: v for k, v in kept.metadata.items() if k != "journal_merged"}
        atomic_savez(path, replace(kept, metadata=metadata).to_arrays())
        if data.is_image:
            kept_files = {str(p) for p in kept.obs}
            if kept.has_final_obs:
                kept_files.update(str(p) for p in kept.episode_final_obs)
            gone: list[str] = []
            for i in sorted(drop):
                dropped = [str(p) for p in data.obs[data.episode_slice(i)]]
                if data.has_final_obs:
                    dropped.append(str(data.episode_final_obs[i]))
                gone.extend(p for p in dropped if p not in kept_files)
            delete_own_images(path, gone, data.metadata.get("image_folder"))
    return load(path, check_images=False)


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
        elif data.n_steps and tuple(observation_space.shape) != _first_image_shape(data):  # type: ignore[arg-type]
            problems.append(
                f"images are {_first_image_shape(data)}, the env's observations "
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
