"""Real-process trials shared by the safety tests and bench/safety_trials.py.

A kill trial runs a recording in a child process that SIGKILLs itself just before its k-th
call to `os.replace`, `os.unlink` or `os.fsync`: the calls that make a write durable or clean
up after one. Counting those calls reaches every point of a recording, including inside the
final merge and inside an append's merge, and the child knows exactly how many episodes were
durable (journal renames completed) when it died. The parent then loads the dataset and
compares.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]

KILL_CHILD = textwrap.dedent(
    """
    import json, os, re, signal, sys
    import numpy as np
    import bc
    from bc.data.recorder import Recorder
    from tests.tiny_envs import TinyEnv

    path, scenario, kind, kill_at, report = sys.argv[1:6]
    kill_at = int(kill_at)
    part = re.compile(r"\\d{8}-[0-9a-f]{8}\\.npz$")
    state = {"calls": 0, "durable": 0, "base": int(sys.argv[6]), "log": []}
    real = {"replace": os.replace, "unlink": os.unlink, "fsync": os.fsync}

    def hooked(name):
        def call(*args, **kwargs):
            state["calls"] += 1
            if state["calls"] == kill_at:
                with open(report, "w") as fh:
                    json.dump(state, fh)
                    fh.flush()
                    real["fsync"](fh.fileno())
                os.kill(os.getpid(), signal.SIGKILL)
            state["log"].append([name, os.path.basename(str(args[-1] if name == "replace" else args[0]))])
            out = real[name](*args, **kwargs)
            if name == "replace" and part.search(str(args[1])):
                state["durable"] += 1
            return out
        return call

    env = TinyEnv("image3" if kind == "image" else "vector")
    os.replace, os.unlink, os.fsync = hooked("replace"), hooked("unlink"), hooked("fsync")
    rec = Recorder(path, env.observation_space, env.action_space, append=scenario != "replace")
    for seed in range(100, 104):
        obs, _ = env.reset(seed=seed)
        rec.start_episode(seed)
        while True:
            nxt, reward, term, trunc, _ = env.step(1)
            rec.add_step(obs, 1, reward)
            obs = nxt
            if term or trunc:
                rec.end_episode(bool(term))
                break
        rec.flush()
    rec.close()
    state["completed"] = True
    with open(report, "w") as fh:
        json.dump(state, fh)
    """
)


def child_env() -> dict[str, str]:
    """Environment for a child Python that imports this checkout's `bc` and `tests`."""
    return dict(os.environ, PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1")


@dataclass
class KillTrial:
    """One kill trial's outcome."""

    scenario: str
    kind: str
    kill_at: int
    killed: bool
    finished: int
    """Episodes durable when the child died: the old dataset's, or what the new one saved."""
    recovered: int
    """Episodes the next `load` found."""
    seeds_ok: bool
    """Recovered episodes are exactly the finished ones, in order, none twice."""
    error: str = ""
    calls: list[list[str]] | None = None
    """In a run that was not killed: every hooked call, in order, as (name, file name)."""


def prepare(folder: Path, scenario: str, kind: str) -> tuple[Path, int]:
    """Make the dataset a scenario starts from; returns its path and its episode count."""
    from bc.data import journal
    from bc.data.archive import load
    from bc.data.recorder import Recorder
    from tests.tiny_envs import TinyEnv

    path = folder / "ds.npz"
    if scenario == "new":
        return path, 0
    env = TinyEnv("image3" if kind == "image" else "vector")
    rec = Recorder(path, env.observation_space, env.action_space)
    for seed in (0, 1, 2):
        obs, _ = env.reset(seed=seed)
        rec.start_episode(seed)
        for _ in range(3):
            rec.add_step(obs, 0, 1.0)
        rec.end_episode(True)
    rec.close()
    add_journal_episodes(path, [3, 4])
    assert len(journal.unmerged_parts(path)) == 2
    assert load(path, check_images=False).n_episodes == 5
    return path, 5


def add_journal_episodes(path: Path, seeds: list[int]) -> None:
    """Leave episodes unmerged in a dataset's journal, as a crash after saving them does."""
    from bc.data import journal
    from bc.data.archive import atomic_savez, load
    from bc.data.arrays import DatasetArrays
    from bc.data.images import frame_numbers, write_image
    from bc.data.trajectory import Episode

    data = load(path, check_images=False)
    for seed in seeds:
        if data.is_image:
            folder = Path(str(data.obs[0])).parent
            first = max(frame_numbers(path.parent / folder)) + 1
            obs = []
            for i in range(2):
                name = folder / f"{first + i}.png"
                write_image(path.parent / name, np.full((6, 8, 3), seed, dtype=np.uint8))
                obs.append(str(name))
            obs_arr = np.array(obs)
            final_name = folder / f"{first + 1}_final.png"
            write_image(path.parent / final_name, np.full((6, 8, 3), seed, dtype=np.uint8))
            final = np.array(str(final_name))
        else:
            obs_arr = np.full((2, *data.obs.shape[1:]), seed, dtype=data.obs.dtype)
            final = obs_arr[-1]
        ep = Episode(
            obs=obs_arr,
            actions=np.zeros((2, *data.actions.shape[1:]), dtype=data.actions.dtype),
            rewards=np.ones(2),
            terminated=True,
            seed=seed,
            final_obs=final,
        )
        part = DatasetArrays.from_episodes([ep], data.metadata)
        atomic_savez(journal.next_part_path(path), part.to_arrays())


def run_kill_trial(folder: Path, scenario: str, kind: str, kill_at: int) -> KillTrial:
    """Run one trial in `folder` (scenario: new, append or replace; kind: vector or image)."""
    import bc

    path, base = prepare(folder, scenario, kind)
    script = folder / "child.py"
    script.write_text(KILL_CHILD)
    report = folder / "report.json"
    proc = subprocess.run(
        [sys.executable, str(script), str(path), scenario, kind, str(kill_at), str(report), "0"],
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    killed = proc.returncode == -signal.SIGKILL
    if not killed and proc.returncode != 0:
        return KillTrial(scenario, kind, kill_at, False, -1, -1, False, proc.stderr[-500:])
    state = json.loads(report.read_text())
    new = state["durable"]
    if scenario == "replace":
        finished = new if new else base
    else:
        finished = base + new
    try:
        data = bc.load(path)
    except bc.BCError as exc:
        if finished == 0:
            return KillTrial(scenario, kind, kill_at, killed, 0, 0, True)
        return KillTrial(scenario, kind, kill_at, killed, finished, 0, False, str(exc))
    seeds = [int(s) for s in data.episode_seeds]
    if scenario == "replace" and new:
        expected = list(range(100, 100 + new))
    else:
        old = list(range(base))
        expected = old + list(range(100, 100 + new))
    return KillTrial(
        scenario,
        kind,
        kill_at,
        killed,
        finished,
        data.n_episodes,
        seeds == expected,
        calls=None if killed else state["log"],
    )


def merge_points(calls: list[list[str]]) -> list[int]:
    """1-based call numbers inside a merge: the archive's rename and the clean-up around it."""
    points = []
    for i, (name, file) in enumerate(calls, start=1):
        if name == "replace" and file == "ds.npz":
            points += [i - 1, i, i + 1, i + 2]
    return sorted({p for p in points if 1 <= p <= len(calls)})


WRITER_CHILD = textwrap.dedent(
    """
    import sys, time
    import bc
    from bc.data.recorder import Recorder
    from tests.tiny_envs import TinyEnv

    env = TinyEnv()
    try:
        rec = Recorder(sys.argv[1], env.observation_space, env.action_space, append=True)
    except bc.BCError as exc:
        print("refused:", exc, flush=True)
        sys.exit(1)
    print("open", flush=True)
    obs, _ = env.reset(seed=int(sys.argv[2]))
    for i in range(int(sys.argv[3])):
        rec.start_episode(int(sys.argv[2]) + i)
        for _ in range(3):
            rec.add_step(obs, 1, 1.0)
        rec.end_episode(True)
        rec.flush()
        time.sleep(0.01)
    print("recorded", flush=True)
    sys.stdin.readline()  # hold the dataset open until told to close
    rec.close()
    print("closed", flush=True)
    """
)


def start_writer(folder: Path, path: Path, first_seed: int, episodes: int) -> subprocess.Popen[str]:
    """Start a writer process that records `episodes` episodes and waits for a line on stdin."""
    script = folder / "writer.py"
    if not script.exists():
        script.write_text(WRITER_CHILD)
    return subprocess.Popen(
        [sys.executable, str(script), str(path), str(first_seed), str(episodes)],
        env=child_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@dataclass
class WriterRun:
    """Two writers on one dataset: what each did and what the dataset holds."""

    first_ok: bool
    second_refused: bool
    message: str
    episodes: int
    expected: int
    traceback: bool


def run_two_writers(folder: Path, episodes: int = 5) -> WriterRun:
    """Open a dataset in one process, try a second writer while it is open, then close both."""
    import bc

    path = folder / "shared.npz"
    first = start_writer(folder, path, 0, episodes)
    assert first.stdout is not None and first.stdin is not None
    line = first.stdout.readline()
    second = start_writer(folder, path, 1000, episodes)
    out, err = second.communicate("\n", timeout=60)
    _out_first, err_first = first.communicate("\n", timeout=60)
    data = bc.load(path)
    return WriterRun(
        first_ok=line.strip() == "open" and first.returncode == 0,
        second_refused=second.returncode == 1 and out.startswith("refused:"),
        message=out.strip(),
        episodes=data.n_episodes,
        expected=episodes,
        traceback="Traceback" in err + err_first,
    )
