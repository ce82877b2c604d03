"""List the supported env ids in a child process run by a job (making every env is slow).

Making each registered env runs pygame and Box2D code that must not share a process with the
env worker's thread, and can take seconds. A child `python` does it and prints JSON; the result
is cached per Gymnasium version in the user's config folder, so later starts are instant.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import gymnasium
from PyQt6.QtCore import QObject, pyqtSignal

from bc.errors import BCError
from recorder_app.input.bindings import user_config_dir
from recorder_app.workers.jobs import start_job

log = logging.getLogger(__name__)

CHILD_CODE = (
    "import json; from bc.envs import supported_env_ids; print(json.dumps(supported_env_ids()))"
)


def cache_path() -> Path:
    """Where the list is cached: one file per Gymnasium version."""
    return user_config_dir() / f"env_ids-gymnasium-{gymnasium.__version__}.json"


def read_cache() -> list[str] | None:
    """The cached list, or None when absent or unreadable."""
    try:
        ids = json.loads(cache_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if isinstance(ids, list) and all(isinstance(i, str) for i in ids):
        return ids
    return None


def list_in_child(started: Callable[[subprocess.Popen[str]], None] | None = None) -> list[str]:
    """Run the child that lists the env ids; returns them (blocking: call it from a job).

    Raises:
        BCError: the child failed or printed no list.
    """
    with subprocess.Popen(
        [sys.executable, "-c", CHILD_CODE],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as child:
        if started is not None:
            started(child)
        output, _ = child.communicate()
    try:
        ids = json.loads(output.strip().splitlines()[-1]) if child.returncode == 0 else None
    except (ValueError, IndexError):
        ids = None
    if not isinstance(ids, list):
        raise BCError(f"listing envs failed (exit code {child.returncode})")
    return [str(i) for i in ids]


def write_cache(ids: list[str]) -> None:
    """Cache the list atomically (a failure is logged: the list is only a convenience)."""
    try:
        path = cache_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(ids), encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        log.warning("cannot cache the env list: %s", exc)


class EnvLister(QObject):
    """Fills the env picker: from the cache at once, else from a child process run by a job.

    Signals:
        found(list): the supported env ids.
    """

    found = pyqtSignal(list)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._child: subprocess.Popen[str] | None = None

    def start(self) -> None:
        """Emit the cached list, or start the job whose child computes it."""
        cached = read_cache()
        if cached is not None:
            self.found.emit(cached)
            return
        start_job(
            lambda: self._list(),
            "listing envs",
            self._on_listed,
            lambda message: log.warning("%s", message),
            owner=self,
        )

    def _list(self) -> list[str]:
        ids = list_in_child(started=lambda child: setattr(self, "_child", child))
        write_cache(ids)
        return ids

    def stop(self) -> None:
        """Kill the child if it still runs (the app is closing)."""
        child, self._child = self._child, None
        if child is not None and child.poll() is None:
            child.kill()

    def _on_listed(self, ids: list[str]) -> None:
        self._child = None
        self.found.emit(ids)
