"""Image-loading throughput of ExpertDataset's DataLoader vs raw decoding and vs SB2's loader.

Run: .venv/bin/python bench/bench_image_loading.py [--frames 2000] [--rounds 5]
Records real CarRacing-v3 frames (96x96x3 PNG) once, then times, in the same run and
alternating:
- raw decoding of the same files on N threads, each looping over its share (the ceiling);
- our DataLoader with n_workers=N: first epoch (decoding) and later epochs (decoded frames cached);
- SB2's loader as `ExpertDataset` builds it (n_workers=1): a subprocess decodes each batch
  sequentially (cv2.imread + cvtColor + concatenate) and sends it through a
  `multiprocessing.Queue` of length 1, which the consumer polls with 1 ms sleeps;
- SB2's inner loop alone, in-process (a stricter baseline than SB2 itself: no pipe, no polling).
Targets: ours / raw >= 0.8; ours (2 workers) / SB2's loader >= 2.

`--large 200000` adds a synthetic set larger than the image cache (200k frames, 5.5 GB decoded;
500 distinct PNGs hard-linked 400 times each, so the disk holds 500 files' bytes), read for one
epoch by the training loader in a subprocess: images/s as a ratio to raw decoding of the same
files, and peak RSS as a ratio to the same process before the epoch and to the decoded size.
It takes a few minutes, so the default run leaves it out.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import queue
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from car_frames import record_car_frames

import bc
from bc.data.images import read_image

BATCH = 64


def raw(paths: list[str], workers: int) -> float:
    """Images/s decoding every file once: `workers` threads, each looping over its own share."""
    chunks = [paths[k::workers] for k in range(workers)]

    def decode(chunk: list[str]) -> None:
        for path in chunk:
            read_image(path)

    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(decode, chunks))
    return len(paths) / (time.perf_counter() - start)


def ours(dataset: Path, workers: int, cache: bool = True) -> tuple[float, float]:
    """Images/s of ExpertDataset's training loader: first epoch (decoding), second (cached)."""
    ds = bc.ExpertDataset(
        dataset,
        batch_size=BATCH,
        train_fraction=1.0,
        randomize=False,
        verbose=0,
        n_workers=workers,
        image_cache_bytes=(1 << 30) if cache else 0,
    )
    rates = []
    for _ in range(2):
        start = time.perf_counter()
        n = sum(len(obs) for obs, _ in ds.train_loader)
        rates.append(n / (time.perf_counter() - start))
    ds.close()
    return rates[0], rates[1]


def _sb2_element(path: str) -> np.ndarray:
    """SB2's per-image step: read unchanged, grey gets a channel axis, BGR -> RGB, batch axis."""
    image = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if len(image.shape) == 2:
        image = image[:, :, np.newaxis]
    if image.shape[-1] == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    return image.reshape((1, *image.shape))


def sb2_style(paths: list[str]) -> float:
    """Images/s of SB2's inner loop alone, in this process."""
    start = time.perf_counter()
    for i in range(0, len(paths), BATCH):
        np.concatenate([_sb2_element(p) for p in paths[i : i + BATCH]], axis=0)
    return len(paths) / (time.perf_counter() - start)


def _sb2_producer(paths: list[str], out: Any) -> None:
    """SB2's loader process: one epoch of batches into the queue, then None."""
    for i in range(0, len(paths), BATCH):
        out.put(np.concatenate([_sb2_element(p) for p in paths[i : i + BATCH]], axis=0))
    out.put(None)


def sb2_loader(paths: list[str]) -> float:
    """Images/s of SB2's loader: a subprocess, a queue of one batch, a polling consumer."""
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue(1)
    start = time.perf_counter()
    process = ctx.Process(target=_sb2_producer, args=(paths, out), daemon=True)
    process.start()
    n = 0
    while True:
        try:
            batch = out.get_nowait()
        except queue.Empty:
            time.sleep(0.001)
            continue
        if batch is None:
            break
        n += len(batch)
    elapsed = time.perf_counter() - start
    process.join()
    return n / elapsed


def large_dataset(folder: Path, frames: int, distinct: int = 500) -> Path:
    """`frames` steps of 96x96x3 frames: `distinct` random PNGs, hard-linked to fill the rest."""
    from bc.data.images import write_image

    images = folder / "large_images"
    images.mkdir()
    rng = np.random.default_rng(0)
    for k in range(distinct):
        frame = rng.integers(0, 256, size=(96, 96, 3), dtype=np.uint8)
        frame[:48] //= 8  # part flat, part noise: a game frame's mix
        write_image(images / f"{k:07d}.png", frame)
    names = []
    for row in range(frames):
        name = f"{row:07d}.png"
        if row >= distinct:
            os.link(images / f"{row % distinct:07d}.png", images / name)
        names.append(f"large_images/{name}")
    n_ep = frames // 1000
    starts = np.zeros(frames, dtype=bool)
    starts[::1000] = True
    data = bc.DatasetArrays(
        obs=np.array(names),
        actions=rng.integers(0, 3, size=(frames, 1)),
        rewards=np.zeros(frames),
        episode_returns=np.zeros(n_ep),
        episode_starts=starts,
    )
    return bc.save(folder / "large.npz", data)


def _large_child(path: str) -> None:
    """One epoch of the training loader over the large set; prints a RESULT line."""
    import json
    import resource

    ds = bc.ExpertDataset(path, batch_size=BATCH, train_fraction=1.0, verbose=0, seed=0)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    start = time.perf_counter()
    n = sum(len(obs) for obs, _ in ds.train_loader)
    rate = n / (time.perf_counter() - start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    ds.close()
    print("RESULT " + json.dumps({"rate": rate, "before": before, "peak": peak, "n": n}))


def run_large(frames: int) -> None:
    """Build the large set, time raw decoding of a sample, then one loader epoch in a child."""
    import json
    import subprocess
    import sys

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        path = large_dataset(Path(tmp), frames)
        print(f"\nlarge: {frames} frames built in {time.perf_counter() - start:.0f} s")
        data = bc.load(path, check_images=False)
        sample = [str(p) for p in data.image_paths()[:: max(1, frames // 20000)]]
        raw2 = raw(sample, 2)
        out = subprocess.run(
            [sys.executable, __file__, "--large-child", str(path)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        result = json.loads(next(x for x in out.splitlines() if x.startswith("RESULT "))[7:])
    decoded = frames * 96 * 96 * 3
    mib = 1 << 20
    print(f"  loader, 2 workers, one epoch   {result['rate']:9.0f} images/s")
    ratio = result["rate"] / raw2
    print(f"  raw decoding, 2 threads        {raw2:9.0f} images/s  (ratio {ratio:.2f})")
    bound = result["before"] + (1 << 30)
    print(
        f"  peak RSS {result['peak'] / mib:.0f} MiB; before the epoch {result['before'] / mib:.0f} "
        f"MiB + cache limit 1024 MiB = {bound / mib:.0f} MiB (ratio {result['peak'] / bound:.2f}); "
        f"decoded set {decoded / mib:.0f} MiB (ratio {result['peak'] / decoded:.3f})"
    )


def main() -> None:
    """Run the comparisons (and the large set with --large)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--frames", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--large", type=int, default=0, help="frames of the large set (200000)")
    parser.add_argument("--only-large", action="store_true")
    parser.add_argument("--large-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.large_child:
        _large_child(args.large_child)
        return
    if args.only_large:
        run_large(args.large or 200_000)
        return
    with tempfile.TemporaryDirectory() as tmp:
        dataset = record_car_frames(Path(tmp), args.frames)
        data = bc.load(dataset)
        paths = [str(p) for p in data.image_paths()]
        print(f"{len(paths)} CarRacing-v3 frames, 96x96x3 PNG, batch {BATCH}")
        results: dict[str, list[float]] = {}
        for _ in range(args.rounds):
            for workers in (1, 2):
                results.setdefault(f"raw{workers}", []).append(raw(paths, workers))
                cold, warm = ours(dataset, workers)
                results.setdefault(f"ours{workers}", []).append(cold)
                results.setdefault(f"warm{workers}", []).append(warm)
            results.setdefault("nocache2", []).append(ours(dataset, 2, cache=False)[0])
            results.setdefault("sb2", []).append(sb2_style(paths))
            results.setdefault("sb2_loader", []).append(sb2_loader(paths))
    med = {k: statistics.median(v) for k, v in results.items()}
    print(f"  SB2's loader (subprocess + queue)      {med['sb2_loader']:9.0f} images/s")
    print(f"  SB2's inner loop alone, in-process     {med['sb2']:9.0f} images/s")
    for workers in (1, 2):
        print(
            f"  raw decoding, {workers} thread(s)             {med[f'raw{workers}']:9.0f} images/s"
        )
        print(
            f"  DataLoader, n_workers={workers}              {med[f'ours{workers}']:9.0f} images/s"
            f"   ours/raw {med[f'ours{workers}'] / med[f'raw{workers}']:.2f} (target >= 0.8)"
        )
    print(
        f"  DataLoader, n_workers=2, cache off     {med['nocache2']:9.0f} images/s"
        f"   ours/raw {med['nocache2'] / med['raw2']:.2f} (decoding only, no cache to fill)"
    )
    print(f"  DataLoader, n_workers=2, later epochs  {med['warm2']:9.0f} images/s (frames cached)")
    for label, key in (
        ("first epoch", "ours2"),
        ("cache off", "nocache2"),
        ("later epochs", "warm2"),
    ):
        print(
            f"  {label}, 2 workers / SB2's loader      {med[key] / med['sb2_loader']:.2f} "
            f"(target >= 2); / SB2's inner loop {med[key] / med['sb2']:.2f}"
        )
    if args.large:
        run_large(args.large)


if __name__ == "__main__":
    main()
