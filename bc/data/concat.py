"""Join datasets end to end (`concatenate`): the archive with its journal, merged files."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from bc.data.arrays import DatasetArrays, as_kwargs
from bc.data.schema import SOURCE_KEY
from bc.errors import DatasetError

log = logging.getLogger(__name__)


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
        **as_kwargs(
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


def _with_interactive(d: DatasetArrays) -> DatasetArrays:
    """`d` with the interactive keys filled (its episodes then count as demonstrations)."""
    if d.is_interactive:
        return d
    return replace(d, episode_kind=np.full(d.n_episodes, "demonstration"))
