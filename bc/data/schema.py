"""The archive's key names and format constants (docs/format.md)."""

from __future__ import annotations

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
