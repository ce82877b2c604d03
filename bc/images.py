"""Image files of image-observation datasets: PNG/JPEG read and write through OpenCV."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

IMAGE_EXTENSION = ".png"


def write_image(path: str | Path, frame: np.ndarray) -> None:
    """Write one (H, W, C) uint8 frame losslessly as FORMAT.md says.

    3 channels are written as a normal RGB picture; 4 channels raw (so OpenCV's BGRA reader,
    SB2's, gets the same array back); 1 channel as a grayscale picture.

    Raises:
        OSError: when the file could not be written (full disk, no permission).
    """
    arr = np.ascontiguousarray(frame)
    if arr.ndim == 3 and arr.shape[-1] == 3:
        arr = cv2.cvtColor(arr, cv2.COLOR_RGB2BGR)
    elif arr.ndim == 3 and arr.shape[-1] == 1:
        arr = arr[:, :, 0]
    ok = False
    try:
        ok = cv2.imwrite(os.fspath(path), arr, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    except cv2.error as exc:
        raise OSError(f"could not encode {path}: {exc}") from exc
    if not ok:
        # OpenCV reports failure with False only; find the reason the OS would give.
        parent = Path(path).parent
        if not parent.is_dir():
            raise FileNotFoundError(f"no folder {parent} for image {path}")
        raise OSError(f"could not write image {path} (disk full or not writable?)")


def read_image(path: str | Path) -> np.ndarray | None:
    """Read one image as (H, W, C) uint8, RGB for 3 channels; None when missing or unreadable."""
    image = cv2.imread(os.fspath(path), cv2.IMREAD_UNCHANGED)
    if image is None:
        return None
    if image.ndim == 2:
        return np.asarray(image)[:, :, np.newaxis]
    if image.shape[-1] == 3:
        return np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
    return np.asarray(image)


def resolve_image_path(stored: str, root: Path) -> Path:
    """Resolve a path stored in `obs`: against the archive's folder first, then the CWD."""
    candidate = Path(stored)
    if candidate.is_absolute():
        return candidate
    beside = root / candidate
    if beside.exists():
        return beside
    if candidate.exists():
        return candidate.resolve()
    return beside
