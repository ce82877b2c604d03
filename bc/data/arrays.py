"""`DatasetArrays`: a whole SB2 expert dataset in memory, with our optional extras."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from bc.data import infer
from bc.data.images import resolve_image_path, resolve_image_paths
from bc.data.schema import INTERACTIVE_KEYS, SB2_KEYS, SOURCE_KEY
from bc.data.trajectory import Episode
from bc.data.validate import shape_problems
from bc.errors import DatasetError

log = logging.getLogger(__name__)


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
        problems = shape_problems(self)
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

    def policy_driven(self, index: int) -> bool:
        """True when episode `index` was driven by a policy (a correction or a rollout)."""
        return self.is_interactive and str(self.episode_kind[index]) != "demonstration"

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
            **as_kwargs(
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
        return infer.observation_space(self)

    def action_space(self) -> gym.Space[Any]:
        """The action space: from the metadata, else inferred from the arrays (SB2 files).

        SB2 files do not record Box bounds: they are taken from the data's own min and max.
        """
        return infer.action_space(self)

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
            **as_kwargs(_interactive_from_episodes(episodes)),
        )


def no_policy_action(actions: np.ndarray, n: int) -> np.ndarray:
    """`n` rows of "no policy action" shaped like `actions`' rows: -1 (integers) or NaN."""
    shape = (n, *actions.shape[1:])
    if actions.dtype.kind == "f":
        return np.full(shape, np.nan, dtype=actions.dtype)
    return np.full(shape, -1, dtype=actions.dtype if actions.dtype.kind == "i" else np.int64)


def policy_action_or_none(row: Any) -> np.ndarray | None:
    """A stored `policy_actions` row, or None for the "no policy action" marker (-1 / NaN)."""
    a = np.asarray(row)
    if a.dtype.kind == "f":
        return None if bool(np.isnan(a).any()) else a
    return None if bool((a < 0).any()) else a


def as_kwargs(fields: dict[str, Any]) -> dict[str, Any]:
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
