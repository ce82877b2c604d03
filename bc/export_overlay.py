"""Export options for GIF/MP4: blow small frames up, and caption each frame with what happened.

The caption goes in a band under the frame (never over the picture): step, the human's action,
the policy's action (when compared) and the return so far.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

MAX_SCALE = 8


@dataclass(frozen=True)
class ExportOptions:
    """How exported frames are drawn."""

    scale: int = 1
    """Whole-number enlargement, nearest-neighbour (crisp pixels; 96x96 CarRacing at 4 = 384)."""
    overlay: bool = False
    """Add a caption band under each frame: step, actions, return."""


def scale_frame(frame: np.ndarray, scale: int) -> np.ndarray:
    """Enlarge an (H, W, C) frame `scale` times by repeating pixels.

    Raises:
        ValueError: a scale outside 1..MAX_SCALE.
    """
    if not 1 <= scale <= MAX_SCALE:
        raise ValueError(f"scale must be 1 to {MAX_SCALE}, got {scale}")
    if scale == 1:
        return frame
    return np.repeat(np.repeat(frame, scale, axis=0), scale, axis=1)


def caption_frame(frame: np.ndarray, lines: Sequence[str]) -> np.ndarray:
    """Return the frame with a black band below it holding `lines` in white."""
    from PIL import Image, ImageDraw, ImageFont

    h, w = frame.shape[:2]
    size = max(10, min(18, w // 28))
    font = ImageFont.load_default(size=size)
    band = (size + 4) * len(lines) + 6
    image = Image.new("RGB", (w, h + band), (0, 0, 0))
    image.paste(Image.fromarray(np.ascontiguousarray(frame[..., :3])), (0, 0))
    draw = ImageDraw.Draw(image)
    for k, line in enumerate(lines):
        draw.text((4, h + 3 + k * (size + 4)), line, fill=(255, 255, 255), font=font)
    return np.asarray(image)


def caption_lines(step: int, n_steps: int, human: str, policy: str | None, ret: float) -> list[str]:
    """The caption of one step: where, who did what, and the return so far."""
    first = f"step {step + 1}/{n_steps}   return {ret:.2f}"
    second = f"human: {human}" + (f"   policy: {policy}" if policy is not None else "")
    return [first, second]


def prepare_frames(
    frames: Iterable[np.ndarray],
    options: ExportOptions,
    captions: Sequence[Sequence[str]] | None = None,
) -> Iterator[np.ndarray]:
    """Apply `options` to each frame: scale, then the caption band (when asked and given)."""
    for i, frame in enumerate(frames):
        out = scale_frame(np.asarray(frame, dtype=np.uint8), options.scale)
        if out.ndim == 2:
            out = np.repeat(out[..., None], 3, axis=-1)
        if out.shape[-1] == 1:
            out = np.repeat(out, 3, axis=-1)
        if options.overlay and captions is not None and i < len(captions):
            out = caption_frame(out, captions[i])
        yield out
