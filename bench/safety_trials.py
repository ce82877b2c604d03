"""Data-safety trials: kill trials, two-writer runs and hostile or broken inputs, as one table.

Run from the repository root:

    .venv/bin/python bench/safety_trials.py                # 60 kill trials, 16 writer pairs
    .venv/bin/python bench/safety_trials.py --kills 200 --writers 40

Every case runs real processes on real files (see tests/safety/trials.py). The table counts:
cases tried, clean errors (a one-line message, non-zero exit), tracebacks (must be 0), hangs
(0), episodes finished vs recovered across the kill trials (equal) and victim files, outside
any dataset, that were deleted (0).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import bc  # noqa: E402
from bc.data import journal  # noqa: E402
from bc.data.archive import load  # noqa: E402
from tests.safety.trials import (  # noqa: E402
    add_journal_episodes,
    child_env,
    merge_points,
    run_kill_trial,
    run_two_writers,
    start_writer,
)

TIMEOUT_S = 120


@dataclass
class Tally:
    """What the trials found."""

    cases: int = 0
    ok: int = 0
    clean_errors: int = 0
    tracebacks: int = 0
    hangs: int = 0
    finished: int = 0
    recovered: int = 0
    kill_trials: int = 0
    kill_mismatches: int = 0
    victims_deleted: int = 0
    notes: list[str] = field(default_factory=list)

    def cli(self, name: str, args: list[str], expect_error: bool, cwd: Path | None = None) -> None:
        """Run `python -m bc ARGS` and count its outcome."""
        self.cases += 1
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "bc", *args],
                env=child_env(),
                cwd=cwd,
                capture_output=True,
                text=True,
                timeout=TIMEOUT_S,
            )
        except subprocess.TimeoutExpired:
            self.hangs += 1
            self.notes.append(f"{name}: hang")
            return
        self._count(name, proc.returncode, proc.stderr, expect_error)

    def script(self, name: str, code: str, args: list[str], expect_error: bool) -> None:
        """Run a child Python snippet that prints 'error: ...' for a BCError."""
        self.cases += 1
        try:
            proc = subprocess.run(
                [sys.executable, "-c", code, *args],
                env=child_env(),
                capture_output=True,
                text=True,
                timeout=TIMEOUT_S,
            )
        except subprocess.TimeoutExpired:
            self.hangs += 1
            return
        self._count(name, proc.returncode, proc.stderr, expect_error)

    def _count(self, name: str, code: int, stderr: str, expect_error: bool) -> None:
        if "Traceback" in stderr:
            self.tracebacks += 1
            self.notes.append(f"{name}: traceback\n{stderr[-800:]}")
        elif code == 0:
            self.ok += 1
            if expect_error:
                self.notes.append(f"{name}: expected an error, exit 0")
        else:
            errors = [line for line in stderr.splitlines() if "error:" in line]
            if len(errors) == 1:
                self.clean_errors += 1
                if not expect_error:
                    self.notes.append(f"{name}: unexpected error {errors[0]}")
            else:
                self.tracebacks += 1  # not one clean line: counted against us
                self.notes.append(f"{name}: unclear failure\n{stderr[-800:]}")


def victims(folder: Path) -> list[Path]:
    """Files outside any dataset: one beside it, one in another folder."""
    (folder / "outside").mkdir(exist_ok=True)
    files = [folder / "victim.txt", folder / "outside" / "victim2.txt"]
    for f in files:
        f.write_text("precious")
    return files


def restore(files: list[Path]) -> int:
    """Count victims that were deleted or changed, and put them back for the next case."""
    lost = 0
    for f in files:
        if not f.exists() or f.read_text() != "precious":
            lost += 1
            f.write_text("precious")
    return lost


def hostile_cases(t: Tally, base: Path) -> None:
    """Datasets whose contents name files to delete; bad arguments; locked and broken states."""
    from tests.tiny_envs import TinyEnv

    folder = base / "hostile"
    folder.mkdir()
    vs = victims(folder)
    # 1. journal_merged naming files outside the journal
    for i, command in enumerate(("record", "delete", "info", "check")):
        path = folder / f"jm{i}" / "ds.npz"
        bc.generate_expert_traj(lambda o: 0, path, "CartPole-v1", n_episodes=2, seed=0)
        data = load(path)
        add_journal_episodes(path, [7])  # listed as absorbed below: the clean-up reads the list
        absorbed = [p.name for p in journal.all_parts(path)]
        arrays = data.to_arrays()
        names = ["../../victim.txt", str(vs[1]), "../ds.npz", "x/../../../victim.txt", *absorbed]
        arrays["metadata"] = np.array(json.dumps({**data.metadata, "journal_merged": names}))
        np.savez(path, **arrays)
        args = {
            "record": [
                "record",
                "--env",
                "CartPole-v1",
                "--out",
                str(path),
                "--episodes",
                "1",
                "--append",
            ],
            "delete": ["delete", str(path), "0"],
            "info": ["info", str(path)],
            "check": ["check", str(path)],
        }[command]
        t.cli(f"journal_merged/{command}", args, expect_error=False)
        t.victims_deleted += restore(vs)
    # 2. image paths naming files outside the image folder
    env = TinyEnv("image3")
    for i, hostile in enumerate(("../victim.txt", "victim.txt", str(vs[1]), "link")):
        sub = folder / f"img{i}"
        path = sub / "img.npz"
        bc.generate_expert_traj(lambda o: 1, path, env, n_episodes=3, seed=0)
        data = load(path)
        obs = data.obs.tolist()
        target = hostile
        if hostile == "link":
            own = data.image_path(0).parent
            os.symlink(vs[1], own / "999.png")
            target = f"{own.name}/999.png"
        elif hostile == "../victim.txt":
            target = "../victim.txt"
        obs[data.episode_slice(1).start] = target
        np.savez(path, **(data.to_arrays() | {"obs": np.array(obs)}))
        if hostile == "victim.txt":
            (sub / "victim.txt").write_text("precious")
            vs.append(sub / "victim.txt")
        t.cli(f"delete-path/{hostile}", ["delete", str(path), "1"], expect_error=False)
        t.victims_deleted += restore(vs)
    # 3. bad arguments and states: each must be one clean line
    path = folder / "img0" / "img.npz"
    t.cli("delete/out-of-range", ["delete", str(path), "9"], expect_error=True)
    t.cli("delete/missing-file", ["delete", str(folder / "none.npz"), "0"], expect_error=True)
    # deleting every episode leaves an empty dataset that can be recorded into again
    t.cli("delete/every-episode", ["delete", str(path), "0", "1"], expect_error=False)
    for name in ("d.npz", "plain"):
        (folder / name).mkdir()
        t.cli(
            f"record/--out-folder/{name}",
            ["record", "--env", "CartPole-v1", "--out", str(folder / name), "--episodes", "1"],
            expect_error=True,
        )
    (folder / "afile").write_text("x")
    t.cli(
        "record/--out-under-a-file",
        [
            "record",
            "--env",
            "CartPole-v1",
            "--out",
            str(folder / "afile" / "x.npz"),
            "--episodes",
            "1",
        ],
        expect_error=True,
    )
    # 4. a dataset another writer holds
    held = folder / "held.npz"
    writer = start_writer(folder, held, 0, 1)
    assert writer.stdout is not None and writer.stdout.readline().strip() == "open"
    t.cli(
        "record/locked",
        ["record", "--env", "CartPole-v1", "--out", str(held), "--episodes", "1", "--append"],
        expect_error=True,
    )
    t.cli("delete/locked", ["delete", str(held), "0"], expect_error=True)
    writer.communicate("\n", timeout=TIMEOUT_S)
    # 5. a backup without a newer dataset, for each reader
    for command in ("info", "check"):
        sub = folder / f"bak-{command}"
        path = sub / "ds.npz"
        bc.generate_expert_traj(lambda o: 0, path, "CartPole-v1", n_episodes=3, seed=0)
        path.rename(sub / "ds.npz.bak")
        t.cli(f"backup/{command}", [command, str(path)], expect_error=False)
    # 6. a damaged journal file
    sub = folder / "damaged"
    path = sub / "ds.npz"
    bc.generate_expert_traj(lambda o: 0, path, "CartPole-v1", n_episodes=2, seed=0)
    journal.next_part_path(path).parent.mkdir(exist_ok=True)
    journal.next_part_path(path).write_bytes(b"PK\x03\x04 garbage")
    t.cli("journal/damaged-check", ["check", str(path)], expect_error=False)
    kept = list(sub.rglob("*.npz"))  # the damaged file must still exist, wherever it was moved
    if not any(p.read_bytes() == b"PK\x03\x04 garbage" for p in kept):
        t.notes.append("damaged journal file was deleted")
        t.victims_deleted += 1
    # 7. a read-only folder (the child drops to `nobody` when root) and a full disk
    shared = Path(tempfile.mkdtemp(prefix="bc-safety-"))
    os.chmod(shared, 0o755)
    (shared / "ro").mkdir()
    if os.geteuid() != 0:
        os.chmod(shared / "ro", 0o555)
    code = (
        "import os, sys, bc.cli, bc.cli.record_cmds, bc.cli.edit_cmds, bc.record, tqdm\n"
        "import gymnasium as gym; gym.make('CartPole-v1')\n"
        "if os.geteuid() == 0:\n"
        "    os.setgroups([]); os.setgid(65534); os.setuid(65534)\n"
        "sys.exit(bc.cli.main(sys.argv[1:]))\n"
    )
    out = str(shared / "ro" / "x.npz")
    t.script(
        "record/read-only",
        code,
        ["record", "--env", "CartPole-v1", "--out", out],
        expect_error=True,
    )
    full = (
        "import resource, signal, sys, bc.cli, bc.cli.record_cmds, bc.record, tqdm\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (1024, resource.RLIM_INFINITY))\n"
        "sys.exit(bc.cli.main(sys.argv[1:]))\n"
    )
    out = str(base / "full" / "x.npz")
    t.script(
        "record/full-disk",
        full,
        ["record", "--env", "CartPole-v1", "--out", out],
        expect_error=True,
    )
    shutil.rmtree(shared, ignore_errors=True)
    t.victims_deleted += sum(not v.exists() or v.read_text() != "precious" for v in vs)


def kill_trials(t: Tally, base: Path, n: int, rng: random.Random) -> None:
    """SIGKILL recordings at random durability calls; a third of them inside a merge."""
    scenarios = [(s, k) for s in ("new", "append", "replace") for k in ("vector", "image")]
    calls: dict[tuple[str, str], list[list[str]]] = {}
    for scenario, kind in scenarios:
        dry = run_kill_trial(_fresh(base, f"dry-{scenario}-{kind}"), scenario, kind, 0)
        calls[(scenario, kind)] = dry.calls or []
    for i in range(n):
        scenario, kind = rng.choice(scenarios)
        log = calls[(scenario, kind)]
        inside = merge_points(log)
        k = rng.choice(inside) if i % 3 == 0 and inside else rng.randint(1, len(log))
        t.cases += 1
        try:
            trial = run_kill_trial(_fresh(base, f"kill-{i}"), scenario, kind, k)
        except subprocess.TimeoutExpired:
            t.hangs += 1
            continue
        t.kill_trials += 1
        t.finished += trial.finished
        t.recovered += trial.recovered
        if trial.error:
            t.tracebacks += 1
            t.notes.append(f"kill trial {scenario}/{kind}/{k}: {trial.error}")
        elif trial.finished != trial.recovered or not trial.seeds_ok:
            t.kill_mismatches += 1
            t.notes.append(f"kill trial {scenario}/{kind}/{k}: {trial}")
        else:
            t.ok += 1


def writer_runs(t: Tally, base: Path, n: int) -> None:
    """Two real writer processes on one dataset, n times."""
    for i in range(n):
        t.cases += 1
        try:
            run = run_two_writers(_fresh(base, f"writers-{i}"), episodes=5)
        except subprocess.TimeoutExpired:
            t.hangs += 1
            continue
        if run.traceback:
            t.tracebacks += 1
        elif run.second_refused and run.episodes == run.expected:
            t.clean_errors += 1
        else:
            t.notes.append(f"two writers {i}: {run}")


def _fresh(base: Path, name: str) -> Path:
    folder = base / name
    folder.mkdir(parents=True)
    return folder


def main() -> int:
    """Run every trial and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=60, help="kill trials (default 60)")
    parser.add_argument("--writers", type=int, default=16, help="two-writer runs (default 16)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    import logging

    logging.disable(logging.WARNING)
    rng = random.Random(args.seed)
    t = Tally()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="safety-trials-") as tmp:
        base = Path(tmp)
        hostile_cases(t, base)
        writer_runs(t, base, args.writers)
        kill_trials(t, base, args.kills, rng)
    took = time.perf_counter() - start
    rows = [
        ("cases tried", t.cases),
        ("  of which ran fine", t.ok),
        ("clean errors (one line, non-zero exit)", t.clean_errors),
        ("tracebacks", t.tracebacks),
        ("hangs", t.hangs),
        ("kill trials", t.kill_trials),
        ("episodes finished (durable at the kill)", t.finished),
        ("episodes recovered (next load)", t.recovered),
        ("kill trials with a mismatch", t.kill_mismatches),
        ("victim files deleted", t.victims_deleted),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"| {'':<{width}} | count |")
    print(f"|{'-' * (width + 2)}|------:|")
    for name, value in rows:
        print(f"| {name:<{width}} | {value:>5} |")
    print(f"\n{took:.0f} s on this machine")
    for note in t.notes:
        print("note:", note)
    bad = t.tracebacks or t.hangs or t.kill_mismatches or t.victims_deleted
    bad = bad or t.finished != t.recovered
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
