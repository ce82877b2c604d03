"""Hole 1: `metadata.journal_merged` in a downloaded file must not name files to delete."""

from __future__ import annotations

import json

import numpy as np

import bc
from bc.data import journal
from bc.data.archive import load
from bc.data.editing import consolidate
from tests.safety.conftest import run_bc
from tests.safety.trials import add_journal_episodes


def _hostile_dataset(folder, victims):
    """A dataset whose metadata lists victims as 'merged journal files', with a live journal."""
    path = folder / "data" / "ds.npz"
    bc.generate_expert_traj(lambda o: 0, path, "CartPole-v1", n_episodes=2, seed=0)
    data = load(path)
    # a journal file the archive says it absorbed (a crash before the clean-up), so the
    # journal folder exists and the next clean-up reads the list: '..' paths resolve
    add_journal_episodes(path, [7])
    absorbed = [p.name for p in journal.all_parts(path)]
    names = ["../../victim.txt", str(victims[1]), "sub/../../../victim.txt"]
    arrays = data.to_arrays()
    meta = {**data.metadata, "journal_merged": names + absorbed}
    arrays["metadata"] = np.array(json.dumps(meta))
    np.savez(path, **arrays)
    return path


def test_journal_merged_entries_outside_the_journal_are_never_deleted(tmp_path, victims):
    path = _hostile_dataset(tmp_path, victims)
    assert journal.journal_dir(path).is_dir()
    # every code path that cleans the journal: append, consolidate, delete, close
    bc.generate_expert_traj(lambda o: 1, path, "CartPole-v1", n_episodes=1, seed=5, append=True)
    assert all(v.read_text() == "precious" for v in victims)
    assert path.is_file()
    data = bc.load(path)
    assert data.n_episodes == 3  # 2 + the appended 1 (the journal's was 'absorbed')
    path2 = _hostile_dataset(tmp_path / "b", victims)
    consolidate(path2)
    assert load(path2).n_episodes == 2
    path3 = _hostile_dataset(tmp_path / "c", victims)
    proc = run_bc("delete", path3, "0")
    assert proc.returncode == 0, proc.stderr
    assert load(path3).n_episodes == 1
    assert all(v.read_text() == "precious" for v in victims)
    assert all(p.is_file() for p in (path, path2, path3))


def test_only_journal_file_names_are_accepted():
    good = "00000012-1a2b3c4d.npz"
    assert journal.safe_part_names([good, "../x", "/etc/passwd", "a/b.npz", 3, None]) == {good}
    assert journal.safe_part_names("../x") == set()
