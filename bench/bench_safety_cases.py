"""Malformed-input cases against the read side: clean errors vs tracebacks vs hangs.

Run: .venv/bin/python bench/bench_safety_cases.py [--examples 400]
Tries, and prints one table row per family:
- fuzz: hypothesis-generated hostile archives (`tests/safety/fuzzing.py`): odd shapes and
  dtypes, NaN, 0-d, missing keys, pickled objects, hostile paths and metadata;
- damaged: a valid archive cut, flipped, zeroed or given a forged array header;
- defects: every named contract defect (`tests/safety/generated.py`) through `check`;
- contract: generated files `check` passes, then loaded, trained one epoch and replayed;
- limits: the hostile files of hole 7 (2 GiB zip bomb, devices, a FIFO, a 16000x16000 PNG, a
  10^10 Box, a 10^9 one-hot), each in a child process under a 1.5 GiB address-space limit;
- cli: bad arguments and files through `python -m bc` (one line, exit 1 or 2, no traceback).
"Clean" means a `BCError` (CLI: one line on stderr and exit 1 or 2). Targets: tracebacks 0,
hangs 0. The machine may be shared: times are indicative only.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402

from tests.safety.bounded import run_bounded  # noqa: E402
from tests.safety.files import (  # noqa: E402
    huge_png,
    image_dataset,
    valid_arrays,
    with_metadata,
    zip_bomb_npz,
)


class Table:
    """Counts per family: cases, loads/ok, clean errors, tracebacks, hangs, worst memory."""

    def __init__(self) -> None:
        self.rows: dict[str, Counter[str]] = {}
        self.peak: dict[str, int] = {}
        self.examples: dict[str, list[str]] = {}

    def add(self, family: str, kind: str, peak: int = 0, detail: str = "") -> None:
        self.rows.setdefault(family, Counter())[kind] += 1
        self.peak[family] = max(self.peak.get(family, 0), peak)
        if kind in ("traceback", "hang"):
            self.examples.setdefault(family, []).append(detail)

    def print(self) -> None:
        head = (
            f"{'family':<10} {'cases':>6} {'loads/ok':>9} {'clean':>6} {'tracebk':>8} {'hangs':>6}"
        )
        print(head + f" {'peak MiB':>9}")
        total: Counter[str] = Counter()
        for family, c in self.rows.items():
            total.update(c)
            peak = f"{self.peak[family] / 2**20:.1f}" if self.peak[family] else "-"
            print(
                f"{family:<10} {sum(c.values()):>6} {c['loads']:>9} {c['clean']:>6} "
                f"{c['traceback']:>8} {c['hang']:>6} {peak:>9}"
            )
        print(
            f"{'total':<10} {sum(total.values()):>6} {total['loads']:>9} {total['clean']:>6} "
            f"{total['traceback']:>8} {total['hang']:>6}"
        )
        for family, details in self.examples.items():
            for d in details[:5]:
                print(f"  {family}: {d}")


def _folder() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="bc-bench-safety-")) / "d"
    folder.mkdir()
    return folder


def run_fuzz(table: Table, examples: int) -> None:
    from tests.safety import fuzzing, generated

    opts = settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )

    @opts
    @given(arrays=fuzzing.hostile_arrays())
    def arrays_case(arrays: dict) -> None:
        folder = _folder()
        try:
            r = fuzzing.outcome(fuzzing.write_hostile(folder, arrays))
            table.add("fuzz", r.kind, r.peak_bytes, r.detail)
        finally:
            shutil.rmtree(folder.parent, ignore_errors=True)

    @opts
    @given(how=fuzzing.byte_damage())
    def damage_case(how: tuple[str, int, int]) -> None:
        folder = _folder()
        try:
            path = generated.write_dataset(folder, generated.Spec("vector", "box", (4, 3)))
            r = fuzzing.outcome(fuzzing.damage(path, *how))
            table.add("damaged", r.kind, r.peak_bytes, r.detail)
        finally:
            shutil.rmtree(folder.parent, ignore_errors=True)

    arrays_case()
    damage_case()


def run_defects(table: Table) -> None:
    from bc.cli import main
    from tests.safety import generated

    for name, d in sorted(generated.DEFECTS.items()):
        for obs_kind in d.obs_kinds:
            for act_kind in d.act_kinds:
                folder = _folder()
                try:
                    spec = generated.Spec(obs_kind, act_kind, (3, 2), True, 3, (name,))
                    path = generated.write_dataset(folder, spec)
                    code, err = _in_process(main, ["check", str(path)])
                    listed = d.fragment in err
                    kind = (
                        "clean" if code == 1 and listed and "Traceback" not in err else "traceback"
                    )
                    table.add("defects", kind, detail=f"{name} {obs_kind}/{act_kind}: {err[-300:]}")
                finally:
                    shutil.rmtree(folder.parent, ignore_errors=True)


def run_contract(table: Table, examples: int) -> None:
    from bc.data.checks import check_dataset
    from tests.safety import generated
    from tests.safety.test_check_contract import expected_fragments, prove_contract, specs

    generated.register_tiny_envs()

    @settings(
        max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(spec=specs())
    def case(spec: Any) -> None:
        folder = _folder()
        try:
            path = generated.write_dataset(folder, spec)
            report = check_dataset(path)
            missing = [
                f for f in expected_fragments(spec) if not any(f in p for p in report.problems)
            ]
            if missing or (not expected_fragments(spec) and not report.ok):
                table.add("contract", "traceback", detail=f"{spec}: {missing} {report.problems}")
                return
            if report.ok:
                prove_contract(path)
                table.add("contract", "loads")
            else:
                table.add("contract", "clean")
        except Exception as exc:  # a file check passed that then failed to load/train/replay
            table.add("contract", "traceback", detail=f"{spec}: {type(exc).__name__}: {exc}")
        finally:
            shutil.rmtree(folder.parent, ignore_errors=True)

    case()


def run_limits(table: Table) -> None:
    folder = _folder()
    try:
        cases: list[tuple[str, str, int]] = []
        bomb = zip_bomb_npz(folder / "bomb.npz", 2 << 30)
        cases.append(("zip bomb", f"import bc; bc.load({str(bomb)!r})", 1536))
        for device in ("/dev/zero", "/dev/urandom"):
            path = image_dataset(folder, [device, device], name=f"dev{device[5:]}.npz")
            code = f"import bc; bc.load({str(path)!r}, check_images=False).observation_space()"
            cases.append((device, code, 1536))
        os.mkfifo(folder / "fifo.png")
        path = image_dataset(folder, ["fifo.png", "fifo.png"], name="fifo.npz")
        code = f"import bc; bc.load({str(path)!r}, check_images=False).observation_space()"
        cases.append(("fifo", code, 1536))
        (folder / "big").mkdir()
        huge_png(folder / "big" / "0.png", 16000, 16000)
        path = image_dataset(folder, ["big/0.png", "big/0.png"], name="png.npz")
        code = (
            "import bc\nfrom bc.replay import EpisodeReplay\n"
            f"EpisodeReplay(bc.load({str(path)!r}), 0).frame(0)"
        )
        cases.append(("16000^2 png", code, 1024))
        meta = {
            "observation_space": {
                "type": "Box",
                "shape": [10**5, 10**5],
                "dtype": "float32",
                "low": 0,
                "high": 1,
            }
        }
        np.savez(folder / "box.npz", **with_metadata(valid_arrays(), meta))
        code = f"import bc; bc.ExpertDataset({str(folder / 'box.npz')!r}, verbose=0)"
        cases.append(("10^10 Box", code, 1536))
        arrays = valid_arrays()
        arrays["obs"] = np.array([[0], [1], [10**9], [2], [3], [4]], dtype=np.int64)
        np.savez(folder / "onehot.npz", **arrays)
        code = (
            "import bc\nfrom bc.train.policies import Policy\n"
            f"ds = bc.ExpertDataset({str(folder / 'onehot.npz')!r}, verbose=0)\n"
            "Policy(ds.observation_space, ds.action_space)"
        )
        cases.append(("10^9 one-hot", code, 1536))
        for name, code, mem in cases:
            started = time.perf_counter()
            out = run_bounded(code, mem_mib=mem, timeout=60)
            took = time.perf_counter() - started
            if out.returncode is None:
                table.add("limits", "hang", detail=name)
            elif out.error_class and out.error_class != "ok":
                table.add("limits", "clean")
                print(f"  limits: {name:<14} {out.error_class} in {took:.1f} s: {out.result[:90]}")
            else:
                table.add("limits", "traceback", detail=f"{name}: {out.stderr[-300:]}")
    finally:
        shutil.rmtree(folder.parent, ignore_errors=True)


CLI_CASES: list[list[str]] = [
    ["info", "zero_d.npz"],
    ["info", "zero_d.npz", "--json"],
    ["check", "zero_d.npz"],
    ["plot", "zero_d.npz"],
    ["plot", "inf.npz", "--out", "p.png"],
    ["plot", "nan.npz"],
    ["info", "nan.npz", "--json"],
    ["info", "."],
    ["info", ".."],
    ["info", "missing.npz"],
    ["info", "/dev/zero"],
    ["check", "/dev/null"],
    ["info", "fifo.npz"],
    ["export", "ok.npz", "--out", "x.gif", "--fps", "0"],
    ["export", "ok.npz", "--out", "x.gif", "--fps", "-3"],
    ["export", "ok.npz", "--out", "x.gif", "--fps", "inf"],
    ["export", "ok.npz", "--out", "x.gif", "--episode", "99"],
    ["export", "ok.npz", "--out", "x.txt"],
    ["record", "--env", "CartPole-v1", "--out", "r.npz", "--seed", "-1"],
    ["record", "--env", "CartPole-v1", "--out", "r.npz", "--seed", str(2**63 - 1)],
    ["record", "--env", "CartPole-v1", "--out", "r.npz", "--episodes", "0"],
    ["record", "--env", "CartPole-v1", "--out", "r.npz", "--env-kwargs", "[1"],
    ["record", "--env", "NoSuchEnv-v0", "--out", "r.npz", "--episodes", "1"],
    ["record", "--env", "nosuchmodule:Env-v0", "--out", "r.npz", "--episodes", "1"],
    ["check", "ok.npz", "--env", "CartPole-v1", "--env-kwargs", "{"],
    ["check", "ok.npz", "--env", "Pendulum-v1"],
    ["--max-bytes", "0", "info", "ok.npz"],
    ["--max-bytes", "10", "info", "ok.npz"],
    ["export", "ok.npz", "--out", "x.mp4", "--fps", "1e308"],
    ["export", "ok.npz", "--out", "."],
    ["plot", "ok.npz", "--out", "."],
    ["record", "--env", "CartPole-v1", "--out", "ok.npz/x", "--episodes", "1"],
    ["record", "--env", "CartPole-v1", "--out", ".", "--episodes", "1"],
    ["check", "ok.npz", "--env", "CartPole-v1", "--env-kwargs", '{"bogus": 1}'],
    ["export", "ok.npz", "--out", "x.gif", "--env-kwargs", '{"render_mode": "human"}'],
    ["no-such-command"],
    ["info"],
]


def run_cli(table: Table) -> None:
    folder = _folder()
    try:
        arrays = valid_arrays()
        np.savez(folder / "ok.npz", **arrays)
        np.savez(folder / "zero_d.npz", **dict(arrays, obs=np.array(1.0)))
        np.savez(folder / "inf.npz", **dict(arrays, episode_returns=np.array([np.inf, 1.0])))
        np.savez(folder / "nan.npz", **dict(arrays, episode_returns=np.array([np.nan, 1.0])))
        os.mkfifo(folder / "fifo.npz")
        for args in CLI_CASES:
            try:
                proc = subprocess.run(
                    [sys.executable, "-m", "bc", *args],
                    cwd=folder,
                    capture_output=True,
                    text=True,
                    timeout=60,
                )
            except subprocess.TimeoutExpired:
                table.add("cli", "hang", detail=" ".join(args))
                continue
            err = proc.stderr.strip()
            nan = "NaN" in proc.stdout or "Infinity" in proc.stdout
            if "Traceback" in err or nan or "internal error" in err:
                table.add("cli", "traceback", detail=f"{args}: {err[-300:]}")
            elif proc.returncode == 0:
                table.add("cli", "loads")
            elif proc.returncode in (1, 2) and _clean_stderr(args, err):
                table.add("cli", "clean")
            else:
                table.add("cli", "traceback", detail=f"{args}: rc {proc.returncode}: {err[-300:]}")
    finally:
        shutil.rmtree(folder.parent, ignore_errors=True)


def _clean_stderr(args: list[str], err: str) -> bool:
    """One line; or check's list of problems; or argparse's usage lines then one error line."""
    lines = err.splitlines()
    if len(lines) == 1:
        return True
    if "check" in args and all(line.startswith("problem: ") for line in lines[:-1]):
        return True
    return lines[0].startswith("usage:") and ": error: " in lines[-1]


def _in_process(main: Callable[[list[str]], int], args: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    out = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            code = main(args)
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, err.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=400, help="per hypothesis family")
    parser.add_argument(
        "--only",
        default="fuzz,defects,contract,limits,cli",
        help="comma-separated families (limits,cli use only public entry points, so they also "
        "run against older code)",
    )
    args = parser.parse_args()
    only = set(args.only.split(","))
    import logging

    logging.disable(logging.WARNING)
    table = Table()
    started = time.perf_counter()
    if "fuzz" in only:
        run_fuzz(table, args.examples)
    if "defects" in only:
        run_defects(table)
    if "contract" in only:
        run_contract(table, max(args.examples // 4, 25))
    if "limits" in only:
        run_limits(table)
    if "cli" in only:
        run_cli(table)
    print()
    table.print()
    print(f"({time.perf_counter() - started:.0f} s; a shared machine: times are indicative)")


if __name__ == "__main__":
    main()
