"""Choosing the torch device ("auto" picks a GPU when there is one) and moving batches onto it."""

from __future__ import annotations

import torch

from bc.errors import TrainingError
from bc.train.config import device_name


def resolve_device(device: str = "auto") -> torch.device:
    """CUDA when available and asked for ("auto"), else CPU.

    Raises:
        TrainConfigError: not auto, cpu, cuda or cuda:N.
        TrainingError: CUDA asked for on a machine without it.
    """
    name = device_name(device)
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise TrainingError(f"device {name!r}: CUDA is not available here (use auto or cpu)")
        index = torch.device(name).index
        if index is not None and index >= torch.cuda.device_count():
            raise TrainingError(
                f"device {name!r}: this machine has {torch.cuda.device_count()} CUDA device(s)"
            )
    return torch.device(name)


def to_device(array: torch.Tensor, device: torch.device) -> torch.Tensor:
    """Copy a CPU batch to `device`: through pinned memory and without blocking on CUDA."""
    if device.type != "cuda":
        return array
    return array.pin_memory().to(device, non_blocking=True)
