"""Holes 3-4 under fire: SIGKILL at random points, inside the final merge and an append's merge.

Each trial is a real child process that kills itself with SIGKILL just before its k-th
durability call (rename, unlink, fsync); see `trials.py`. Whatever k is, the next load must
find exactly the episodes that were durable: none lost, none twice, the old dataset back when a
replace had saved nothing.
"""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

from tests.safety.trials import merge_points, run_kill_trial

SCENARIOS = (("new", "vector"), ("append", "image"), ("replace", "image"))


def _run(args):
    folder, scenario, kind, k = args
    folder.mkdir(parents=True)
    return run_kill_trial(folder, scenario, kind, k)


def test_sigkill_anywhere_loses_no_finished_episode(tmp_path):
    rng = random.Random(8)
    with ThreadPoolExecutor(2) as pool:
        dry = list(pool.map(_run, [(tmp_path / f"dry-{s}-{k}", s, k, 0) for s, k in SCENARIOS]))
        jobs = []
        for (scenario, kind), run in zip(SCENARIOS, dry, strict=True):
            assert run.calls and run.finished == run.recovered and run.seeds_ok, run
            inside = merge_points(run.calls)
            picks = {rng.randint(1, len(run.calls)), rng.choice(inside[-3:])}
            if scenario == "append":
                picks = {inside[1], rng.choice(inside[-3:])}  # the merge on opening, the last
            if scenario == "replace":  # just before the new recording's first durable episode
                picks.add(
                    next(
                        i
                        for i, (n, f) in enumerate(run.calls, 1)
                        if n == "replace" and f[:1].isdigit()
                    )
                )
            jobs += [(tmp_path / f"{scenario}-{kind}-{k}", scenario, kind, k) for k in picks]
        trials = list(pool.map(_run, jobs))
    assert sum(t.killed for t in trials) == len(trials)
    for t in trials:
        assert not t.error, t
        assert t.recovered == t.finished, t
        assert t.seeds_ok, t
