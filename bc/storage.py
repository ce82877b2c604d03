"""Old home of the dataset archive code, kept so existing imports work: see `bc.data`.

`bc.storage.load`, `save`, `consolidate` and `DatasetArrays` were shown in the docs; new code
imports from the `bc.data` modules (`bc.data.archive`, `bc.data.arrays`, `bc.data.editing`...).
"""

from bc.data.archive import atomic_savez, check_writable, load, normalise_path, save
from bc.data.arrays import DatasetArrays, no_policy_action
from bc.data.concat import concatenate
from bc.data.editing import consolidate, delete_episodes, merge_journal
from bc.data.image_checks import check_image_files, frame_mismatches
from bc.data.schema import (
    CURATION_KEYS,
    EPISODE_KINDS,
    EXTRA_KEYS,
    FORMAT_VERSION,
    INTERACTIVE_KEYS,
    SB2_KEYS,
    SOURCE_KEY,
)
from bc.data.validate import space_problems

__all__ = [
    "CURATION_KEYS",
    "EPISODE_KINDS",
    "EXTRA_KEYS",
    "FORMAT_VERSION",
    "INTERACTIVE_KEYS",
    "SB2_KEYS",
    "SOURCE_KEY",
    "DatasetArrays",
    "atomic_savez",
    "check_image_files",
    "check_writable",
    "concatenate",
    "consolidate",
    "delete_episodes",
    "frame_mismatches",
    "load",
    "merge_journal",
    "no_policy_action",
    "normalise_path",
    "save",
    "space_problems",
]
