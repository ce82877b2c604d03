"""Learning quality of behaviour cloning: BC's return vs the number of demonstration episodes.

Run: .venv/bin/python bench/bench_bc_quality.py [--eval-episodes 20] [--skip-sb3]
Records scripted experts with `bc.generate_expert_traj` (CartPole's balance controller and
Gymnasium's LunarLander-v3 heuristic), trains a `bc.BC('MlpPolicy', ...)` on the first 1, 5, 10
and 20 episodes, and evaluates each policy on episodes whose seeds the demonstrations never used.
The expert is evaluated on the same seeds in the same run, so the table compares like with like.
Targets: CartPole from 5 episodes >= 475; LunarLander-v3 from 20 episodes >= 200; an SB3 PPO
pretrained on 5 CartPole episodes >= 475 before any `learn`.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym

import bc
from bc.experts import cartpole_balance, lunar_lander_heuristic

EVAL_SEED = 10_000
"""Evaluation episodes are reset with seeds from here; demonstrations use seeds 0, 1, 2..."""


@dataclass(frozen=True)
class Task:
    """One env, its expert, the demonstration counts to try and the training budget."""

    env_id: str
    expert: Any
    counts: tuple[int, ...]
    epochs: int
    target_count: int
    target: float


def record(task: Task, folder: Path) -> Path:
    """Record the largest number of demonstration episodes once; smaller sets are prefixes."""
    env = gym.make(task.env_id)
    path = folder / task.env_id
    bc.generate_expert_traj(task.expert, path, env, n_episodes=max(task.counts), seed=0)
    env.close()
    return path.with_suffix(".npz")


def train(path: Path, env_id: str, episodes: int, epochs: int) -> tuple[bc.BC, int]:
    """Train an MLP on the first `episodes` episodes (80/20 split by episode when possible).

    Returns the model and the number of demonstration samples it saw (train and validation).
    """
    fraction = 1.0 if episodes == 1 else 0.8
    dataset = bc.ExpertDataset(
        path, traj_limitation=episodes, train_fraction=fraction, batch_size=64, verbose=0, seed=0
    )
    model = bc.BC("MlpPolicy", env_id, seed=0)
    model.pretrain(dataset, n_epochs=epochs, learning_rate=1e-3)
    dataset.close()
    return model, int(dataset.num_transition)


def row(cells: list[str], widths: list[int]) -> str:
    """One table row, columns right-aligned to `widths`."""
    return "  ".join(c.rjust(w) for c, w in zip(cells, widths, strict=True))


def run_task(task: Task, folder: Path, n_eval: int) -> bool:
    """Print the task's table; return whether its target was met."""
    start = time.perf_counter()
    path = record(task, folder)
    env = gym.make(task.env_id)
    expert = bc.evaluate_policy(task.expert, env, n_eval, seed=EVAL_SEED)
    print(f"\n{task.env_id}: {n_eval} evaluation episodes, {task.epochs} epochs of training")
    widths = [9, 8, 18, 18]
    print(row(["episodes", "samples", "BC return", "expert return"], widths))
    met = False
    for count in task.counts:
        model, samples = train(path, task.env_id, count, task.epochs)
        result = bc.evaluate_policy(model, env, n_eval, seed=EVAL_SEED)
        print(
            row(
                [
                    str(count),
                    str(samples),
                    f"{result.mean_return:8.1f} ± {result.std_return:5.1f}",
                    f"{expert.mean_return:8.1f} ± {expert.std_return:5.1f}",
                ],
                widths,
            )
        )
        if count == task.target_count:
            met = result.mean_return >= task.target
    env.close()
    verdict = "met" if met else "MISSED"
    print(
        f"target: from {task.target_count} episodes >= {task.target:g}: {verdict} "
        f"({time.perf_counter() - start:.0f} s)"
    )
    return met


def run_sb3(folder: Path, n_eval: int, seeds: tuple[int, ...] = (0, 1, 2)) -> bool:
    """Pretrain SB3 PPOs on 5 CartPole demonstrations; evaluate each before any `learn`.

    Several PPO seeds, because an untrained PPO's deterministic policy is a random near-linear
    controller and some of those already balance CartPole: the untrained column shows it.
    """
    from stable_baselines3 import PPO

    path = folder / "CartPole-v1.npz"
    env = gym.make("CartPole-v1")
    print("\nSB3 PPO on CartPole-v1, 5 demonstration episodes, 10 epochs, before any learn")
    widths = [9, 18, 18]
    print(row(["PPO seed", "untrained", "pretrained"], widths))
    met = True
    for seed in seeds:
        dataset = bc.ExpertDataset(
            path, traj_limitation=5, train_fraction=0.8, verbose=0, seed=seed
        )
        model = PPO("MlpPolicy", env, seed=seed, verbose=0)
        untrained = bc.evaluate_policy(model, env, n_eval, seed=EVAL_SEED)
        bc.pretrain(model, dataset, n_epochs=10, learning_rate=1e-3, seed=seed)
        result = bc.evaluate_policy(model, env, n_eval, seed=EVAL_SEED)
        dataset.close()
        met = met and result.mean_return >= 475
        print(
            row(
                [
                    str(seed),
                    f"{untrained.mean_return:8.1f} ± {untrained.std_return:5.1f}",
                    f"{result.mean_return:8.1f} ± {result.std_return:5.1f}",
                ],
                widths,
            )
        )
    env.close()
    print(f"target: every pretrained PPO >= 475: {'met' if met else 'MISSED'}")
    return met


def main() -> None:
    """Run every task and print one table per env."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-episodes", type=int, default=20)
    parser.add_argument("--skip-sb3", action="store_true", help="skip the SB3 PPO row")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    lander = gym.make("LunarLander-v3")
    tasks = [
        Task("CartPole-v1", cartpole_balance, (1, 5, 10, 20), 30, 5, 475.0),
        Task("LunarLander-v3", lunar_lander_heuristic(lander), (1, 5, 10, 20), 60, 20, 200.0),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        results = [run_task(task, folder, args.eval_episodes) for task in tasks]
        if not args.skip_sb3:
            results.append(run_sb3(folder, args.eval_episodes))
    print(f"\n{sum(results)}/{len(results)} targets met")


if __name__ == "__main__":
    main()
