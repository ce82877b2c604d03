"""`demorec export`: one recorded episode as a GIF or MP4 (its frames, or re-simulated)."""

from __future__ import annotations

import argparse
import math
from typing import Any

import numpy as np

from bc.cli.options import add_env_options, check_out_path, env_choice, with_progress
from bc.data.archive import load
from bc.data.arrays import DatasetArrays
from bc.errors import DatasetError, UsageError


def register(sub: Any) -> None:
    """Add the `export` sub-command to the `demorec` parser."""
    export = sub.add_parser(
        "export",
        help="write a recorded episode as a GIF or MP4",
        description="Write one recorded episode as a GIF or MP4: from its PNG files (image "
        "datasets), else re-simulated from its stored seed and actions (MP4 needs the video "
        "extra).",
    )
    export.add_argument("dataset", help="dataset path (.npz)")
    export.add_argument("--episode", type=int, default=0, help="episode index")
    export.add_argument("--out", required=True, help="output file, .gif or .mp4")
    export.add_argument("--fps", type=float, default=30.0, help="frames per second")
    add_env_options(export, "re-simulate the episode in")
    export.add_argument(
        "--scale", type=int, default=1, help="enlarge frames 1-8 times (crisp pixels)"
    )
    export.add_argument(
        "--captions", action="store_true", help="a band under each frame: step, action, return"
    )
    export.set_defaults(handler=_export)


MAX_FPS = 1000.0
"""Export speed limit: GIF frame times are whole milliseconds, and video encoders refuse more."""


def _drawn(frames: Any, data: DatasetArrays, args: argparse.Namespace) -> Any:
    """Frames scaled and captioned as `--scale` and `--captions` ask."""
    from bc.export_overlay import MAX_SCALE, ExportOptions, caption_lines, prepare_frames

    if not 1 <= args.scale <= MAX_SCALE:
        raise UsageError(f"--scale must be 1 to {MAX_SCALE}, got {args.scale}")
    sl = data.episode_slice(args.episode)
    actions, returns = data.actions[sl], np.cumsum(data.rewards[sl])
    n = len(actions)
    captions = [
        caption_lines(
            min(i, n - 1),
            n,
            str(actions[min(i, n - 1)].tolist()),
            None,
            float(returns[min(i, n - 1)]),
        )
        for i in range(n + 1)
    ]
    return prepare_frames(frames, ExportOptions(args.scale, args.captions), captions)


def _export(args: argparse.Namespace) -> int:
    from bc.export import export_frames
    from bc.replay import EpisodeReplay

    if not (math.isfinite(args.fps) and 0 < args.fps <= MAX_FPS):
        raise UsageError(f"--fps must be a positive number up to {MAX_FPS:g}, got {args.fps}")
    check_out_path(args.out)
    data = load(args.dataset, check_images=False)
    if not -data.n_episodes <= args.episode < data.n_episodes:
        raise DatasetError(
            data.path, [f"no episode {args.episode} (the dataset has {data.n_episodes})"]
        )
    env = None
    if not data.is_image:
        choice = env_choice(args, data.metadata)
        if choice is None:
            raise UsageError(
                "the dataset names no env id, so its episodes cannot be re-simulated: give --env"
            )
        env = choice.make(args)
    try:
        replay = EpisodeReplay(data, args.episode, env)
        frames = (replay.frame(i) for i in range(len(replay)))
        out = export_frames(
            _drawn(with_progress(frames, len(replay), "frame", "exporting"), data, args),
            args.out,
            args.fps,
        )
    finally:
        if env is not None:
            env.close()
    print(f"wrote {out} ({len(replay)} frames)")
    return 0
