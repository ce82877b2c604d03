"""Run a snippet of `bc` code in a child process under a memory limit and a timeout.

The child gets RLIMIT_AS (address space) of `mem_mib`: an allocation past it fails at once
instead of swapping the machine, so "memory bounded" is a fact the test can check. The child
prints `RESULT <ExceptionClass> <message>` for a `BCError`, `RESULT ok <text>` when the code
ran; anything else (another exception, a crash, a hang) shows as its exit code or a timeout.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import textwrap
from dataclasses import dataclass

DEFAULT_MEM_MIB = 1536
"""Address-space limit of the child: the interpreter, numpy, OpenCV and gymnasium take about
500 MiB of it; a file that made us allocate 1 GiB more fails."""

_PRELUDE = """
import sys
from bc.errors import BCError
try:
{body}
except BCError as exc:
    print("RESULT", type(exc).__name__, " ".join(str(exc).split()), flush=True)
    sys.exit(0)
print("RESULT ok", flush=True)
"""


@dataclass(frozen=True)
class Outcome:
    """What the child did."""

    returncode: int | None
    """None when it was killed at the timeout."""
    stdout: str
    stderr: str

    @property
    def result(self) -> str:
        """The `RESULT ...` line ('' when the child never printed one)."""
        lines = [line for line in self.stdout.splitlines() if line.startswith("RESULT ")]
        return lines[-1][len("RESULT ") :] if lines else ""

    @property
    def error_class(self) -> str:
        """'ok' or the BCError subclass raised ('' when something else happened)."""
        return self.result.split(" ", 1)[0] if self.result else ""


def run_bounded(
    body: str, *, mem_mib: int = DEFAULT_MEM_MIB, timeout: float = 60.0, cwd: str | None = None
) -> Outcome:
    """Run `body` (Python source, may use `bc`) in a child limited to `mem_mib` of memory."""
    code = _PRELUDE.format(body=textwrap.indent(textwrap.dedent(body), "    "))
    limit = mem_mib << 20

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    env = dict(os.environ, MALLOC_ARENA_MAX="2", OMP_NUM_THREADS="1")
    try:
        proc = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=timeout,
            preexec_fn=limit_memory,
            env=env,
            cwd=cwd,
        )
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        err = exc.stderr.decode() if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        return Outcome(None, out, err)
    return Outcome(proc.returncode, proc.stdout, proc.stderr)
