"""Helpers of the safety suite: run `python -m bc` and child scripts as real processes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.app.conftest import app_home, open_window  # noqa: F401  (the app's fixtures)
from tests.safety.trials import child_env


def run_bc(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m bc ARGS...` in a child process; returns its exit code and output."""
    return subprocess.run(
        [sys.executable, "-m", "bc", *map(str, args)],
        env=child_env(),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def run_script(code: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run a Python snippet in a child process (never in the test process)."""
    return subprocess.run(
        [sys.executable, "-c", code, *map(str, args)],
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    """The error a command printed: exactly one line on stderr, never a traceback."""
    assert proc.returncode != 0, proc.stdout
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if "error:" in line]
    assert len(errors) == 1, proc.stderr
    return errors[0]


@pytest.fixture
def victims(tmp_path: Path) -> list[Path]:
    """Files outside any dataset that nothing may delete: a sibling and a far-away one."""
    outside = tmp_path / "outside"
    outside.mkdir()
    files = [tmp_path / "victim.txt", outside / "victim2.txt"]
    for f in files:
        f.write_text("precious")
    return files
