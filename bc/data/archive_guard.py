"""Checks on an untrusted `.npz` before numpy reads it: member sizes and array headers vs limits.

`np.load` allocates what an array's header declares before it reads a byte of data, and an
archive member may inflate far beyond its compressed size. `scan` reads only the zip's central
directory and each array's header (at most a few kB each), so a file over a limit is refused
before anything large is allocated. Python's zipfile never inflates a member past its declared
size (a member that tries fails its CRC check), so declared sizes bound what reading costs.
"""

from __future__ import annotations

import math
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bc.errors import DatasetError, LimitError
from bc.limits import Limits, how_to_raise, human

MAX_MEMBERS = 10_000
"""An archive with more members than this is refused (ours have about ten)."""


@dataclass(frozen=True)
class ArrayHeader:
    """What an archive member's `.npy` header declares."""

    shape: tuple[int, ...]
    dtype: np.dtype
    nbytes: int


def scan(path: Path, limits: Limits) -> dict[str, ArrayHeader]:
    """Read the central directory and every array header; refuse what a limit forbids.

    Args:
        path: an existing file that starts with a zip header.
        limits: the limits in force.

    Returns:
        The header of each `.npy` member, by array name.

    Raises:
        LimitError: too many members, declared sizes over `max_bytes`, or an array whose
            header declares more than `max_bytes`.
        DatasetError: the zip or an array header is corrupt, or a header declares more data
            than its member holds.
    """
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise DatasetError(
            path, [f"not a readable .npz archive (corrupt or truncated): {exc}"]
        ) from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise LimitError(
                path, [f"archive has {len(infos)} members, more than {MAX_MEMBERS} allowed"]
            )
        declared = sum(info.file_size for info in infos)
        if declared > limits.max_bytes:
            biggest = max(infos, key=lambda i: i.file_size)
            raise LimitError(
                path,
                [
                    f"archive inflates to {human(declared)} (largest member {biggest.filename}: "
                    f"{human(biggest.file_size)} from {human(biggest.compress_size)}), over the "
                    f"limit of {human(limits.max_bytes)}; {how_to_raise('max_bytes')}"
                ],
            )
        headers: dict[str, ArrayHeader] = {}
        problems: list[str] = []
        for info in infos:
            if not info.filename.endswith(".npy"):
                continue
            name = info.filename[: -len(".npy")]
            try:
                header = _read_header(zf, info)
            except (ValueError, EOFError, OSError, zipfile.BadZipFile, RuntimeError) as exc:
                problems.append(f"array '{name}' has a corrupt header: {exc}")
                continue
            if header.nbytes > limits.max_bytes:
                raise LimitError(
                    path,
                    [
                        f"array '{name}' declares shape {header.shape} of {header.dtype} "
                        f"({human(header.nbytes)}), over the limit of "
                        f"{human(limits.max_bytes)}; {how_to_raise('max_bytes')}"
                    ],
                )
            if not header.dtype.hasobject and header.nbytes > info.file_size:
                problems.append(
                    f"array '{name}' declares {human(header.nbytes)} of data but its member "
                    f"holds {human(info.file_size)} (truncated or forged header)"
                )
                continue
            headers[name] = header
    if problems:
        raise DatasetError(path, problems)
    return headers


def _read_header(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> ArrayHeader:
    """Parse one member's `.npy` magic and header without reading its data."""
    with zf.open(info) as fh:
        version = np.lib.format.read_magic(fh)
        if version == (1, 0):
            shape, _fortran, dtype = np.lib.format.read_array_header_1_0(fh)
        elif version in ((2, 0), (3, 0)):
            shape, _fortran, dtype = np.lib.format.read_array_header_2_0(fh)
        else:  # pragma: no cover - read_magic already refuses other versions
            raise ValueError(f"unknown .npy version {version}")
    count = math.prod(int(s) for s in shape)
    return ArrayHeader(tuple(int(s) for s in shape), dtype, count * dtype.itemsize)
