"""Record Stable-Baselines-2 expert datasets from any Gymnasium env and train behaviour cloning.

Public names are imported lazily, so `import bc` stays fast and torch loads only when a
policy or the trainer is used.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "generate_expert_traj": "bc.record",
    "as_expert": "bc.rollout",
    "Recorder": "bc.recorder",
    "ExpertDataset": "bc.dataset",
    "DataLoader": "bc.dataloader",
    "DatasetArrays": "bc.storage",
    "load": "bc.storage",
    "save": "bc.storage",
    "Episode": "bc.trajectory",
    "BC": "bc.model",
    "pretrain": "bc.trainer",
    "evaluate_policy": "bc.evaluation",
    "Policy": "bc.policies",
    "BCError": "bc.errors",
    "DatasetError": "bc.errors",
    "MissingImagesError": "bc.errors",
    "UnsupportedSpaceError": "bc.errors",
    "SpaceMismatchError": "bc.errors",
    "EnvError": "bc.errors",
    "DatasetWriteError": "bc.errors",
    "PolicyFileError": "bc.errors",
    "ExpertError": "bc.errors",
    "ConversionError": "bc.errors",
    "convert": "bc.convert",
    "dagger": "bc.interactive",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'bc' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """List the public names for tab completion."""
    return sorted(set(globals()) | set(_EXPORTS))
