"""The exception family of `bc`: every message says what was expected, what was found, and where."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class BCError(Exception):
    """Base class of every error `bc` raises on purpose; its message is one line for a user."""


class DatasetError(BCError):
    """A dataset file is unreadable or breaks the format; lists every problem found at once."""

    def __init__(self, path: str | Path | None, problems: Sequence[str]) -> None:
        self.path = None if path is None else str(path)
        self.problems = list(problems) or ["unknown problem"]
        where = self.path if self.path is not None else "trajectory data"
        if len(self.problems) == 1:
            message = f"{where}: {self.problems[0]}"
        else:
            listed = "; ".join(self.problems)
            message = f"{where}: {len(self.problems)} problems: {listed}"
        super().__init__(message)


class MissingImagesError(DatasetError):
    """Image files referenced by a dataset are missing or unreadable."""


class UnsupportedSpaceError(BCError):
    """A Gymnasium space this project cannot record or train on."""


class SpaceMismatchError(BCError):
    """A dataset's observations or actions do not fit an env's (or a policy's) spaces."""


class EnvError(BCError):
    """An env could not be made: unknown id, bad kwargs, missing extra."""


class DatasetWriteError(BCError):
    """Writing a dataset failed (a full disk, no permission); nothing on disk was corrupted."""


class PolicyFileError(BCError):
    """A policy file is missing, corrupt, or was not written by `bc`."""


class ExpertError(BCError):
    """An expert spec cannot be resolved, or an expert returned an invalid action."""


class ConversionError(BCError):
    """A dataset cannot be converted: unknown format name, missing extra, or an existing target."""


class LimitError(DatasetError):
    """An untrusted file asks for more than a limit allows (`bc.limits`); nothing was allocated."""

    def __init__(self, path: str | Path | None, problems: Sequence[str]) -> None:
        super().__init__(path, problems)
        if path is None:  # no file to name: the problem alone is the message
            self.args = ("; ".join(self.problems),)


class UsageError(BCError):
    """A command-line argument or parameter value is invalid (the CLI exits with code 2)."""


class UntrustedEnvModuleError(EnvError):
    """An env id read from a file would import a module that is not imported yet."""


class EnvKwargsError(UsageError, ValueError):
    """Env keyword arguments given as text are not a JSON object."""


class TrainConfigError(UsageError, ValueError):
    """A training setting is out of range (0 epochs, a negative learning rate, a bad device)."""


class TrainingError(BCError):
    """Training could not go on: a non-finite loss, no CUDA device, a failed distributed rank."""


class DatasetLockedError(BCError):
    """Another writer (app, command or script) has the dataset open for writing."""

    def __init__(self, message: str, holder: object | None = None) -> None:
        super().__init__(message)
        self.holder = holder
        """The `bc.lock.LockHolder` named by the lock file, when it could be read."""


class FolderInUseError(BCError):
    """An image folder holds another dataset's frames; recording there would overwrite them."""
