"""Each round's policy: trained from scratch on the aggregate's labels, then evaluated."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from bc.data.arrays import DatasetArrays
from bc.rollout import Rollout


@dataclass(frozen=True)
class TrainSettings:
    """How each round trains (from scratch, on the aggregate's labels)."""

    n_epochs: int = 50
    batch_size: int = 64
    learning_rate: float = 1e-3
    hidden: tuple[int, ...] = (64, 64)
    seed: int = 0

    def __post_init__(self) -> None:
        """Refuse out-of-range settings when built, before any episode is recorded."""
        from bc.train.config import non_negative_int, positive_float, positive_int

        positive_int(self.n_epochs, "epochs")
        positive_int(self.batch_size, "batch_size")
        positive_float(self.learning_rate, "learning_rate")
        non_negative_int(self.seed, "seed")


def train_on_labels(dataset: str | Path | DatasetArrays, settings: TrainSettings) -> Any:
    """Train a fresh policy on the label steps of `dataset` (the default selection)."""
    from bc.dataset import ExpertDataset
    from bc.train.model import BC

    kwargs: dict[str, Any] = (
        {"traj_data": dataset.to_arrays()}
        if isinstance(dataset, DatasetArrays)
        else {"expert_path": dataset}
    )
    data = ExpertDataset(
        **kwargs,
        train_fraction=1.0,
        batch_size=settings.batch_size,
        verbose=0,
        sequential_preprocessing=True,
        seed=settings.seed,
    )
    try:
        model = BC(
            "MlpPolicy",
            learning_rate=settings.learning_rate,
            policy_kwargs={"hidden": settings.hidden},
            seed=settings.seed,
            device="cpu",
        )
        import torch

        torch.manual_seed(settings.seed)  # the weights' initialisation too: rounds compare
        model.pretrain(data, n_epochs=settings.n_epochs)
    finally:
        data.close()
    return model


def evaluate(policy: Any, env: gym.Env[Any, Any], seeds: list[int]) -> tuple[float, float]:
    """Mean and std of the policy's returns over one episode per seed."""
    from bc.rollout import as_expert

    rollout = Rollout(env, as_expert(policy, deterministic=True))
    returns = []
    for seed in seeds:
        rollout.run_episode(seed)
        returns.append(rollout.ret)
    arr = np.asarray(returns)
    return float(arr.mean()), float(arr.std())
