"""Exporting frames (a recorded episode, a policy rollout) as an animated GIF or an MP4."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from bc.errors import BCError, InvalidArgumentError


def export_frames(frames: Iterable[np.ndarray], path: str | Path, fps: float = 30.0) -> Path:
    """Write frames to `path`: '.gif' (always available) or '.mp4' (needs the video extra).

    Args:
        frames: (H, W, 3) or (H, W, 1) uint8 frames, all the same size.
        path: the output file; its suffix picks the format.
        fps: playback speed.

    Returns:
        The path written.

    Raises:
        BCError: an unknown suffix, no frames, or MP4 without imageio-ffmpeg.
    """
    import imageio.v3 as iio

    out = Path(path)
    suffix = out.suffix.lower()
    stack = [_rgb(f) for f in frames]
    if not stack:
        raise InvalidArgumentError("nothing to export: no frames")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.stem}.tmp{suffix}")
    if suffix == ".gif":
        iio.imwrite(tmp, np.stack(stack), duration=1000.0 / fps, loop=0)
    elif suffix == ".mp4":
        try:
            import imageio_ffmpeg  # noqa: F401
        except ImportError as exc:
            raise BCError(
                "MP4 export needs imageio-ffmpeg: pip install 'demo-recorder[video]'"
            ) from exc
        iio.imwrite(tmp, _even(np.stack(stack)), fps=fps, codec="libx264", macro_block_size=1)
    else:
        raise InvalidArgumentError(f"cannot export to {out.name}: use a .gif or .mp4 file name")
    tmp.replace(out)
    return out


def _rgb(frame: np.ndarray) -> np.ndarray:
    arr = np.asarray(frame, dtype=np.uint8)
    if arr.ndim == 3 and arr.shape[-1] == 1:
        return np.repeat(arr, 3, axis=-1)
    if arr.ndim == 3 and arr.shape[-1] == 4:
        return arr[..., :3]
    return arr


def _even(frames: np.ndarray) -> np.ndarray:
    """Crop to even height and width (H.264's 4:2:0 needs them)."""
    h, w = frames.shape[1] // 2 * 2, frames.shape[2] // 2 * 2
    return np.ascontiguousarray(frames[:, :h, :w])


def rollout_frames(
    policy: Callable[[Any], Any],
    env: gym.Env[Any, Any],
    seed: int | None = None,
    max_steps: int = 10_000,
) -> Iterator[np.ndarray]:
    """Yield the rendered frames of one episode played by `policy` (obs -> action).

    The env must have been made with `render_mode="rgb_array"`.
    """
    obs, _ = env.reset(seed=seed)
    for _ in range(max_steps):
        frame = env.render()
        if frame is not None:
            yield np.asarray(frame)
        obs, _, terminated, truncated, _ = env.step(policy(obs))
        if terminated or truncated:
            break
    frame = env.render()
    if frame is not None:
        yield np.asarray(frame)
