"""Training throughput of `bc.pretrain` vs minimal hand-written torch loops, side by side.

Run: .venv/bin/python bench/bench_train_speed.py [--rounds 3] [--threads 1] [--frames 2000]

Issue 12's measurement, every run in its own subprocess on --threads torch threads,
alternating baseline and ours in each round:
- vector: the first 38 episodes (18.9k steps) of SB2's CartPole file (tests/data), MLP 2x64
  tanh, batch 64, Adam lr 1e-3. Baseline: `minimal_bc_loop.py` (a copy of the shared baseline:
  whole dataset as two tensors, randperm, slices). Ours: the whole `bc.pretrain` call on an
  `ExpertDataset` read from the file (normalisation and tensor conversion inside the timing),
  train_fraction=1 (no validation), no callbacks. Both build a first optimizer before timing
  (torch imports its compiler stack then, about 1.5 s once per process).
- image: CarRacing-v3 96x96 PNG frames, NatureCNN, batch 64. Baseline: `minimal_cnn_loop.py`
  (frames decoded into one tensor before timing). Ours: `bc.pretrain` with the image cache
  on, timed after one warm-up epoch that fills the cache, so decoding is not measured.
Prints medians and the ratio ours / baseline. Target: >= 0.8 for both.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SB2_CARTPOLE = HERE.parent / "tests" / "data" / "expert_cartpole.npz"


def vector_dataset(folder: Path, episodes: int = 38) -> Path:
    """The first `episodes` episodes of SB2's CartPole file, as a dataset of its own."""
    import bc

    data = bc.load(SB2_CARTPOLE).select_episodes(range(episodes))
    return bc.save(folder / "cartpole_18k.npz", data)


def child(kind: str, path: str, epochs: int, threads: int) -> None:
    """One measurement of `bc.pretrain` (runs in a subprocess); prints a RESULT line."""
    import torch

    import bc
    from bc.train.policies import Policy

    torch.set_num_threads(threads)
    # As in the baseline, whose optimizer is built before its timing starts: the first Adam of
    # a process makes torch import its compiler stack (about 1.5 s), a one-off process cost.
    torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))], fused=True)
    ds = bc.ExpertDataset(path, train_fraction=1.0, batch_size=64, verbose=0, seed=0)
    torch.manual_seed(0)
    if kind == "vector":
        policy = Policy(
            ds.observation_space, ds.action_space, kind="mlp", hidden=(64, 64), activation="tanh"
        )
    else:
        policy = Policy(ds.observation_space, ds.action_space, kind="cnn")
        bc.pretrain(policy, ds, n_epochs=1, device="cpu", seed=0)  # warm-up: fills the cache
    start = time.perf_counter()
    history = bc.pretrain(policy, ds, n_epochs=epochs, learning_rate=1e-3, device="cpu", seed=0)
    elapsed = time.perf_counter() - start
    result = {
        "samples_per_s": round(ds.num_transition * epochs / elapsed, 1),
        "final_loss": round(history.train_loss[-1], 4),
    }
    ds.close()
    print("RESULT " + json.dumps(result), flush=True)


def run(cmd: list[str]) -> float:
    """Run one measurement subprocess and return its samples/s."""
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=3600).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    return float(json.loads(line[len("RESULT ") :])["samples_per_s"])


def compare(name: str, baseline: list[str], ours: list[str], rounds: int) -> float:
    """Alternate baseline and ours `rounds` times; print medians and the ratio."""
    base_rates, our_rates = [], []
    for _ in range(rounds):
        base_rates.append(run(baseline))
        our_rates.append(run(ours))
    base, mine = statistics.median(base_rates), statistics.median(our_rates)
    ratio = mine / base
    print(f"\n{name}")
    for label, value, runs in (("baseline", base, base_rates), ("bc.pretrain", mine, our_rates)):
        shown = ", ".join(f"{r:.0f}" for r in runs)
        print(f"  {label:12s} {value:9.0f} samples/s  (runs: {shown})")
    print(f"  ratio {ratio:.2f}  target >= 0.8: {'met' if ratio >= 0.8 else 'MISSED'}")
    return ratio


def main() -> None:
    """Build both datasets, then compare on each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=10, help="vector epochs")
    parser.add_argument("--frames", type=int, default=2000, help="image frames to record")
    parser.add_argument("--image-epochs", type=int, default=2)
    parser.add_argument("--skip-images", action="store_true")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "NPZ"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        epochs = args.epochs if args.child[0] == "vector" else args.image_epochs
        child(args.child[0], args.child[1], epochs, args.threads)
        return
    py, me = sys.executable, str(Path(__file__).resolve())
    threads = ["--threads", str(args.threads)]
    print(f"{args.threads} torch thread(s), batch 64, {args.rounds} rounds, medians")
    with tempfile.TemporaryDirectory() as tmp:
        vector = str(vector_dataset(Path(tmp)))
        compare(
            f"vector: 18.9k CartPole steps, MLP 2x64 tanh, {args.epochs} epochs",
            [py, str(HERE / "minimal_bc_loop.py"), vector, "--epochs", str(args.epochs), *threads],
            [py, me, "--child", "vector", vector, "--epochs", str(args.epochs), *threads],
            args.rounds,
        )
        if args.skip_images:
            return
        sys.path.insert(0, str(HERE))
        from car_frames import record_car_frames

        images = str(record_car_frames(Path(tmp), args.frames))
        epochs = ["--epochs", str(args.image_epochs)]
        compare(
            f"image: {args.frames} CarRacing 96x96 frames, NatureCNN, {args.image_epochs} epochs",
            [py, str(HERE / "minimal_cnn_loop.py"), images, *epochs, *threads],
            [
                py,
                me,
                "--child",
                "image",
                images,
                "--image-epochs",
                str(args.image_epochs),
                *threads,
            ],
            args.rounds,
        )


if __name__ == "__main__":
    main()
