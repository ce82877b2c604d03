"""The baseline for training speed: a minimal hand-written PyTorch BC loop on an SB2 vector dataset.

Copied unchanged in its logic from the project's shared benchmark folder
(`shared/bench/minimal_bc_loop.py`, the baseline issue 12 names); only this paragraph and the
formatting differ. `bench_train_speed.py` runs it in a subprocess beside `bc.pretrain`.

The whole dataset lives in two tensors; each epoch draws one torch.randperm and slices it
into batches of --batch-size (last partial batch dropped, like imitation's loader). The
policy is an MLP obs -> 64 -> tanh -> 64 -> tanh -> logits (Discrete actions, cross-entropy)
or -> mean (Box actions, MSE), trained with Adam(lr=1e-3): the same 2x64 tanh MLP SB3
builds for imitation's BC, without its value head, distribution objects or logging.

Reports training samples/s over --epochs passes, excluding loading and model creation.

Usage: python minimal_bc_loop.py DATASET_NPZ --epochs 10 [--threads 1]
Prints one JSON line (prefixed 'RESULT ') with the figures.
"""

import argparse
import json
import os
import resource
import time

import numpy as np
import torch
from torch import nn


def main() -> None:
    """Run the measurement and print the RESULT line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("npz")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch default)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    t0 = time.perf_counter()
    data = np.load(args.npz)
    obs = torch.as_tensor(data["obs"], dtype=torch.float32)
    acts = data["actions"]
    discrete = np.issubdtype(acts.dtype, np.integer)
    if discrete:
        acts = torch.as_tensor(acts.reshape(-1), dtype=torch.long)
        n_out, loss_fn = int(acts.max()) + 1, nn.CrossEntropyLoss()
    else:
        acts = torch.as_tensor(acts, dtype=torch.float32)
        n_out, loss_fn = acts.shape[1], nn.MSELoss()
    model = nn.Sequential(
        nn.Linear(obs.shape[1], 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, n_out)
    )
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    setup_s = time.perf_counter() - t0

    n, bs, batches = len(obs), args.batch_size, 0
    t0 = time.perf_counter()
    for _ in range(args.epochs):
        perm = torch.randperm(n)
        for i in range(0, n - bs + 1, bs):
            idx = perm[i : i + bs]
            loss = loss_fn(model(obs[idx]), acts[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            batches += 1
    elapsed = time.perf_counter() - t0

    print(
        "RESULT "
        + json.dumps(
            {
                "baseline": "minimal_bc_loop",
                "dataset": os.path.basename(args.npz),
                "transitions": n,
                "epochs": args.epochs,
                "batch_size": bs,
                "torch_threads": torch.get_num_threads(),
                "setup_s": round(setup_s, 3),
                "batches": batches,
                "elapsed_s": round(elapsed, 3),
                "samples_per_s": round(batches * bs / elapsed, 1),
                "final_loss": round(loss.item(), 4),
                "maxrss_self_mib": round(
                    resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
                ),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
