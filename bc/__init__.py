"""Record Stable-Baselines-2 expert datasets from any Gymnasium env and train behaviour cloning.

Public names are imported lazily, so `import bc` stays fast and torch loads only when a
policy or the trainer is used.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import Any

try:  # the one version source is pyproject.toml, read back from the installed metadata
    __version__ = version("demo-recorder")
except PackageNotFoundError:  # a source tree on sys.path that was never installed
    __version__ = "0+unknown"

_EXPORTS = {
    "generate_expert_traj": "bc.record",
    "as_expert": "bc.rollout",
    "Recorder": "bc.data.recorder",
    "ExpertDataset": "bc.dataset",
    "DataLoader": "bc.dataloader",
    "DatasetArrays": "bc.data.arrays",
    "load": "bc.data.archive",
    "save": "bc.data.archive",
    "Episode": "bc.data.trajectory",
    "BC": "bc.train.model",
    "pretrain": "bc.train.loop",
    "evaluate_policy": "bc.evaluation",
    "Policy": "bc.train.policies",
    "TrainConfig": "bc.train.config",
    "TrainResult": "bc.train.api",
    "BCError": "bc.errors",
    "InvalidArgumentError": "bc.errors",
    "DatasetNotFoundError": "bc.errors",
    "PolicyNotFoundError": "bc.errors",
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
    "LimitError": "bc.errors",
    "UsageError": "bc.errors",
    "UntrustedEnvModuleError": "bc.errors",
    "Limits": "bc.limits",
    "check_dataset": "bc.data.checks",
    "TrainConfigError": "bc.errors",
    "TrainingError": "bc.errors",
    "dagger": "bc.interactive.rounds",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use."""
    if name == "train":  # the subpackage: `bc.train.train(...)`, `bc.train.TrainConfig`
        return importlib.import_module("bc.train")
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'bc' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """List the public names for tab completion."""
    return sorted(set(globals()) | set(_EXPORTS))
