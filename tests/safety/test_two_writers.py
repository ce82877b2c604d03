"""Hole 3: one writer per dataset; a second fails at once naming the first; stale locks go."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys

import bc
from tests.safety.conftest import one_line_error, run_bc
from tests.safety.trials import child_env, run_two_writers, start_writer
from tests.tiny_envs import TinyEnv


def lock_path(path):
    """The lock file beside a dataset (spelt out here: the test also runs on older code)."""
    return path.with_name(path.name + ".lock")


def test_second_writer_fails_at_once_and_loses_nothing(tmp_path):
    run = run_two_writers(tmp_path, episodes=5)
    assert run.first_ok and not run.traceback
    assert run.second_refused, run.message
    assert "pid " in run.message and socket.gethostname() in run.message
    assert "since" in run.message and "recording" in run.message
    assert run.episodes == run.expected == 5  # every episode of the writer that had it
    assert not lock_path(tmp_path / "shared.npz").exists()  # released on close


def test_second_cli_recording_is_refused_with_one_line(tmp_path):
    path = tmp_path / "ds.npz"
    first = start_writer(tmp_path, path, 0, 2)
    assert first.stdout is not None and first.stdout.readline().strip() == "open"
    proc = run_bc("record", "CartPole-v1", "--out", path, "--episodes", "2", "--append")
    line = one_line_error(proc)
    assert f"pid {first.pid}" in line and "open for writing" in line
    # deleting and merging are refused too while the recording runs
    assert "open for writing" in one_line_error(run_bc("delete", path, "0"))
    first.communicate("\n", timeout=60)
    assert first.returncode == 0
    assert bc.load(path).n_episodes == 2


def test_lock_of_a_killed_writer_is_taken_over(tmp_path):
    path = tmp_path / "ds.npz"
    first = start_writer(tmp_path, path, 0, 2)
    assert first.stdout is not None and first.stdout.readline().strip() == "open"
    assert first.stdout.readline().strip() == "recorded"
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=30)
    assert lock_path(path).exists()  # left behind, naming a dead pid
    holder = json.loads(lock_path(path).read_text())
    assert holder["pid"] == first.pid
    bc.generate_expert_traj(lambda o: 0, path, TinyEnv(), n_episodes=1, seed=9, append=True)
    data = bc.load(path)
    assert list(data.episode_seeds) == [0, 1, 9]


def test_stale_lock_file_naming_a_dead_pid_is_taken_over(tmp_path):
    path = tmp_path / "ds.npz"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        env=child_env(),
    )
    pid = int(dead.stdout)
    lock_path(path).write_text(
        json.dumps({"pid": pid, "host": socket.gethostname(), "since": 0, "purpose": "recording"})
    )
    bc.generate_expert_traj(lambda o: 0, path, "CartPole-v1", n_episodes=1, seed=0)
    assert bc.load(path).n_episodes == 1 and not lock_path(path).exists()
