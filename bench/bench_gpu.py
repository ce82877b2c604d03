"""Training samples/s on CPU and GPU side by side: MLP on vectors, CNN on 96x96 images.

Run: .venv/bin/python bench/bench_gpu.py [--epochs 3] [--frames 2000]
Both columns train with `bc.train.train` (the code the CLI runs) on the same datasets: the
first 38 episodes of SB2's CartPole file (MLP 256x256) and CarRacing-v3 frames (NatureCNN,
bf16 autocast on CUDA, frames through pinned memory). The GPU column reports the mean GPU
utilisation sampled during training when NVML is available. Without a CUDA device the GPU
column says so; the lead runs it on a machine with one.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import torch

import bc
from bc.train import TrainConfig, train

HERE = Path(__file__).resolve().parent
SB2_CARTPOLE = HERE.parent / "tests" / "data" / "expert_cartpole.npz"


def _utilisation(stop: threading.Event, samples: list[float]) -> None:
    while not stop.is_set():
        try:
            samples.append(float(torch.cuda.utilization()))
        except Exception:  # no NVML: no figure
            return
        time.sleep(0.2)


def measure(path: Path, device: str, epochs: int, batch: int) -> tuple[float, float]:
    """Samples/s of one `train` call (and mean GPU utilisation, NaN on CPU)."""
    ds = bc.ExpertDataset(path, train_fraction=1.0, batch_size=batch, verbose=0, seed=0)
    config = TrainConfig(epochs=1, batch_size=batch, device=device, train_fraction=1.0)
    train(ds, config)  # warm-up: CUDA context, kernels, image cache
    samples: list[float] = []
    stop = threading.Event()
    watcher = threading.Thread(target=_utilisation, args=(stop, samples), daemon=True)
    if device == "cuda":
        watcher.start()
    start = time.perf_counter()
    config = TrainConfig(epochs=epochs, batch_size=batch, device=device, train_fraction=1.0)
    train(ds, config)
    if device == "cuda":
        torch.cuda.synchronize()
    elapsed = time.perf_counter() - start
    stop.set()
    ds.close()
    util = sum(samples) / len(samples) if samples else float("nan")
    return ds.num_transition * epochs / elapsed, util


def main() -> None:
    """Measure each model on each available device and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--frames", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=256)
    args = parser.parse_args()
    has_cuda = torch.cuda.is_available()
    name = torch.cuda.get_device_name(0) if has_cuda else "no CUDA device"
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads, GPU: {name}")
    sys.path.insert(0, str(HERE))
    from car_frames import record_car_frames

    rows: list[tuple[str, Any, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        vector = bc.save(
            Path(tmp) / "cartpole.npz", bc.load(SB2_CARTPOLE).select_episodes(range(38))
        )
        images = record_car_frames(Path(tmp), args.frames)
        for label, path in (
            ("MLP, 18.9k CartPole steps", vector),
            ("CNN, CarRacing 96x96", images),
        ):
            cpu = measure(path, "cpu", args.epochs, args.batch)
            gpu = measure(path, "cuda", args.epochs, args.batch) if has_cuda else None
            rows.append((label, cpu, gpu))
    print("\n| model | CPU samples/s | GPU samples/s | GPU / CPU | GPU utilisation |")
    print("|---|---|---|---|---|")
    for label, cpu, gpu in rows:
        if gpu is None:
            print(f"| {label} (batch {args.batch}) | {cpu[0]:.0f} | - | - | - |")
        else:
            print(
                f"| {label} (batch {args.batch}) | {cpu[0]:.0f} | {gpu[0]:.0f} | "
                f"{gpu[0] / cpu[0]:.1f} | {gpu[1]:.0f}% |"
            )


if __name__ == "__main__":
    main()
