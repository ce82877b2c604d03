"""The fuzz suite: whatever a file holds, loading it either works or raises a `BCError`.

Generated files cover shapes (0-d, empty, ragged), dtypes (strings, datetimes, structured,
pickled objects, complex), NaN and infinities, inconsistent starts and returns, hostile image
paths (devices, a FIFO, '..', absolute), hostile metadata (huge or foreign spaces, deep JSON),
and damaged bytes (cut, flipped, zeroed, forged array headers). Never another exception, a
hang (an alarm after 30 s) or more than 256 MiB traced by tracemalloc. CI runs a bounded number
of examples; bench/safety_cases.py runs many more and prints the table.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from .fuzzing import (
    MEMORY_BOUND,
    byte_damage,
    damage,
    hostile_arrays,
    outcome,
    write_hostile,
)
from .generated import Spec, write_dataset

FUZZ_EXAMPLES = 60

_settings = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _assert_allowed(path: Path) -> None:
    result = outcome(path)
    assert result.kind in ("loads", "clean"), (result.kind, result.detail)
    assert result.peak_bytes < MEMORY_BOUND, result


@_settings
@given(arrays=hostile_arrays())
def test_hostile_arrays_load_or_fail_cleanly(arrays):
    folder = Path(tempfile.mkdtemp(prefix="bc-fuzz-")) / "d"
    folder.mkdir()
    try:
        _assert_allowed(write_hostile(folder, arrays))
    finally:
        shutil.rmtree(folder.parent, ignore_errors=True)


@_settings
@given(how=byte_damage())
def test_damaged_archives_load_or_fail_cleanly(how):
    folder = Path(tempfile.mkdtemp(prefix="bc-fuzz-")) / "d"
    folder.mkdir()
    try:
        path = write_dataset(folder, Spec("vector", "box", (4, 3)))
        _assert_allowed(damage(path, *how))
    finally:
        shutil.rmtree(folder.parent, ignore_errors=True)


def test_empty_arrays_of_every_shape_load_or_fail_cleanly(tmp_path):
    """Found by the bench's fuzzing: zero rows of a multi-dimensional array broke `check`."""
    import numpy as np

    for i, (obs_shape, act_shape) in enumerate(
        [((0,), (0,)), ((0, 3), (0, 1)), ((0, 2, 2), (0, 3)), ((0, 0), (0, 0))]
    ):
        folder = tmp_path / str(i)
        folder.mkdir()
        arrays = {
            "obs": np.zeros(obs_shape),
            "actions": np.zeros(act_shape, dtype=np.int64),
            "rewards": np.zeros(0),
            "episode_returns": np.zeros(0),
            "episode_starts": np.zeros(0, dtype=bool),
        }
        _assert_allowed(write_hostile(folder, arrays))


def _found_by_fuzzing() -> list[dict]:
    import numpy as np

    ok = {
        "obs": np.zeros((3, 1)),
        "actions": np.zeros((3, 1), dtype=np.int64),
        "rewards": np.ones(3),
        "episode_returns": np.array([3.0]),
        "episode_starts": np.array([True, False, False]),
    }
    return [
        dict(ok, obs=np.array(["a" * 300] * 3)),  # a path too long for the OS
        dict(ok, obs=np.array([[True], [False], [True]])),  # boolean observations
        dict(ok, episode_starts=np.zeros(0, dtype=bool)),  # rows, but no starts at all
        dict(ok, actions=np.array([[True], [False], [True]])),  # boolean actions
    ]


def test_cases_the_bench_found_load_or_fail_cleanly(tmp_path):
    """Regression cases from bench/bench_safety_cases.py runs (each was a traceback once)."""
    for i, arrays in enumerate(_found_by_fuzzing()):
        folder = tmp_path / str(i)
        folder.mkdir()
        _assert_allowed(write_hostile(folder, arrays))
