"""Never lose a finished episode: SIGKILL mid-recording, and a crash mid-consolidation."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import numpy as np

import bc
from bc.data import journal
from bc.data.archive import atomic_savez, load, save
from bc.data.arrays import DatasetArrays
from bc.data.editing import consolidate

SCRIPT = textwrap.dedent(
    """
    import sys
    import bc
    from bc.experts import cartpole_balance
    from tests.tiny_envs import TinyEnv

    def report(summary):
        print(f"saved {summary.index}", flush=True)

    if sys.argv[2] == "vector":
        env, expert = "CartPole-v1", cartpole_balance
    else:
        env, expert = TinyEnv("image3"), (lambda obs: 1)
    bc.generate_expert_traj(expert, sys.argv[1], env, n_episodes=1000, seed=0, callback=report)
    """
)


def _record_then_kill(tmp_path, env_kind: str, kill_after: int) -> int:
    """Run a recording in a child process, SIGKILL it after `kill_after` saved episodes."""
    script = tmp_path / "rec.py"
    script.write_text(SCRIPT)
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[3]))
    proc = subprocess.Popen(
        [sys.executable, str(script), str(tmp_path / "ds.npz"), env_kind],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    seen = -1
    assert proc.stdout is not None
    for line in proc.stdout:
        seen = int(line.split()[1])
        if seen + 1 >= kill_after:
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    return seen + 1


def test_sigkill_keeps_every_finished_episode(tmp_path):
    reported = _record_then_kill(tmp_path, "vector", kill_after=3)
    data = bc.load(tmp_path / "ds.npz")
    assert data.n_episodes >= reported >= 3
    assert data.pending_episodes == data.n_episodes  # all recovered from the journal
    np.testing.assert_array_equal(data.episode_seeds[:3], [0, 1, 2])
    assert np.all(data.episode_returns == 500.0)
    # appending recovers on disk and continues the dataset
    bc.generate_expert_traj(
        lambda o: 0, tmp_path / "ds.npz", "CartPole-v1", n_episodes=1, append=True
    )
    merged = bc.load(tmp_path / "ds.npz")
    assert merged.n_episodes == data.n_episodes + 1 and merged.pending_episodes == 0


def test_sigkill_with_image_observations(tmp_path):
    reported = _record_then_kill(tmp_path, "image", kill_after=4)
    data = bc.load(tmp_path / "ds.npz")  # checks every image file exists
    assert data.n_episodes >= reported >= 4
    assert all(p.is_file() for p in data.image_paths())


def test_crash_between_archive_rename_and_journal_cleanup(tmp_path):
    """An archive that already absorbed journal files must not count them twice."""
    path = tmp_path / "c.npz"
    bc.generate_expert_traj(lambda o: 0, path, "CartPole-v1", n_episodes=2, seed=0)
    # simulate: two journal files written, archive rewritten with them, crash before deletion
    for seed in (10, 11):
        part = bc.generate_expert_traj(lambda o: 1, None, "CartPole-v1", n_episodes=1, seed=seed)
        one = DatasetArrays(**part)
        atomic_savez(journal.next_part_path(path), one.to_arrays())
    names = [p.name for p in journal.unmerged_parts(path)]
    full = load(path)
    assert full.n_episodes == 4 and full.pending_episodes == 2
    save(path, replace(full, metadata={**full.metadata, "journal_merged": names}))
    assert load(path).n_episodes == 4  # not 6
    consolidate(path)
    assert not journal.journal_dir(path).exists()
    assert load(path).n_episodes == 4
