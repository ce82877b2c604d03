"""Hypothesis strategies for hostile `.npz` files, and the one allowed way to handle each.

`outcome(path)` loads a file the way every command does (`bc.load`, its spaces, `check`) and
classifies what happened: "loads", "clean" (a `BCError`), or "traceback" (anything else).
Memory is measured with tracemalloc (numpy reports its allocations to it); a hang is caught by
an alarm signal. Used by tests/safety/test_fuzz_loader.py and bench/safety_cases.py.
"""

from __future__ import annotations

import json
import signal
import tracemalloc
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import strategies as st

from bc.data.archive import load
from bc.errors import BCError

from .files import npy_header

MEMORY_BOUND = 256 << 20
"""Most any generated file may make the loader allocate (they are all under 1 MB on disk)."""
TIME_BOUND = 30
"""Seconds one file may take before it counts as a hang."""

KEYS = (
    "obs",
    "actions",
    "rewards",
    "episode_returns",
    "episode_starts",
    "episode_terminated",
    "episode_seeds",
    "step_times",
    "episode_created",
)
HOSTILE_PATHS = (
    "recorded_images/0.png",
    "../outside.png",
    "/dev/zero",
    "/dev/urandom",
    "/etc/passwd",
    "",
    ".",
    "recorded_images",
    "a" * 300,
    "fifo.png",
    "image_0.png",
)
DTYPES = (
    "bool",
    "int8",
    "int64",
    "uint8",
    "uint64",
    "float16",
    "float32",
    "float64",
    "complex64",
    "<U12",
    "S4",
    "datetime64[s]",
    "timedelta64[ms]",
    "V8",
    "structured",
    "object",
)


@dataclass(frozen=True)
class Outcome:
    """How the loader handled one file."""

    kind: str
    """"loads", "clean" (a BCError), "traceback" (another exception) or "hang"."""
    detail: str
    peak_bytes: int


def _array(draw: st.DrawFn, n: int) -> np.ndarray:
    dtype = draw(st.sampled_from(DTYPES))
    shape = draw(
        st.sampled_from([(), (n,), (n, 1), (n, 3), (n, 2, 2), (0,), (n + 1,), (max(n - 1, 0), 1)])
    )
    if dtype == "structured":
        return np.zeros(shape, dtype=[("a", "<f4"), ("b", "<i2")])
    if dtype == "object":  # np.savez pickles it; the loader must refuse to unpickle
        return np.full(shape, None, dtype=object)
    if dtype.startswith(("<U", "S")):
        text = draw(st.sampled_from(HOSTILE_PATHS))
        return np.full(shape, text[:12] if dtype == "<U12" else text[:4].encode(), dtype=dtype)
    if dtype.startswith(("datetime", "timedelta", "V")):
        return np.zeros(shape, dtype=dtype)
    values = draw(
        st.lists(
            st.sampled_from([0, 1, -1, 2, 7, 1e9, -1e9, np.nan, np.inf, -np.inf, 0.5]),
            min_size=1,
            max_size=4,
        )
    )
    flat = np.resize(np.array(values, dtype=np.float64), int(np.prod(shape)))
    with np.errstate(invalid="ignore", over="ignore"):
        return flat.reshape(shape).astype(dtype)


_SPACE = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["Box", "Discrete", "Dict", "Tuple", 7, None]),
        "shape": st.one_of(
            st.lists(st.integers(-2, 10**6), max_size=4), st.just([10**5, 10**5]), st.text()
        ),
        "n": st.one_of(st.integers(-5, 10**12), st.text(max_size=3)),
        "dtype": st.sampled_from(["float32", "uint8", "int64", "<U3", "O", "bogus", "complex64"]),
        "low": st.sampled_from([0, -1.0, "-inf", [0, 1], "x", None]),
        "high": st.sampled_from([1, 255, "inf", [2, 3], None]),
    }
)


@st.composite
def hostile_arrays(draw: st.DrawFn) -> dict[str, Any]:
    """A dict of arrays to `np.savez`: the SB2 keys (some missing), extras, junk, metadata."""
    n = draw(st.integers(0, 5))
    mode = draw(st.sampled_from(["valid", "one_bad", "chaos"]))
    arrays: dict[str, Any] = {key: _valid_array(key, n) for key in KEYS}
    if mode == "one_bad":
        arrays[draw(st.sampled_from(KEYS))] = _array(draw, n)
    elif mode == "chaos":
        for key in KEYS:
            if draw(st.integers(0, 9)) == 0:
                del arrays[key]  # a missing key
            elif draw(st.booleans()):
                arrays[key] = _array(draw, n)
    elif n:  # valid shapes, hostile values: NaN/inf somewhere, or image paths
        what = draw(st.sampled_from(["nan_obs", "inf_reward", "paths", "big_action", "none"]))
        if what == "nan_obs":
            arrays["obs"][draw(st.integers(0, n - 1)), 0] = np.nan
        elif what == "inf_reward":
            arrays["rewards"][0] = np.inf
        elif what == "paths":
            picks = draw(st.lists(st.sampled_from(HOSTILE_PATHS), min_size=n, max_size=n))
            arrays["obs"] = np.array(picks)
        elif what == "big_action":
            arrays["actions"][0, 0] = draw(st.sampled_from([-1, 10**9, 2**62]))
    if draw(st.booleans()):
        meta: Any = {
            "observation_space": draw(_SPACE),
            "action_space": draw(_SPACE),
            "env_id": draw(st.sampled_from(["CartPole-v1", "evil_mod:Env-v0", 5, None])),
            "journal_merged": draw(st.sampled_from([[], ["../x"], "zz"])),
        }
        meta = draw(st.sampled_from([meta, [1, 2], "text", None]))
        text = json.dumps(meta) if draw(st.booleans()) else draw(st.sampled_from(["{", "[" * 5000]))
        arrays["metadata"] = np.array(text)
    if draw(st.booleans()):
        arrays["junk"] = np.zeros(3)
    return arrays


def _valid_array(key: str, n: int) -> np.ndarray:
    starts = np.zeros(n, dtype=bool)
    starts[:1] = True
    return {
        "obs": np.zeros((n, 3), np.float32),
        "actions": np.zeros((n, 1), np.int64),
        "rewards": np.ones(n),
        "episode_returns": np.full(int(n > 0), float(n)),
        "episode_starts": starts,
        "episode_terminated": np.ones(int(n > 0), bool),
        "episode_seeds": np.zeros(int(n > 0), np.int64),
        "step_times": np.zeros(n),
        "episode_created": np.zeros(int(n > 0)),
    }[key]


@st.composite
def byte_damage(draw: st.DrawFn) -> tuple[str, int, int]:
    """A way to damage a valid archive's bytes: (how, where as a fraction x 1000, a value)."""
    how = draw(st.sampled_from(["truncate", "flip", "zero_run", "forge_header"]))
    return how, draw(st.integers(0, 999)), draw(st.integers(0, 255))


def prepare_folder(folder: Path) -> None:
    """Give the hostile paths something to find: a real PNG, a FIFO, a file outside."""
    import os

    from bc.data.images import write_image

    (folder / "recorded_images").mkdir(parents=True, exist_ok=True)
    write_image(folder / "recorded_images" / "0.png", np.zeros((6, 8, 3), np.uint8))
    write_image(folder.parent / "outside.png", np.zeros((6, 8, 3), np.uint8))
    if not (folder / "fifo.png").exists():
        os.mkfifo(folder / "fifo.png")


def write_hostile(folder: Path, arrays: dict[str, Any], name: str = "f.npz") -> Path:
    """Write arrays with numpy's own writer (object arrays are pickled, as a foreign file may)."""
    prepare_folder(folder)
    path = folder / name
    np.savez(path, **arrays)
    return path


def damage(path: Path, how: str, where: int, value: int) -> Path:
    """Damage an archive in place: cut it, flip a byte, zero a run, or forge an array header."""
    data = bytearray(path.read_bytes())
    at = where * len(data) // 1000
    if how == "truncate":
        data = data[: max(at, 1)]
    elif how == "flip":
        data[at] ^= value or 1
    elif how == "zero_run":
        data[at : at + 64] = bytes(len(data[at : at + 64]))
    else:
        with warnings.catch_warnings(), zipfile.ZipFile(path, "a") as zf:
            warnings.simplefilter("ignore", UserWarning)  # the duplicate name is the point
            zf.writestr("rewards.npy", npy_header((10**13,)))  # a 2nd member declaring 80 TB
        return path
    path.write_bytes(bytes(data))
    return path


@contextmanager
def _alarm(seconds: int) -> Iterator[None]:
    def hang(signum: int, frame: Any) -> None:
        raise TimeoutError(f"no answer after {seconds} s")

    old = signal.signal(signal.SIGALRM, hang)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def outcome(path: Path) -> Outcome:
    """Load a file as the commands do and classify what happened (never raises)."""
    from bc.data.checks import check_dataset

    tracemalloc.start()
    try:
        with _alarm(TIME_BOUND):
            try:
                data = load(path)
                data.observation_space()
                data.action_space()
                kind, detail = "loads", ""
            except BCError as exc:
                kind, detail = "clean", f"{type(exc).__name__}: {exc}"
            report = check_dataset(path)  # must never raise, whatever the file
            if kind == "loads" and not report.ok:
                detail = "; ".join(report.problems)
    except TimeoutError as exc:
        kind, detail = "hang", str(exc)
    except Exception as exc:  # the outcome the suite exists to rule out
        kind, detail = "traceback", f"{type(exc).__name__}: {exc}"
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return Outcome(kind, detail[:500], peak)
