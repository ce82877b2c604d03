"""Behaviour-cloning training: policies, one training loop, `TrainConfig` and `train()`.

- `policies`: `Policy` (MLP or CNN body, Discrete or Box head, save/load);
- `config`: `TrainConfig`, every setting with the one set of defaults;
- `loop`: `fit`, the one training loop, and `pretrain` (SB2's entry point);
- `adapters` / `sb3`: what the loop trains (our policies, Stable-Baselines3 models);
- `data`: batches as tensors (vectors) or from the decoding loader (images);
- `api`: `train()`, dataset -> policy -> saved file -> evaluation;
- `distributed`: torchrun / DistributedDataParallel;
- `model`: `BC`, the SB2-shaped model object.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "BatchReport": "bc.train.loop",
    "EpochReport": "bc.train.loop",
    "History": "bc.train.loop",
    "fit": "bc.train.loop",
    "pretrain": "bc.train.loop",
    "Policy": "bc.train.policies",
    "make_policy": "bc.train.policies",
    "TrainConfig": "bc.train.config",
    "TrainResult": "bc.train.api",
    "train": "bc.train.api",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use (torch loads only when needed)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'bc.train' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
