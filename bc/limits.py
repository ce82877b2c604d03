"""Limits on untrusted files: how much a dataset, an image or a space may make us allocate.

A dataset file is untrusted input. Before anything large is allocated from what a file says
(an archive member's declared size, an array's header shape, an image's header dimensions, a
space's shape or Discrete size), the number is checked against these limits, and a file over
a limit is refused with `LimitError` naming the limit and how to raise it.

Raise a limit for one call with the `limits=` keyword of `bc.load`, for a block of code with
`with bc.limits.override(max_bytes=...)`, for a process with the environment variables
`BC_MAX_BYTES`, `BC_MAX_IMAGE_PIXELS`, `BC_MAX_SPACE_SIZE`, or on the command line with
`--max-bytes`, `--max-image-pixels`, `--max-space-size` (see docs/format.md).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, fields, replace

from bc.errors import UsageError

GiB = 1 << 30


@dataclass(frozen=True)
class Limits:
    """The limits in force; every field must be a positive integer."""

    max_bytes: int = GiB
    """Archive: sum of the declared uncompressed sizes of its members, and of its arrays."""
    max_image_pixels: int = 1 << 24
    """Images: width x height of one image file (16.7 M pixels: 4096 x 4096)."""
    max_space_size: int = 1 << 24
    """Spaces: elements of one Box observation or action, and `n` of a Discrete space
    (a Discrete observation becomes a one-hot vector of n floats)."""

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise UsageError(f"limit {f.name} must be a positive integer, got {value!r}")


ENV_VARS = {
    "max_bytes": "BC_MAX_BYTES",
    "max_image_pixels": "BC_MAX_IMAGE_PIXELS",
    "max_space_size": "BC_MAX_SPACE_SIZE",
}
FLAGS = {
    "max_bytes": "--max-bytes",
    "max_image_pixels": "--max-image-pixels",
    "max_space_size": "--max-space-size",
}

_override: Limits | None = None
_from_env: tuple[tuple[str | None, ...], Limits] | None = None


def parse_size(text: str) -> int:
    """Parse a byte or element count: a plain integer, or with a K/M/G/T suffix (powers of 1024).

    Raises:
        UsageError: not a positive count.
    """
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    raw = text.strip().upper().removesuffix("B").removesuffix("I")
    scale = 1
    if raw and raw[-1] in units:
        scale = units[raw[-1]]
        raw = raw[:-1]
    try:
        value = int(raw) * scale
    except ValueError:
        raise UsageError(f"not a size: {text!r} (expected e.g. 4000000000 or 4G)") from None
    if value <= 0:
        raise UsageError(f"a limit must be positive, got {text!r}")
    return value


def current() -> Limits:
    """The limits in force: an active `override`, else the environment variables, else defaults.

    Raises:
        UsageError: an environment variable is not a positive size.
    """
    if _override is not None:
        return _override
    global _from_env
    key = tuple(os.environ.get(var) for var in ENV_VARS.values())
    if _from_env is not None and _from_env[0] == key:
        return _from_env[1]  # called per image read: parse the variables once
    values = {}
    for (name, var), text in zip(ENV_VARS.items(), key, strict=True):
        if text:
            try:
                values[name] = parse_size(text)
            except UsageError as exc:
                raise UsageError(f"environment variable {var}: {exc}") from None
    found = Limits(**values)
    _from_env = (key, found)
    return found


def resolve(limits: Limits | None) -> Limits:
    """Return `limits` when given, else `current()`."""
    return limits if limits is not None else current()


@contextlib.contextmanager
def override(**changes: int) -> Iterator[Limits]:
    """Within the block, use the current limits with `changes` applied (e.g. max_bytes=8 << 30).

    Process-wide (not per thread): loader threads started inside see the same limits.
    """
    global _override
    saved = _override
    _override = replace(current(), **changes)
    try:
        yield _override
    finally:
        _override = saved


def set_process_limits(**changes: int | None) -> None:
    """Apply `changes` (None values ignored) for the rest of the process (the CLI's flags)."""
    global _override
    given = {k: v for k, v in changes.items() if v is not None}
    if given:
        _override = replace(current(), **given)


def how_to_raise(name: str) -> str:
    """The hint appended to a limit message: which flag or variable raises limit `name`."""
    return f"raise it with {FLAGS[name]} or {ENV_VARS[name]} if you trust this file"


def human(n: int) -> str:
    """A byte count for a message: 2147483648 -> '2.0 GiB'."""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"  # pragma: no cover
