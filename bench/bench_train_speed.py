"""Training throughput of `bc.pretrain` vs a minimal hand-written torch loop, same net and data.

Run: .venv/bin/python bench/bench_train_speed.py [--rounds 3] [--frames 2000]
Two datasets, recorded once with scripted drivers: vector (CartPole-v1, MLP) and image
(CarRacing-v3 96x96 PNG frames, CNN). For each, in the same run and alternating, times:
- hand loop: the same `bc.Policy` network, batch size and samples, from tensors already in
  memory (images decoded beforehand), shuffled with `torch.randperm`; nothing else;
- `pretrain`: `bc.pretrain` on an `ExpertDataset` read from the file, every feature on
  (callbacks, history, loss bookkeeping); images are decoded from PNG by the DataLoader's threads
  while the model trains (the first epoch cold, later ones from its cache);
- `pretrain, no cache` (images only): the same with the image cache off, so every batch is
  decoded from PNG again.
The whole call is timed (train_fraction=1, so no validation pass). Target: pretrain / hand >= 0.8.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from car_frames import record_car_frames

import bc
from bc.experts import cartpole_balance
from bc.images import read_image
from bc.train.policies import Policy

BATCH = 64


def record_vector(folder: Path, episodes: int) -> Path:
    """CartPole balance controller, `episodes` episodes of 500 steps."""
    bc.generate_expert_traj(
        cartpole_balance, folder / "cartpole", "CartPole-v1", n_episodes=episodes, seed=0
    )
    return folder / "cartpole.npz"


def make_policy(dataset: bc.ExpertDataset, kind: str) -> Policy:
    """A freshly initialised policy (same seed every time, so every run trains the same net)."""
    torch.manual_seed(0)
    return Policy(dataset.observation_space, dataset.action_space, kind=kind)


def hand_loop(path: Path, kind: str, epochs: int) -> float:
    """Samples/s of a minimal loop: in-memory tensors, randperm, forward, loss, backward, step."""
    dataset = bc.ExpertDataset(path, train_fraction=1.0, verbose=0)
    policy = make_policy(dataset, kind)
    if dataset.is_image:
        obs_np = np.stack([read_image(str(p)) for p in dataset.data.image_paths()])
        x_all = torch.as_tensor(obs_np)
    else:
        policy.set_normalisation(dataset.observations)
        x_all = policy.obs_tensor(dataset.observations)
    y_all = policy.action_target(dataset.actions)
    dataset.close()
    optimizer = torch.optim.Adam(policy.parameters(), lr=1e-4, eps=1e-8)
    n = len(y_all)
    policy.train()
    start = time.perf_counter()
    for _ in range(epochs):
        order = torch.randperm(n)
        for i in range(0, n, BATCH):
            rows = order[i : i + BATCH]
            loss = policy.loss(policy(x_all[rows]), y_all[rows])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    return n * epochs / (time.perf_counter() - start)


def ours(path: Path, kind: str, epochs: int, cache: bool = True) -> float:
    """Samples/s of the whole `bc.pretrain` call on a dataset read from the file."""
    dataset = bc.ExpertDataset(
        path,
        train_fraction=1.0,
        batch_size=BATCH,
        verbose=0,
        seed=0,
        image_cache_bytes=(1 << 30) if cache else 0,
    )
    policy = make_policy(dataset, kind)
    batches: list[float] = []
    start = time.perf_counter()
    bc.pretrain(
        policy,
        dataset,
        n_epochs=epochs,
        device="cpu",
        batch_callback=lambda r: batches.append(r.loss) is None,
    )
    elapsed = time.perf_counter() - start
    n = dataset.num_transition
    dataset.close()
    return n * epochs / elapsed


def compare(name: str, runs: dict[str, Callable[[], float]], rounds: int) -> None:
    """Alternate the runs `rounds` times; print medians and each run's ratio to the hand loop."""
    rates: dict[str, list[float]] = {label: [] for label in runs}
    for _ in range(rounds):
        for label, run in runs.items():
            rates[label].append(run())
    hand = statistics.median(rates["hand loop"])
    print(f"\n{name}")
    for label, values in rates.items():
        med = statistics.median(values)
        print(f"  {label:20s} {med:9.0f} samples/s   ratio to hand loop {med / hand:5.2f}")
    ratio = statistics.median(rates["pretrain"]) / hand
    print(f"  target (pretrain / hand >= 0.8): {'met' if ratio >= 0.8 else 'MISSED'}")


def main() -> None:
    """Record both datasets, then compare on each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--frames", type=int, default=2000, help="image frames to record")
    parser.add_argument("--episodes", type=int, default=40, help="CartPole episodes to record")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, batch {BATCH}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        vector = record_vector(folder, args.episodes)
        images = record_car_frames(folder, args.frames)
        runs_v: dict[str, Callable[[], float]] = {
            "hand loop": lambda: hand_loop(vector, "mlp", 5),
            "pretrain": lambda: ours(vector, "mlp", 5),
        }
        compare(
            f"vector: CartPole-v1, {args.episodes * 500} samples, MLP, 5 epochs",
            runs_v,
            args.rounds,
        )
        runs_i: dict[str, Any] = {
            "hand loop": lambda: hand_loop(images, "cnn", 3),
            "pretrain": lambda: ours(images, "cnn", 3),
            "pretrain, no cache": lambda: ours(images, "cnn", 3, cache=False),
        }
        compare(
            f"image: CarRacing-v3 96x96 PNG, {args.frames} frames, CNN, 3 epochs",
            runs_i,
            args.rounds,
        )


if __name__ == "__main__":
    main()
