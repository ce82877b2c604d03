"""Hole 6: a destination that refuses writes is found before recording, and never traps data.

Root ignores file modes, so a folder's mode alone does not refuse root's writes. The child
process here therefore drops to the `nobody` user (os.setuid) when it runs as root, after
importing everything it needs; then a folder owned by root with mode 0755, or one it makes
read-only itself, really refuses its writes. A full disk is RLIMIT_FSIZE in the child (EFBIG
where a full disk gives ENOSPC), never in the test process.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from tests.safety.conftest import run_script

PRELUDE = """
import contextlib, io, os, resource, signal, sys
from pathlib import Path
import bc, bc.data.checks, bc.cli, bc.cli.record_cmds, bc.cli.edit_cmds, bc.record, bc.envs, tqdm
from bc.errors import BCError, DatasetWriteError
from bc.data.recorder import Recorder
from tests.tiny_envs import TinyEnv
import gymnasium as gym

base = Path(sys.argv[1])
env = TinyEnv("image3")
warm = Recorder(base / "warm" / "w", env.observation_space, env.action_space)
obs, _ = env.reset(seed=0)
warm.add_step(obs, 1, 1.0)
warm.end_episode()
warm.close()  # every lazy import done while we may still read everything

def drop_privileges():
    if os.geteuid() == 0:
        os.setgroups([])
        os.setgid(65534)
        os.setuid(65534)

def episode(rec, seed, steps=3):
    obs, _ = env.reset(seed=seed)
    rec.start_episode(seed)
    for _ in range(steps):
        rec.add_step(obs, 1, 1.0)
    rec.end_episode(True)
"""

READ_ONLY = (
    PRELUDE
    + """
drop_privileges()
ro = base / "ro"
try:
    Recorder(ro / "ds", env.observation_space, env.action_space)
except DatasetWriteError as exc:
    print("refused:", exc)
err = io.StringIO()
with contextlib.redirect_stderr(err):
    code = bc.cli.main(["record", "CartPole-v1", "--out", str(ro / "c.npz"), "--episodes", "1"])
print("cli:", code, err.getvalue().strip().replace(chr(10), " | "))
print("listing:", sorted(os.listdir(ro)))

# a folder that turns read-only in the middle of a recording
rw = base / "rw"
errors = []
rec = Recorder(rw / "ds", env.observation_space, env.action_space, on_error=errors.append)
episode(rec, 0)
rec.flush()
os.chmod(rw / "ds_images", 0o555)
os.chmod(rw / "ds.npz.journal", 0o555)
episode(rec, 1)
episode(rec, 2)
try:
    rec.flush()
except DatasetWriteError as exc:
    print("flush:", exc)
print("advice:", any("free some space" in e.lower() for e in errors))
try:
    rec.close()
except DatasetWriteError as exc:
    print("close refused:", exc)
rec.relocate(rw / "elsewhere" / "saved")
episode(rec, 3)
data = rec.close()
print("elsewhere:", data.episode_seeds.tolist())
from bc.data.checks import check_dataset
moved = check_dataset(rw / "elsewhere" / "saved.npz")
print("elsewhere check:", moved.problems, len(moved.data.episode_final_crc32))
print("elsewhere finals:", sorted(Path(str(p)).name for p in moved.data.episode_final_obs))
os.chmod(rw / "ds_images", 0o755)
os.chmod(rw / "ds.npz.journal", 0o755)
print("old:", bc.load(rw / "ds.npz").episode_seeds.tolist())
"""
)

FULL_DISK = (
    PRELUDE
    + """
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
resource.setrlimit(resource.RLIMIT_FSIZE, (1024, hard))
try:
    Recorder(base / "full" / "ds", env.observation_space, env.action_space)
except DatasetWriteError as exc:
    print("refused:", exc)
resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
errors = []
rec = Recorder(base / "full" / "ds", env.observation_space, env.action_space, on_error=errors.append)
resource.setrlimit(resource.RLIMIT_FSIZE, (0, hard))
episode(rec, 0)
try:
    rec.close()
except DatasetWriteError as exc:
    print("close refused:", exc)
print("errors:", errors[0])
resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
print("saved:", rec.close().n_episodes)
"""
)


@pytest.fixture
def shared_tmp():
    """A temp folder the `nobody` user can enter (pytest's own is private to root)."""
    base = Path(tempfile.mkdtemp(prefix="bc-safety-"))
    os.chmod(base, 0o755)
    for name in ("ro", "rw", "warm"):
        (base / name).mkdir()
    if os.geteuid() == 0:
        os.chown(base / "rw", 65534, 65534)
    else:
        os.chmod(base / "ro", 0o555)
    yield base
    for folder, _, _files in os.walk(base):
        os.chmod(folder, 0o755)
    import shutil

    shutil.rmtree(base, ignore_errors=True)


def test_read_only_folder_is_refused_up_front_and_never_traps_episodes(shared_tmp):
    proc = run_script(READ_ONLY, shared_tmp)
    assert proc.returncode == 0, proc.stderr
    out = dict(line.split(": ", 1) for line in proc.stdout.splitlines() if ": " in line)
    assert "Permission denied" in out["refused"] and "ro" in out["refused"]
    code, message = out["cli"].split(" ", 1)
    assert code != "0" and "Permission denied" in message and "Traceback" not in message
    assert out["listing"] == "[]"  # nothing was created, moved or left behind
    assert "Permission denied" in out["flush"] and out["advice"] == "False"
    assert "Permission denied" in out["close refused"]
    assert out["elsewhere"] == "[1, 2, 3]"  # the unsaved episodes were saved elsewhere
    # with their final-observation frames, moved and checked by their CRC-32 too
    assert out["elsewhere check"] == "[] 3"
    assert out["elsewhere finals"] == "['2_final.png', '5_final.png', '8_final.png']"
    assert out["old"] == "[0]"  # and the one saved before stays where it was


def test_full_disk_is_refused_up_front_and_names_the_cause(shared_tmp):
    proc = run_script(FULL_DISK, shared_tmp)
    assert proc.returncode == 0, proc.stderr
    out = dict(line.split(": ", 1) for line in proc.stdout.splitlines() if ": " in line)
    assert "File too large" in out["refused"]
    assert "File too large" in out["close refused"] and "File too large" in out["errors"]
    assert out["saved"] == "1"
