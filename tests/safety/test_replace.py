"""Hole 4: a replace cut short by a kill, or cancelled, never loses the old dataset."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import textwrap

import bc
from bc.data import journal
from bc.data.recorder import Recorder
from tests.safety.conftest import one_line_error, run_bc
from tests.safety.trials import add_journal_episodes, child_env

REPLACER = textwrap.dedent(
    """
    import sys, gymnasium as gym
    from bc.data.recorder import Recorder
    env = gym.make("CartPole-v1")
    rec = Recorder(sys.argv[1], env.observation_space, env.action_space)  # replaces
    print("replacing", flush=True)
    sys.stdin.readline()
    """
)


def _old_dataset(folder, episodes=20):
    path = folder / "ds.npz"
    bc.generate_expert_traj(lambda o: 0, path, "CartPole-v1", n_episodes=episodes, seed=0)
    return path


def _start_replace(path):
    proc = subprocess.Popen(
        [sys.executable, "-c", REPLACER, str(path)],
        env=child_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "replacing"
    return proc


def _kill(proc):
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def _digest(folder):
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_append_after_a_killed_replace_keeps_the_old_episodes(tmp_path):
    path = _old_dataset(tmp_path)
    _kill(_start_replace(path))
    assert not path.exists() and path.with_name("ds.npz.bak").exists()
    proc = run_bc("record", "CartPole-v1", "--out", path, "--episodes", "2", "--append")
    assert proc.returncode == 0, proc.stderr
    data = bc.load(path)
    assert data.n_episodes == 22 and list(data.episode_seeds[:20]) == list(range(20))
    assert not path.with_name("ds.npz.bak").exists()


def test_info_check_and_load_restore_the_backup(tmp_path):
    for command in ("info", "check", "load"):
        folder = tmp_path / command
        folder.mkdir()
        path = _old_dataset(folder, 5)
        _kill(_start_replace(path))
        assert not path.exists()
        if command == "load":
            assert bc.load(path).n_episodes == 5
        else:
            proc = run_bc(command, path)
            assert proc.returncode == 0, proc.stderr
            assert "5" in proc.stdout
        assert path.is_file() and not path.with_name("ds.npz.bak").exists()


def test_a_replace_under_way_names_where_the_data_is(tmp_path):
    path = _old_dataset(tmp_path, 3)
    proc = _start_replace(path)
    try:
        line = one_line_error(run_bc("info", path))
        assert "ds.npz.bak" in line and "being replaced" in line
    finally:
        proc.communicate("\n", timeout=30)
    assert bc.load(path).n_episodes == 3  # closing with nothing recorded put it back


def test_cancelled_replace_leaves_dataset_and_journal_exactly_as_they_were(tmp_path):
    path = _old_dataset(tmp_path, 5)
    add_journal_episodes(path, [50, 51, 52])  # 3 recovered episodes not merged yet
    before = _digest(tmp_path)
    assert len(journal.unmerged_parts(path)) == 3
    env_data = bc.load(path)
    assert env_data.n_episodes == 8
    import gymnasium as gym

    env = gym.make("CartPole-v1")
    rec = Recorder(path, env.observation_space, env.action_space)  # a replace...
    assert not path.exists()
    assert rec.close() is None  # ...cancelled with nothing recorded
    assert _digest(tmp_path) == before
    assert bc.load(path).n_episodes == 8


def test_backup_goes_only_once_the_new_dataset_holds_an_episode(tmp_path):
    path = _old_dataset(tmp_path, 4)
    import gymnasium as gym

    env = gym.make("CartPole-v1")
    rec = Recorder(path, env.observation_space, env.action_space)
    bak = path.with_name("ds.npz.bak")
    obs, _ = env.reset(seed=0)
    rec.add_step(obs, 0, 1.0)
    assert bak.exists()  # an open episode is not durable
    rec.end_episode()
    rec.flush()
    assert not bak.exists() and len(journal.unmerged_parts(path)) == 1
    rec.close()
    assert bc.load(path).n_episodes == 1
    shutil.rmtree(tmp_path / "ds.npz.journal", ignore_errors=True)
