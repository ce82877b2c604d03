"""Hostile dataset files for the safety tests: built byte by byte, small on disk."""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np


def valid_arrays(n: int = 6, episodes: int = 2) -> dict[str, np.ndarray]:
    """A small consistent vector dataset (Box(3) obs, Discrete(2) actions)."""
    starts = np.zeros(n, dtype=bool)
    starts[:: max(1, n // episodes)] = True
    rewards = np.ones(n)
    idx = np.flatnonzero(starts)
    returns = np.add.reduceat(rewards, idx)
    return {
        "obs": np.arange(n * 3, dtype=np.float32).reshape(n, 3),
        "actions": (np.arange(n) % 2).astype(np.int64).reshape(n, 1),
        "rewards": rewards,
        "episode_returns": returns,
        "episode_starts": starts,
    }


def with_metadata(arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> dict[str, np.ndarray]:
    """A copy of `arrays` with `meta` as the JSON metadata key."""
    return {**arrays, "metadata": np.array(json.dumps(meta))}


def npy_header(shape: tuple[int, ...], descr: str = "<f8") -> bytes:
    """A version 1.0 `.npy` header declaring `shape` of `descr` (no data)."""
    text = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape!r}, }}"
    pad = 64 - (10 + len(text) + 1) % 64
    body = (text + " " * pad + "\n").encode("latin1")
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(body)) + body


class _AsIs:
    """A "compressor" that passes already-deflated bytes through."""

    def compress(self, data: bytes) -> bytes:
        return data

    def flush(self) -> bytes:
        return b""


def zip_bomb_npz(path: Path, inflated_bytes: int) -> Path:
    """An .npz whose 'obs' member inflates to at least `inflated_bytes` (2 MB on disk per GiB).

    The other four SB2 keys are small and valid, so only the size gives it away. The deflate
    stream is one compressed block of zeros repeated (valid: its back-references only reach
    zeros), so building a 2 GiB bomb takes well under a second. Its CRC is not computed (that
    would cost seconds): a reader that inflates it runs out of memory before reaching the CRC.
    """
    chunk = 24 << 20  # a whole number of (3,) float64 rows
    count = -(-inflated_bytes // chunk)
    header = npy_header((count * (chunk // 24), 3))
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = bytes(chunk)
    first = comp.compress(header) + comp.compress(zeros) + comp.flush(zlib.Z_SYNC_FLUSH)
    middle = comp.compress(zeros) + comp.flush(zlib.Z_SYNC_FLUSH)
    stream = first + middle * (count - 1) + comp.flush()
    arrays = valid_arrays()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo("obs.npy", date_time=(2024, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w", force_zip64=True) as fh:
            # write the ready-made stream: zipfile's own compressor would take ~15 s
            fh._compressor = _AsIs()  # type: ignore[attr-defined]
            fh.write(stream)
            fh._file_size = len(header) + count * chunk  # type: ignore[attr-defined]
        for key in ("actions", "rewards", "episode_returns", "episode_starts"):
            with zf.open(f"{key}.npy", "w") as fh:
                np.lib.format.write_array(fh, arrays[key])
    return path


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def huge_png(path: Path, width: int, height: int, channels: int = 3) -> Path:
    """A real, decodable all-black 8-bit PNG of the given size (small on disk: zeros compress)."""
    colour = {1: 0, 3: 2, 4: 6}[channels]
    ihdr = struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0)
    comp = zlib.compressobj(1)
    row = bytes(1 + width * channels)  # filter byte + pixels
    parts = [comp.compress(row) for _ in range(height)]
    parts.append(comp.flush())
    idat = b"".join(parts)
    with open(path, "wb") as fh:
        fh.write(b"\x89PNG\r\n\x1a\n")
        fh.write(_chunk(b"IHDR", ihdr))
        fh.write(_chunk(b"IDAT", idat))
        fh.write(_chunk(b"IEND", b""))
    return path


def image_dataset(folder: Path, paths: list[str], name: str = "images.npz") -> Path:
    """An SB2-style image dataset (no metadata) whose `obs` holds the given path strings."""
    n = len(paths)
    starts = np.zeros(n, dtype=bool)
    starts[0] = True
    np.savez(
        folder / name,
        obs=np.array(paths),
        actions=np.zeros((n, 1), dtype=np.int64),
        rewards=np.ones(n),
        episode_returns=np.array([float(n)]),
        episode_starts=starts,
    )
    return folder / name
