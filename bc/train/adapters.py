"""Model families for the one training loop: what to train, its inputs, targets, loss and metrics.

`PolicyAdapter` trains a `bc.Policy`; `bc.train.sb3.SB3Adapter` trains a Stable-Baselines3
model's policy. The loop (`bc.train.loop.fit`) knows nothing else about either.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import nn

from bc.errors import InvalidArgumentError
from bc.train.device import to_device
from bc.train.policies import Policy

if TYPE_CHECKING:
    from bc.dataset import ExpertDataset


def make_optimizer(params: Any, lr: float, eps: float, device: torch.device) -> torch.optim.Adam:
    """Adam with the fused kernel (one call for every parameter), the foreach one if not."""
    try:
        return torch.optim.Adam(params, lr=lr, eps=eps, fused=True)
    except (RuntimeError, TypeError, ValueError):
        return torch.optim.Adam(params, lr=lr, eps=eps, foreach=True)


class ModelAdapter:
    """The interface `fit` uses; subclasses fill it for one model family."""

    device: torch.device
    module: nn.Module
    """What is trained (and wrapped in DistributedDataParallel under torchrun)."""
    is_image: bool = False
    supports_distributed: bool = True

    def prepare(self, dataset: ExpertDataset) -> None:
        """Once before training: e.g. the observation statistics."""

    def inputs(self, obs: np.ndarray) -> torch.Tensor:
        """Raw observations -> network input on the device."""
        raise NotImplementedError

    def targets(self, actions: np.ndarray) -> torch.Tensor:
        """Stored actions -> loss targets on the device."""
        raise NotImplementedError

    def loss(self, forward: Any, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The training loss of a batch; `forward` is the (possibly DDP-wrapped) module."""
        raise NotImplementedError

    def metrics(self, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float, float]:
        """Sums over a validation chunk: (loss * n, correct actions, squared error)."""
        raise NotImplementedError

    def optimizer(self, lr: float, eps: float) -> torch.optim.Optimizer:
        """The optimizer (a policy keeps its own across calls, so a second call fine-tunes)."""
        raise NotImplementedError

    def train_mode(self, training: bool) -> None:
        """Switch dropout/batch-norm style layers."""
        self.module.train(training)

    def finish(self) -> None:
        """After training (e.g. copy into SB3's target networks)."""
        self.train_mode(False)

    @property
    def is_discrete(self) -> bool:
        """True for Discrete actions (accuracy is reported, not MSE)."""
        return False


class PolicyAdapter(ModelAdapter):
    """Trains a `bc.Policy`: cross-entropy (Discrete) or MSE in the scaled action space (Box)."""

    def __init__(self, policy: Policy, device: torch.device) -> None:
        self.policy = policy.to(device)
        self.module = policy
        self.device = device
        self.is_image = policy.kind == "cnn"

    @property
    def is_discrete(self) -> bool:
        """True for a Discrete action space."""
        return self.policy.is_discrete

    def prepare(self, dataset: ExpertDataset) -> None:
        """Store the training set's mean and std (vector observations, first call only)."""
        if not self.policy.normalised and not dataset.is_image:
            self.policy.set_normalisation(dataset.observations[dataset.train_indices])

    def inputs(self, obs: np.ndarray) -> torch.Tensor:
        """Images: uint8 through pinned memory (scaled in the model); vectors: normalised here."""
        if self.is_image:
            return to_device(torch.from_numpy(np.ascontiguousarray(obs)), self.device)
        return self.policy.obs_tensor(obs)

    def targets(self, actions: np.ndarray) -> torch.Tensor:
        """Class indices (Discrete) or actions scaled to [-1, 1] (Box)."""
        return self.policy.action_target(actions)

    def loss(self, forward: Any, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Cross-entropy or MSE of the forward pass."""
        return self.policy.loss(forward(x), y)

    def metrics(self, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float, float]:
        """Loss sum, exact-action count (Discrete) and squared error in env units (Box)."""
        out = self.policy(x)
        n = len(y)
        loss = float(self.policy.loss(out.float(), y)) * n
        if self.is_discrete:
            return loss, float((out.argmax(dim=1) == y).sum()), math.nan
        pred = self.policy.unscale(out.float().clamp(-1.0, 1.0))
        true = self.policy.unscale(y)
        sq = ((pred - true) ** 2).mean(dim=1).sum()
        return loss, math.nan, float(sq)

    def optimizer(self, lr: float, eps: float) -> torch.optim.Optimizer:
        """The policy's Adam, created once and kept (the learning rate is updated)."""
        opt: torch.optim.Optimizer | None = getattr(self.policy, "_bc_optimizer", None)
        if opt is None or _device_of(opt) not in (None, self.device.type):
            opt = make_optimizer(self.policy.parameters(), lr, eps, self.device)
            self.policy._bc_optimizer = opt  # type: ignore[assignment]
        for group in opt.param_groups:
            group["lr"], group["eps"] = lr, eps
        return opt


def _device_of(opt: torch.optim.Optimizer) -> str | None:
    for state in opt.state.values():
        for value in state.values():
            if isinstance(value, torch.Tensor) and value.dim():
                return value.device.type
    return None


def make_adapter(model: Any, device: torch.device) -> ModelAdapter:
    """The adapter for a `bc.Policy` or a Stable-Baselines3 model.

    Raises:
        BCError: anything else.
    """
    if isinstance(model, Policy):
        return PolicyAdapter(model, device)
    from bc.train.sb3 import SB3Adapter, is_sb3_model

    if is_sb3_model(model):
        return SB3Adapter(model)
    raise InvalidArgumentError(
        f"pretrain needs a bc.Policy or a Stable-Baselines3 model, got {type(model).__name__}"
    )
