"""Pretraining Stable-Baselines3 models (PPO, A2C, DQN, SAC, TD3) on expert demonstrations.

`SB3Adapter` plugs an SB3 model into the one training loop (`bc.train.loop.fit`), so SB3 models
get the same validation interval, early stopping, best weights and non-finite-loss checks as
our own policies.
"""

from __future__ import annotations

import math
import threading
from typing import Any

import numpy as np
import torch
from gymnasium import spaces
from torch import nn

from bc.dataset import ExpertDataset
from bc.errors import InvalidArgumentError, SpaceMismatchError
from bc.train.adapters import ModelAdapter, make_optimizer

SUPPORTED = ("PPO", "A2C", "DQN", "SAC", "TD3", "DDPG")
BOX_ONLY = ("SAC", "TD3", "DDPG")


def is_sb3_model(obj: Any) -> bool:
    """True for a Stable-Baselines3 algorithm object (without importing SB3 when absent)."""
    return any(c.__module__.startswith("stable_baselines3") for c in type(obj).__mro__)


def check_algorithm(name: str, action_space: Any) -> None:
    """Refuse an algorithm that cannot act in the action space, before SB3 asserts on it.

    Raises:
        BCError: e.g. SAC on a Discrete action space.
    """
    upper = name.upper()
    if upper in BOX_ONLY and not isinstance(action_space, spaces.Box):
        raise InvalidArgumentError(
            f"{upper} needs a continuous (Box) action space; this one is {action_space}"
        )
    if upper == "DQN" and not isinstance(action_space, spaces.Discrete):
        raise InvalidArgumentError(f"DQN needs a Discrete action space; this one is {action_space}")


class SB3Adapter(ModelAdapter):
    """An SB3 model for the loop: the behaviour-cloning loss of its algorithm family.

    PPO/A2C maximise the log-probability of the expert's actions; DQN trains its Q-network
    with cross-entropy over actions (then copies it into the target network); SAC/TD3 regress
    the actor's action onto the expert's in SB3's scaled action space.
    """

    supports_distributed = False

    def __init__(self, model: Any) -> None:
        name = type(model).__name__
        if name not in SUPPORTED:
            raise InvalidArgumentError(
                f"pretraining {name} is not supported (PPO, A2C, DQN, SAC, TD3)"
            )
        check_algorithm(name, model.action_space)
        self.model = model
        self.name = name
        self.policy = model.policy
        self.device = torch.device(self.policy.device)
        if name == "DQN":
            self.module: nn.Module = self.policy.q_net
        elif name in BOX_ONLY:
            self.module = self.policy.actor
        else:
            self.module = self.policy

    @property
    def is_discrete(self) -> bool:
        """True for a Discrete action space."""
        return isinstance(self.model.action_space, spaces.Discrete)

    def inputs(self, obs: np.ndarray) -> torch.Tensor:
        """SB3's own conversion (it transposes images and moves to its device)."""
        tensor, _ = self.policy.obs_to_tensor(np.asarray(obs))
        return tensor  # type: ignore[no-any-return]

    def targets(self, actions: np.ndarray) -> torch.Tensor:
        """Class indices, SB3's scaled actions (SAC/TD3) or raw actions (PPO/A2C)."""
        acts = np.asarray(actions)
        if self.is_discrete:
            return torch.as_tensor(acts.reshape(-1), dtype=torch.long, device=self.device)
        if self.name in BOX_ONLY:
            acts = self.policy.scale_action(acts)
        return torch.as_tensor(acts, dtype=torch.float32, device=self.device)

    def loss(self, forward: Any, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The family's behaviour-cloning loss."""
        if self.name == "DQN":
            return nn.functional.cross_entropy(forward(x), y)
        if self.name in BOX_ONLY:
            return nn.functional.mse_loss(forward(x), y)
        _, log_prob, _ = self.policy.evaluate_actions(x, y)
        return -log_prob.mean()  # type: ignore[no-any-return]

    def metrics(self, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float, float]:
        """Loss sum only (accuracy and MSE are reported for `bc.Policy`)."""
        return float(self.loss(self.module, x, y)) * len(y), math.nan, math.nan

    def optimizer(self, lr: float, eps: float) -> torch.optim.Optimizer:
        """A fresh Adam over the trained part (SB3 keeps its own for `learn`)."""
        return make_optimizer(self.module.parameters(), lr, eps, self.device)

    def train_mode(self, training: bool) -> None:
        """SB3's own switch."""
        self.policy.set_training_mode(training)

    def finish(self) -> None:
        """Copy the trained network into the target network SB3's `learn` starts from."""
        if self.name == "DQN":
            self.policy.q_net_target.load_state_dict(self.policy.q_net.state_dict())
        elif hasattr(self.policy, "actor_target"):
            self.policy.actor_target.load_state_dict(self.policy.actor.state_dict())
        self.policy.set_training_mode(False)


def check_fit(model: Any, dataset: ExpertDataset) -> None:
    """Raise SpaceMismatchError when the dataset's rows do not fit the model's spaces."""
    from bc.data.validate import space_problems

    problems = space_problems(dataset.data, model.observation_space, model.action_space)
    if problems:
        raise SpaceMismatchError("the dataset does not fit the model: " + "; ".join(problems))


def pretrain_sb3(
    model: Any,
    dataset: ExpertDataset,
    n_epochs: int | None = None,
    learning_rate: float | None = None,
    adam_epsilon: float = 1e-8,
    *,
    stop: threading.Event | None = None,
    **kwargs: Any,
) -> Any:
    """Train an SB3 model's policy to imitate the dataset; `model.learn` can follow.

    The same loop and arguments as `bc.pretrain` (it calls this for SB3 models).

    Returns:
        A `bc.train.loop.History`.

    Raises:
        SpaceMismatchError: the dataset does not fit the model's spaces.
    """
    from bc.train.loop import pretrain

    return pretrain(model, dataset, n_epochs, learning_rate, adam_epsilon, stop=stop, **kwargs)
