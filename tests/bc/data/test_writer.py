"""A full disk: writes fail cleanly, nothing on disk is corrupted, nothing recorded is lost.

The child process lowers its own file-size limit (RLIMIT_FSIZE) so that writes past it fail with
EFBIG, exactly where a full disk fails with ENOSPC; then raises it again, as a user freeing space.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import bc

CHILD = textwrap.dedent(
    """
    import resource, signal, sys
    import numpy as np
    import bc
    from bc.data.arrays import DatasetArrays
    from bc.data.archive import load, save
    from bc.errors import DatasetWriteError
    from bc.data.recorder import Recorder
    from tests.tiny_envs import TinyEnv

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    folder = sys.argv[1]
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)

    # 1. saving a dataset that does not fit keeps the old file, and leaves no temp file
    small = bc.generate_expert_traj(lambda o: 0, folder + "/old", "CartPole-v1", n_episodes=1, seed=0)
    big = load(folder + "/old.npz")
    big = DatasetArrays(**{**big.sb2_dict(), "obs": np.tile(big.obs, (400, 1)),
        "actions": np.tile(big.actions, (400, 1)), "rewards": np.tile(big.rewards, 400),
        "episode_starts": np.tile(big.episode_starts, 400), "episode_returns": np.tile(big.episode_returns, 400)})
    import os
    resource.setrlimit(resource.RLIMIT_FSIZE, (os.path.getsize(folder + "/old.npz") + 4096, hard))
    try:
        save(folder + "/old.npz", big)
    except DatasetWriteError as exc:
        print("save-error:", exc)
    print("old-episodes:", load(folder + "/old.npz").n_episodes)

    # 2. a recorder whose episodes cannot be written keeps them, then saves them all
    env = TinyEnv("image3")
    errors = []
    rec = Recorder(folder + "/rec", env.observation_space, env.action_space, on_error=errors.append)
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, hard))
    obs, _ = env.reset(seed=0)
    for episode in range(2):
        for _ in range(3):
            rec.add_step(obs, 1, 1.0)
        rec.end_episode(terminated=True)
    try:
        rec.flush()
    except DatasetWriteError as exc:
        print("flush-error:", exc)
    print("callback-errors:", len(errors) > 0)
    resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    for _ in range(2):  # a later, shorter episode ends once space is back: it must come last
        rec.add_step(obs, 1, 1.0)
    rec.end_episode(terminated=True)
    data = rec.close()
    print("recovered:", data.n_episodes, data.n_steps)
    print("lengths:", *data.episode_lengths)
    """
)


def test_full_disk_loses_nothing(tmp_path):
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    root = str(Path(__file__).resolve().parents[3])
    out = subprocess.run(
        [sys.executable, str(script), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": root, "PATH": "/usr/bin:/bin"},
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert any(
        line.startswith("save-error: could not write") and "old.npz" in line for line in lines
    ), lines
    assert "old-episodes: 1" in lines
    assert any(line.startswith("flush-error: 2 episode(s) not saved yet") for line in lines), lines
    assert "callback-errors: True" in lines
    assert "recovered: 3 8" in lines
    assert "lengths: 3 3 2" in lines  # the order they ended in
    assert not list(tmp_path.glob(".*.tmp"))
    data = bc.load(tmp_path / "rec.npz")  # every image was written on the retry
    assert data.n_steps == 8
