"""Training across processes: torchrun with 2 CPU ranks (gloo) equals one process's big batch.

Each test launches real processes with `python -m torch.distributed.run --standalone`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import torch

import bc
from bc.train.data import Shard, episode_groups, shard_rows
from bc.train.policies import Policy

pytest.importorskip("torch.distributed")
if not torch.distributed.is_available():
    pytest.skip("torch was built without torch.distributed", allow_module_level=True)


def _torchrun(*args, timeout=300):
    env = dict(os.environ, OMP_NUM_THREADS="1", BC_DIST_TIMEOUT="120")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2"]
    return subprocess.run(
        [*cmd, "-m", "bc", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def test_two_gloo_ranks_train_the_weights_of_one_process_with_the_global_batch(
    tmp_path, sb2_cartpole
):
    data = bc.load(sb2_cartpole).select_episodes(range(6))
    path = bc.save(tmp_path / "tiny.npz", data)
    batch, epochs, seed, lr = 16, 2, 3, 1e-2
    out = tmp_path / "ddp.zip"
    proc = _torchrun(
        "train", path, "--out", out, "--epochs", epochs, "--batch-size", batch,
        "--train-fraction", "1", "--seed", seed, "--lr", lr, "--device", "cpu",
        "--policy", "mlp",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    ddp = Policy.load(out)

    # the same run in this process: each step's batch is both ranks' batches together
    torch.set_num_threads(1)
    ds = bc.ExpertDataset(
        path, train_fraction=1.0, batch_size=batch, verbose=0, seed=seed, split="episode"
    )
    torch.manual_seed(seed)
    ref = Policy(ds.observation_space, ds.action_space, kind="mlp")
    initial = {k: v.clone() for k, v in ref.state_dict().items()}
    ref.set_normalisation(ds.observations[ds.train_indices])
    x = ref.obs_tensor(ds.observations[ds.train_indices])
    y = ref.action_target(ds.actions[ds.train_indices])
    groups = episode_groups(ds, ds.train_indices)
    optimizer = torch.optim.Adam(ref.parameters(), lr=lr, eps=1e-8)
    steps = 0
    for epoch in range(1, epochs + 1):
        shares = [torch.from_numpy(shard_rows(groups, epoch, seed, Shard(r, 2))) for r in (0, 1)]
        assert len(shares[0]) == len(shares[1]) and not set(shares[0].tolist()) & set(
            shares[1].tolist()
        )
        for start in range(0, len(shares[0]), batch):
            rows = torch.cat([s[start : start + batch] for s in shares])
            loss = ref.loss(ref(x[rows]), y[rows])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            steps += 1
    assert steps >= 4
    ds.close()
    moved = max(float((ddp.state_dict()[k] - initial[k]).abs().max()) for k in initial)
    assert moved > 1e-3  # training changed the weights
    for key, value in ref.state_dict().items():
        torch.testing.assert_close(ddp.state_dict()[key], value, atol=2e-5, rtol=1e-4)


def test_the_cli_under_torchrun_trains_sb2_cartpole_to_an_expert_score(tmp_path, sb2_cartpole):
    out = tmp_path / "cartpole.zip"
    proc = _torchrun(
        "train", sb2_cartpole, "--out", out, "--epochs", "8", "--traj-limitation", "10",
        "--seed", "0", "--device", "cpu", "--eval-env", "CartPole-v1", "--eval-episodes", "5",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.count("best epoch") == 1  # only rank 0 prints
    line = next(x for x in proc.stdout.splitlines() if x.startswith("CartPole-v1: mean return"))
    assert float(line.split()[3]) >= 475, proc.stdout
    record = json.loads((tmp_path / "cartpole.history.json").read_text())
    policy = Policy.load(out)
    mean, _ = bc.evaluate_policy(policy, "CartPole-v1", n_eval_episodes=5, seed=1)
    assert mean >= 475
    # the validation loss was summed over both ranks' episodes: it equals the loss of the kept
    # (best) weights over the whole validation set, computed here in one process
    ds = bc.ExpertDataset(
        sb2_cartpole, train_fraction=0.8, traj_limitation=10, verbose=0, seed=0, split="episode"
    )
    with torch.no_grad():
        rows = ds.val_indices
        loss = policy.loss(policy(policy.obs_tensor(ds.observations[rows])),
                           policy.action_target(ds.actions[rows]))  # fmt: skip
    ds.close()
    assert float(loss) == pytest.approx(record["history"]["best_val_loss"], rel=1e-4)


_THREADS_AFTER_TRAIN = """
import os, sys
from bc.train.api import train
from bc.train.config import TrainConfig

config = TrainConfig(epochs=2, traj_limitation=6, seed=0, device="cpu", policy="mlp")
train(sys.argv[1], config)
names = sorted(open(f"/proc/self/task/{t}/comm").read().strip() for t in os.listdir("/proc/self/task"))
with open(os.path.join(sys.argv[2], "threads" + os.environ["RANK"]), "w") as fh:
    fh.write(",".join(names))
"""


def test_training_under_torchrun_stops_the_gloo_threads_before_the_interpreter_exits(
    tmp_path, sb2_cartpole
):
    # A gloo group still alive at interpreter finalization is destroyed there, and a gloo thread
    # that then needs the GIL aborts the process ("terminate called without an active
    # exception"). DistributedDataParallel used to pin the group (torch.distributed.nn.functional
    # imported after init_process_group keeps group.WORLD in its default arguments), so
    # destroy_process_group left these threads running until exit.
    script = tmp_path / "threads_after_train.py"
    script.write_text(_THREADS_AFTER_TRAIN)
    env = dict(os.environ, OMP_NUM_THREADS="1", BC_DIST_TIMEOUT="120")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2"]
    proc = subprocess.run(
        [*cmd, str(script), str(sb2_cartpole), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    for rank in (0, 1):
        names = (tmp_path / f"threads{rank}").read_text().split(",")
        assert names, rank
        # gloo_tcp_loop, pt_gloo_runloop: the group would still be alive
        assert not [n for n in names if "gloo" in n], (rank, names)


def _rank_pid(parent: int, rank: int) -> int | None:
    """The pid of the worker process with RANK=rank under torchrun's `parent` (via /proc)."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            if ppid != parent:
                continue
            with open(f"/proc/{entry}/environ", "rb") as fh:
                env = fh.read().split(b"\0")
        except (OSError, IndexError, ValueError):
            continue
        if f"RANK={rank}".encode() in env:
            return int(entry)
    return None


def test_a_rank_killed_mid_training_ends_the_run_with_an_error_not_a_hang(tmp_path, sb2_cartpole):
    out = tmp_path / "p.zip"
    env = dict(os.environ, OMP_NUM_THREADS="1", BC_DIST_TIMEOUT="60")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2"]
    args = ["-m", "bc", "train", str(sb2_cartpole), "--out", str(out), "--epochs", "500"]
    proc = subprocess.Popen(
        [*cmd, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        deadline = time.monotonic() + 120
        pid = None
        while pid is None and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.5)
            pid = _rank_pid(proc.pid, 1)
        assert pid is not None, "rank 1 never started"
        time.sleep(8)  # let it join the group and train
        assert proc.poll() is None, proc.communicate()[1][-2000:]
        os.kill(pid, signal.SIGKILL)
        _, stderr = proc.communicate(timeout=150)  # a hang would time out here
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode != 0
    assert "rank" in stderr.lower() and ("Signals.SIGKILL" in stderr or "exitcode" in stderr)
    assert not out.exists()
