"""List the supported env ids in a child process (making every env is slow and not thread-safe).

Making each registered env runs pygame and Box2D code that must not share a process with the
env worker's thread, and can take seconds. A child `python` does it and prints JSON; the result
is cached per Gymnasium version in the user's config folder, so later starts are instant.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import gymnasium
from PyQt6.QtCore import QObject, QProcess, pyqtSignal

from recorder_app.input.bindings import user_config_dir

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


class EnvLister(QObject):
    """Fills the env picker: from the cache at once, else from a child process.

    Signals:
        found(list): the supported env ids.
    """

    found = pyqtSignal(list)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._process: QProcess | None = None

    def start(self) -> None:
        """Emit the cached list, or start the child that computes it."""
        cached = read_cache()
        if cached is not None:
            self.found.emit(cached)
            return
        process = QProcess(self)
        process.setProgram(sys.executable)
        process.setArguments(["-c", CHILD_CODE])
        process.finished.connect(self._on_finished)
        self._process = process
        process.start()

    def stop(self) -> None:
        """Kill the child if it still runs (the app is closing)."""
        process, self._process = self._process, None
        if process is not None and process.state() != QProcess.ProcessState.NotRunning:
            process.kill()
            process.waitForFinished(2000)

    def _on_finished(self, code: int, _status: QProcess.ExitStatus) -> None:
        process = self._process
        if process is None:
            return
        self._process = None
        output = bytes(process.readAllStandardOutput().data()).decode("utf-8", "replace")
        try:
            ids = json.loads(output.strip().splitlines()[-1]) if code == 0 else None
        except (ValueError, IndexError):
            ids = None
        if not isinstance(ids, list):
            log.warning("listing envs failed (exit code %s)", code)
            return
        try:
            path = cache_path()
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(ids), encoding="utf-8")
            tmp.replace(path)
        except OSError as exc:
            log.warning("cannot cache the env list: %s", exc)
        self.found.emit(ids)
