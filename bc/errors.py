"""The exception family of `bc`: every message says what was expected, what was found, and where.

Every class is a `BCError`. Where SB2 raised `ValueError` (a bad argument, a dataset or space
that does not fit) ours are also `ValueError`s, and a missing file is also a
`FileNotFoundError`, so code written against SB2 that catches those keeps working.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class BCError(Exception):
    """Base class of every error `bc` raises on purpose; its message is one line for a user."""


class InvalidArgumentError(BCError, ValueError):
    """An argument has a value the function cannot take (SB2 raised `ValueError`)."""


class DatasetError(BCError, ValueError):
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


class DatasetNotFoundError(DatasetError, FileNotFoundError):
    """The dataset file does not exist (nor any episode in its journal)."""


class MissingImagesError(DatasetError, FileNotFoundError):
    """Image files referenced by a dataset are missing or unreadable."""


class UnsupportedSpaceError(BCError, ValueError):
    """A Gymnasium space this project cannot record or train on."""


class SpaceMismatchError(BCError, ValueError):
    """A dataset's observations or actions do not fit an env's (or a policy's) spaces."""


class EnvError(BCError, ValueError):
    """An env could not be made: unknown id, bad kwargs, missing extra."""


class DatasetWriteError(BCError):
    """Writing a dataset failed (a full disk, no permission); nothing on disk was corrupted."""


class PolicyFileError(BCError, ValueError):
    """A policy file is missing, corrupt, or was not written by `bc`."""


class PolicyNotFoundError(PolicyFileError, FileNotFoundError):
    """The policy file does not exist."""


class ExpertError(BCError, ValueError):
    """An expert spec cannot be resolved, or an expert returned an invalid action."""


class ConversionError(BCError):
    """A dataset cannot be converted: unknown format name, missing extra, or an existing target."""


class LimitError(DatasetError):
    """An untrusted file asks for more than a limit allows (`bc.limits`); nothing was allocated."""

    def __init__(self, path: str | Path | None, problems: Sequence[str]) -> None:
        super().__init__(path, problems)
        if path is None:  # no file to name: the problem alone is the message
            self.args = ("; ".join(self.problems),)


class UsageError(BCError, ValueError):
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
        """The `bc.data.lock.LockHolder` named by the lock file, when it could be read."""


class FolderInUseError(BCError):
    """An image folder holds another dataset's frames; recording there would overwrite them."""
