"""Recording speed: generate_expert_traj on an image env vs the bare step loop; episode save cost.

Run: .venv/bin/python bench/bench_recording.py [--episodes 3] [--steps 300]
Prints figures and ratios measured in this run (targets: recording/bare >= 0.9; save cost at
100k steps / at 1k steps about 1).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import gymnasium as gym
import numpy as np

import bc
from bc.data.archive import save
from bc.data.arrays import DatasetArrays
from bc.data.recorder import Recorder


def car_expert(obs: np.ndarray) -> np.ndarray:
    """A cheap deterministic driver: gas, steering by the frame's left/right green balance."""
    green = obs[60:80, :, 1].astype(np.int32)
    steer = np.clip((green[:, :48].mean() - green[:, 48:].mean()) / 50.0, -1, 1)
    return np.array([steer, 0.3, 0.0], dtype=np.float32)


def bare_loop(env: gym.Env, episodes: int, seed: int) -> tuple[int, float]:
    """Step the env with the expert and record nothing."""
    steps = 0
    start = time.perf_counter()
    for i in range(episodes):
        obs, _ = env.reset(seed=seed + i)
        while True:
            obs, _, terminated, truncated, _ = env.step(car_expert(obs))
            steps += 1
            if terminated or truncated:
                break
    return steps, time.perf_counter() - start


def recording(env: gym.Env, episodes: int, seed: int, folder: Path) -> tuple[int, float]:
    """The same loop through generate_expert_traj, PNG files included."""
    start = time.perf_counter()
    out = bc.generate_expert_traj(car_expert, folder / "car", env, n_episodes=episodes, seed=seed)
    return len(out["rewards"]), time.perf_counter() - start


def bench_image_recording(episodes: int, steps: int) -> None:
    env = gym.make("CarRacing-v3", max_episode_steps=steps)
    bare_rates, rec_rates = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for rnd in range(3):  # alternate A/B so drift hits both
            n, t = bare_loop(env, episodes, seed=rnd * 100)
            bare_rates.append(n / t)
            n, t = recording(env, episodes, seed=rnd * 100, folder=Path(tmp) / str(rnd))
            rec_rates.append(n / t)
            files = len(list((Path(tmp) / str(rnd) / "recorded_images").iterdir()))
            assert files == n, (files, n)
    bare, rec = statistics.median(bare_rates), statistics.median(rec_rates)
    print(f"CarRacing-v3, {episodes} episodes x {steps} steps, 96x96x3 PNG per step")
    print(f"  bare step loop           {bare:8.1f} steps/s")
    print(f"  generate_expert_traj     {rec:8.1f} steps/s")
    print(f"  ratio recording / bare   {rec / bare:8.3f}   (target >= 0.9)")


def _dataset(n_steps: int, episode_len: int = 100) -> DatasetArrays:
    n_ep = n_steps // episode_len
    starts = np.zeros(n_steps, dtype=bool)
    starts[::episode_len] = True
    rng = np.random.default_rng(0)
    return DatasetArrays(
        obs=rng.standard_normal((n_steps, 4)).astype(np.float32),
        actions=rng.integers(0, 2, (n_steps, 1)),
        rewards=np.ones(n_steps),
        episode_returns=np.full(n_ep, float(episode_len)),
        episode_starts=starts,
    )


def save_cost(n_existing: int, folder: Path, episodes: int = 30) -> float:
    """Median seconds to save one 100-step episode into a dataset of n_existing steps."""
    path = folder / f"ds{n_existing}.npz"
    save(path, _dataset(n_existing))
    env = gym.make("CartPole-v1")
    rec = Recorder(path, env.observation_space, env.action_space, append=True)
    obs = np.zeros(4, dtype=np.float32)
    times = []
    for _ in range(episodes):
        for _ in range(100):
            rec.add_step(obs, 1, 1.0)
        start = time.perf_counter()
        rec.end_episode(terminated=True)
        rec.flush()
        times.append(time.perf_counter() - start)
    start = time.perf_counter()
    rec.close()
    close_time = time.perf_counter() - start
    print(
        f"  into {n_existing:>7} steps: save {statistics.median(times) * 1e3:6.2f} ms/episode "
        f"(close, merging the journal: {close_time * 1e3:6.1f} ms)"
    )
    return statistics.median(times)


def bench_save_cost() -> None:
    print("Saving one 100-step episode (end_episode + flush, fsync included)")
    with tempfile.TemporaryDirectory() as tmp:
        small = save_cost(1_000, Path(tmp))
        large = save_cost(100_000, Path(tmp))
    print(f"  ratio 100k / 1k          {large / small:8.3f}   (target: about 1)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--episodes", type=int, default=2)
    parser.add_argument("--steps", type=int, default=300)
    args = parser.parse_args()
    bench_save_cost()
    bench_image_recording(args.episodes, args.steps)


if __name__ == "__main__":
    main()
