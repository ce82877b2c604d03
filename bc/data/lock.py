"""One writer per dataset: an exclusive lock file `<name>.npz.lock` that names its holder.

The lock is an OS lock (`flock`) on the file, so it is released by the kernel when its holder
dies, however it dies; the file's text (pid, host, since when, what for) is only there to tell
a second writer who holds it. Where `flock` is missing (not POSIX) the file itself is the lock:
created exclusively, and taken over when it names a dead process on this host.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from bc.errors import DatasetLockedError, DatasetWriteError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LockHolder:
    """Who holds a dataset's lock, as its lock file says."""

    pid: int
    host: str
    since: float
    """Unix time the lock was taken."""
    purpose: str = ""

    def describe(self) -> str:
        """One line: 'pid 123 on host h since 2026-01-01 10:00:00 (recording)'."""
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.since))
        what = f" ({self.purpose})" if self.purpose else ""
        return f"pid {self.pid} on host {self.host} since {when}{what}"

    @property
    def on_this_host(self) -> bool:
        """True when the holder runs on this machine (so its pid can be checked)."""
        return self.host == socket.gethostname()


def lock_path(path: Path) -> Path:
    """Return the lock file of an archive: `<name>.npz.lock` beside it."""
    return path.with_name(path.name + ".lock")


def read_holder(path: Path) -> LockHolder | None:
    """Return who the lock file of an archive names (None: no file, or not readable as ours)."""
    try:
        text = lock_path(path).read_text(encoding="utf-8")
        raw: Any = json.loads(text)
        return LockHolder(
            int(raw["pid"]), str(raw["host"]), float(raw["since"]), str(raw.get("purpose", ""))
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def pid_alive(pid: int) -> bool:
    """True when a process with this pid exists on this host."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


class DatasetLock:
    """Exclusive write lock of one dataset; a context manager. Not re-entrant.

    Args:
        path: the archive (`name.npz`); the lock file is `name.npz.lock` beside it.
        purpose: a few words shown to a second writer ("recording", "deleting episodes").

    Raises:
        DatasetLockedError: (from `acquire`) another live writer holds the lock.
    """

    def __init__(self, path: str | Path, purpose: str = "") -> None:
        self.path = Path(path)
        self.file = lock_path(self.path)
        self.purpose = purpose
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """True while this object holds the lock."""
        return self._fd is not None

    def acquire(self) -> DatasetLock:
        """Take the lock at once or raise `DatasetLockedError` naming the holder."""
        if self._fd is not None:
            return self
        folder = self.file.parent
        blocked = next((p for p in (folder, *folder.parents) if p.exists()), folder)
        if not blocked.is_dir():
            raise DatasetWriteError(f"cannot write in {folder}: {blocked} is a file, not a folder")
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatasetWriteError(
                f"cannot create {self.file.parent}: {exc.strerror or exc}"
            ) from exc
        if fcntl is None:  # pragma: no cover - Windows
            self._acquire_exclusive_file()
        else:
            self._acquire_flock()
        return self

    def release(self) -> None:
        """Remove the lock file and drop the lock (safe to call twice)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            self.file.unlink(missing_ok=True)
        except OSError as exc:  # a read-only folder: the OS lock still goes with the fd
            log.debug("could not remove %s: %s", self.file, exc)
        os.close(fd)

    def __enter__(self) -> DatasetLock:
        return self.acquire()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def _acquire_flock(self) -> None:
        assert fcntl is not None
        for _ in range(20):  # retried only when the file was replaced under us
            try:
                fd = os.open(self.file, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise DatasetWriteError(
                    f"cannot write in {self.file.parent}: {exc.strerror or exc}"
                ) from exc
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise self._locked_error() from None
            except OSError:
                os.close(fd)
                raise
            # The holder before us may have unlinked the file after we opened it: our lock
            # would then guard a name nobody else sees. Check it is still the file at the path.
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.file))
            except FileNotFoundError:
                same = False
            if not same:
                os.close(fd)
                continue
            old = read_holder(self.path)
            if old is not None and old.pid != os.getpid():
                log.warning(
                    "taking over the stale lock of %s (%s is gone)", self.path, old.describe()
                )
            self._fd = fd
            self._write_holder(fd)
            return
        raise DatasetLockedError(f"{self.path}: could not take the lock file {self.file}")

    def _acquire_exclusive_file(self) -> None:  # pragma: no cover - Windows
        for _ in range(3):
            try:
                fd = os.open(self.file, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                old = read_holder(self.path)
                if old is not None and old.on_this_host and not pid_alive(old.pid):
                    log.warning("taking over the stale lock of %s (%s)", self.path, old.describe())
                    self.file.unlink(missing_ok=True)
                    continue
                raise self._locked_error() from None
            self._fd = fd
            self._write_holder(fd)
            return
        raise self._locked_error()

    def _write_holder(self, fd: int) -> None:
        text = json.dumps(
            {
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "since": time.time(),
                "purpose": self.purpose,
                "argv": sys.argv[:3],
            }
        )
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, text.encode("utf-8"))

    def _locked_error(self) -> DatasetLockedError:
        holder = read_holder(self.path)
        who = holder.describe() if holder is not None else "another process"
        return DatasetLockedError(
            f"{self.path} is open for writing by {who}; wait until it is done (the lock file "
            f"is {self.file.name})",
            holder,
        )


def locked_by(path: str | Path) -> LockHolder | None:
    """Return the holder when another writer holds the dataset's lock now, else None.

    Probes by taking the lock for an instant; a lock held by this very process (another
    `DatasetLock` object) counts as held.
    """
    probe = DatasetLock(path, "probe")
    if not probe.file.exists():
        return None
    try:
        probe.acquire()
    except DatasetLockedError as exc:
        holder = exc.holder
        return holder if isinstance(holder, LockHolder) else LockHolder(-1, "?", time.time())
    except (OSError, DatasetWriteError):
        return None  # a read-only folder: nobody can write there either
    probe.release()
    return None
