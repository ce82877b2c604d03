"""The CNN baseline for training speed: minimal_bc_loop.py's logic for 96x96 image datasets.

Written for this project after `minimal_bc_loop.py` (the vector baseline issue 12 names):
every frame is decoded before timing into one uint8 tensor, each epoch draws one
torch.randperm and slices it into batches (last partial batch dropped), and the network is
the NatureCNN `bc.Policy` builds for 96x96 frames (three convolutions, 512 units), built here
from torch layers alone, trained with MSE (Box actions) or cross-entropy and Adam(lr=1e-3).

Usage: python minimal_cnn_loop.py DATASET_NPZ --epochs 3 [--threads 1]
Prints one JSON line (prefixed 'RESULT ') with the figures.
"""

import argparse
import json
import os
import time
from pathlib import Path

import cv2
import numpy as np
import torch
from torch import nn


def main() -> None:
    """Run the measurement and print the RESULT line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("npz")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    data = np.load(args.npz)
    root = Path(args.npz).parent
    frames = [cv2.imread(str(root / str(p)), cv2.IMREAD_COLOR)[:, :, ::-1] for p in data["obs"]]
    obs = torch.as_tensor(np.stack(frames))
    acts = data["actions"]
    discrete = np.issubdtype(acts.dtype, np.integer)
    if discrete:
        acts = torch.as_tensor(acts.reshape(-1), dtype=torch.long)
        n_out, loss_fn = int(acts.max()) + 1, nn.CrossEntropyLoss()
    else:
        acts = torch.as_tensor(acts, dtype=torch.float32)
        n_out, loss_fn = acts.shape[1], nn.MSELoss()
    c = obs.shape[3]
    convs = nn.Sequential(
        nn.Conv2d(c, 32, 8, stride=4), nn.ReLU(), nn.Conv2d(32, 64, 4, stride=2), nn.ReLU(),
        nn.Conv2d(64, 64, 3, stride=1), nn.ReLU(), nn.Flatten(),
    )  # fmt: skip
    with torch.no_grad():
        n_flat = convs(torch.zeros(1, c, obs.shape[1], obs.shape[2])).shape[1]
    model = nn.Sequential(convs, nn.Linear(n_flat, 512), nn.ReLU(), nn.Linear(512, n_out))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    n, bs, batches = len(obs), args.batch_size, 0
    t0 = time.perf_counter()
    for _ in range(args.epochs):
        perm = torch.randperm(n)
        for i in range(0, n - bs + 1, bs):
            idx = perm[i : i + bs]
            x = obs[idx].permute(0, 3, 1, 2).float() / 255.0
            loss = loss_fn(model(x), acts[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            batches += 1
    elapsed = time.perf_counter() - t0
    result = {
        "baseline": "minimal_cnn_loop",
        "dataset": os.path.basename(args.npz),
        "transitions": n,
        "epochs": args.epochs,
        "torch_threads": torch.get_num_threads(),
        "elapsed_s": round(elapsed, 3),
        "samples_per_s": round(batches * bs / elapsed, 1),
    }
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
