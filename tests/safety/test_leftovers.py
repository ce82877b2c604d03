"""Hole 12: temp files of a kill go on the next open; bad journal files are kept; --out dirs."""

from __future__ import annotations

import signal

import bc
from bc.data import journal
from bc.data.editing import consolidate
from tests.safety.conftest import one_line_error, run_bc, run_script
from tests.safety.trials import add_journal_episodes

KILLED_IN_MERGE = """
import os, signal, sys
from bc.data.editing import consolidate
real = os.replace
def replace(src, dst):
    if str(dst).endswith("ds.npz"):
        os.kill(os.getpid(), signal.SIGKILL)  # the temp file is written, not yet renamed
    return real(src, dst)
os.replace = replace
consolidate(sys.argv[1])
"""


def test_temp_files_of_a_killed_merge_are_removed_on_next_open(tmp_path):
    path = tmp_path / "ds.npz"
    bc.generate_expert_traj(lambda o: 0, path, "CartPole-v1", n_episodes=2, seed=0)
    add_journal_episodes(path, [10, 11])
    proc = run_script(KILLED_IN_MERGE, path)
    assert proc.returncode == -signal.SIGKILL
    assert len(journal.temp_files(path)) == 1
    data = bc.load(path)
    assert not journal.temp_files(path)
    assert list(data.episode_seeds) == [0, 1, 10, 11]


def test_unreadable_journal_file_is_moved_aside_kept_and_reported(tmp_path):
    path = tmp_path / "ds.npz"
    bc.generate_expert_traj(lambda o: 0, path, "CartPole-v1", n_episodes=2, seed=0)
    add_journal_episodes(path, [10])
    bad = journal.next_part_path(path)
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    consolidate(path)  # merges the good one; must not delete the bad one
    kept = journal.damaged_parts(path)
    assert [p.name for p in kept] == [bad.name]
    assert kept[0].read_bytes() == b"PK\x03\x04 not really a zip"
    assert list(bc.load(path).episode_seeds) == [0, 1, 10]
    proc = run_bc("check", path)
    assert proc.returncode == 0 and "1 unreadable journal file(s) were set aside" in proc.stdout
    # a new recording replacing the dataset leaves the damaged file alone too
    bc.generate_expert_traj(lambda o: 0, path, "CartPole-v1", n_episodes=1, seed=5)
    assert journal.damaged_parts(path)[0].read_bytes() == b"PK\x03\x04 not really a zip"


def test_out_naming_a_folder_is_refused_before_anything_moves(tmp_path):
    folder = tmp_path / "d.npz"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    plain = tmp_path / "plain"
    plain.mkdir()
    for out in (folder, plain, tmp_path / "d"):
        line = one_line_error(run_bc("record", "CartPole-v1", "--out", out, "--episodes", "1"))
        assert "is a folder" in line
    assert (folder / "keep.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.npz", "plain"]
