"""`demorec record`, `info`, `check`, `plot`, `export`: make and inspect expert datasets."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

from bc.cli.options import (
    add_env_options,
    deprecated,
    env_choice,
    progress,
    require_env,
    with_progress,
)
from bc.data.archive import load, normalise_path
from bc.data.arrays import DatasetArrays
from bc.errors import BCError, DatasetError, EnvError, UsageError
from bc.plots import write_returns_histogram


def register(sub: Any) -> None:
    """Add the dataset sub-commands to the `demorec` parser."""
    rec = sub.add_parser(
        "record",
        help="record episodes of a scripted expert",
        description="Record episodes of a scripted expert (module:callable, obs -> action) into "
        "an SB2 expert dataset; each episode is on disk as soon as it ends.",
    )
    rec.add_argument(
        "legacy_env",
        nargs="?",
        metavar="ENV",
        help="deprecated: the env id as a positional argument; use --env",
    )
    add_env_options(rec, "record in", from_dataset=False)
    rec.add_argument(
        "--expert",
        default="bc.experts:random_expert",
        help="module:callable, obs -> action (shipped: bc.experts:cartpole_balance, "
        "bc.experts:lunar_lander_heuristic, bc.experts:random_expert)",
    )
    rec.add_argument("--out", required=True, help="dataset path (.npz)")
    rec.add_argument("--episodes", type=int, default=10, help="episodes to record")
    rec.add_argument(
        "--seed", type=int, default=None, help="seed of the first episode (default: random)"
    )
    rec.add_argument(
        "--append",
        action="store_true",
        help="add to an existing dataset (without --env: in the env it was recorded in)",
    )
    rec.add_argument(
        "--image-folder",
        default=None,
        help="for image observations (default: <name>_images beside the dataset)",
    )
    rec.set_defaults(handler=_record)

    info = sub.add_parser(
        "info",
        help="summarise a dataset and list its episodes",
        description="Summarise a dataset: env, episodes, steps, returns, spaces, format.",
    )
    info.add_argument("dataset", help="dataset path (.npz), ours or SB2's")
    info.add_argument("--episodes", action="store_true", help="also print the per-episode table")
    info.add_argument("--json", action="store_true", help="print the summary as JSON")
    info.set_defaults(handler=_info)

    check = sub.add_parser(
        "check",
        help="validate a dataset (exit 1 on problems)",
        description="Validate a dataset: keys, lengths, dtypes, image files, and that it fits "
        "the env's spaces. Exit 0 when it is sound, 1 when problems were found.",
    )
    check.add_argument("dataset", help="dataset path (.npz), ours or SB2's")
    add_env_options(check, "check the dataset's spaces against")
    check.set_defaults(handler=_check)

    plot = sub.add_parser(
        "plot",
        help="write a histogram of episode returns to a PNG",
        description="Write a histogram of the dataset's episode returns to a PNG "
        "(needs the plot extra: matplotlib).",
    )
    plot.add_argument("dataset", help="dataset path (.npz)")
    plot.add_argument(
        "--out", default=None, help="PNG path (default: <dataset>_returns.png beside the dataset)"
    )
    plot.set_defaults(handler=_plot)

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


SEED_MAX = 2**63 - 1
"""Seeds are stored as int64; each episode's seed is the first seed plus its index."""


MAX_FPS = 1000.0
"""Export speed limit: GIF frame times are whole milliseconds, and video encoders refuse more."""


def _check_out(out: str | Path, flag: str = "--out") -> None:
    """Refuse an output path that is a folder, or whose parent is a file."""
    path = Path(out)
    if path.is_dir():
        raise UsageError(f"{flag} {out} is a folder; give a file name")
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if parent.exists() and not parent.is_dir():
        raise UsageError(f"{flag} {out}: {parent} is a file, not a folder")


def _check_record_args(args: argparse.Namespace) -> None:
    """Refuse bad numbers before an env is made or a file is touched."""
    _check_out(normalise_path(args.out))
    if args.episodes < 1:
        raise UsageError(f"--episodes must be at least 1, got {args.episodes}")
    if args.seed is not None and not 0 <= args.seed <= SEED_MAX - args.episodes:
        raise UsageError(
            f"--seed must be between 0 and {SEED_MAX - args.episodes} (seeds are stored as "
            f"int64, one per episode), got {args.seed}"
        )


def _record(args: argparse.Namespace) -> int:
    from bc.experts import load_expert
    from bc.record import generate_expert_traj

    _check_record_args(args)
    choice = require_env(_legacy_env(args), _existing_metadata(args), "record")
    env = choice.make(args, render_mode=None)
    try:
        expert = load_expert(args.expert, env)
        with progress(args.episodes, "ep", "recording") as bar:

            def on_episode(summary: Any) -> None:
                bar.update(1)
                bar.set_postfix(ret=f"{summary.ret:.1f}", len=summary.length)

            data = generate_expert_traj(
                expert,
                args.out,
                env,
                n_episodes=args.episodes,
                image_folder=args.image_folder,
                seed=args.seed,
                append=args.append,
                metadata={
                    "env_id": choice.env_id,
                    "env_kwargs": choice.kwargs,
                    "expert": args.expert,
                },
                callback=on_episode,
            )
    finally:
        env.close()
    returns = data["episode_returns"]
    path = normalise_path(args.out)
    print(
        f"recorded {len(returns)} episodes, {len(data['rewards'])} steps, "
        f"mean return {returns.mean():.2f} +/- {returns.std():.2f} -> {path}"
    )
    return 0


def _finite(value: float) -> float | None:
    """A number for JSON: NaN and infinities become None (null)."""
    return value if math.isfinite(value) else None


def _legacy_env(args: argparse.Namespace) -> argparse.Namespace:
    """Fold the deprecated positional env id into `--env`."""
    if args.legacy_env:
        if args.env and args.env != args.legacy_env:
            raise UsageError(f"two envs given: {args.legacy_env} and --env {args.env}")
        deprecated(f"the env as a positional argument; use --env {args.legacy_env}")
        args.env = args.legacy_env
    return args


def _existing_metadata(args: argparse.Namespace) -> dict[str, Any] | None:
    """The metadata of the dataset `record --append` adds to, if there is one."""
    path = normalise_path(args.out)
    if not args.append or not path.exists():
        return None
    return load(path, check_images=False).metadata


def _summary(data: DatasetArrays) -> dict[str, Any]:
    lengths = data.episode_lengths
    rets = data.episode_returns.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):  # inf returns: shown as null
        return _summary_of(data, lengths, rets)


def _summary_of(data: DatasetArrays, lengths: np.ndarray, rets: np.ndarray) -> dict[str, Any]:
    return {
        "path": str(data.path),
        "env_id": data.metadata.get("env_id"),
        "episodes": data.n_episodes,
        "steps": data.n_steps,
        "return_mean": _finite(float(rets.mean())) if len(rets) else None,
        "return_std": _finite(float(rets.std())) if len(rets) else None,
        "return_min": _finite(float(rets.min())) if len(rets) else None,
        "return_max": _finite(float(rets.max())) if len(rets) else None,
        "length_mean": float(lengths.mean()) if len(lengths) else None,
        "obs": f"{'image paths' if data.is_image else data.obs.dtype} {data.obs.shape}",
        "actions": f"{data.actions.dtype} {data.actions.shape}",
        "observation_space": _space_text(data.observation_space),
        "action_space": _space_text(data.action_space),
        "format": "ours" if data.metadata else "SB2 (no metadata)",
        "pending_episodes": data.pending_episodes,
        "final_obs": data.has_final_obs,
        **_interactive_summary(data),
    }


def _space_text(make: Any) -> str:
    """A space for the summary; a space the file cannot give is shown as the reason."""
    try:
        return str(make())
    except BCError as exc:
        return f"unknown ({exc})"


def _interactive_summary(data: DatasetArrays) -> dict[str, Any]:
    from bc.labels import interactive_summary  # interactive imitation keys (docs/dagger.md)

    return interactive_summary(data)


def _info(args: argparse.Namespace) -> int:
    data = load(args.dataset, check_images=False)
    summary = _summary(data)
    if args.json:
        print(json.dumps(summary, indent=2, allow_nan=False))
        return 0
    width = max(len(k) for k in summary)
    for key, value in summary.items():
        if isinstance(value, float):
            value = f"{value:.3f}"
        print(f"{key:<{width}}  {value}")
    if args.episodes:
        print()
        from bc.curation import flag_name, tags_of

        print(
            f"{'episode':>7} {'length':>7} {'return':>10} {'end':>10} {'seed':>11}  "
            f"{'recorded':<19}  {'flag':<4}  tags / note"
        )
        for i in range(data.n_episodes):
            end = "terminated" if data.episode_terminated[i] else "truncated"
            created = data.episode_created[i]
            when = _when(created) if math.isfinite(created) else "-"
            labels = ", ".join(tags_of(data, i))
            note = str(data.episode_notes[i]).replace("\n", " ")
            if note:
                labels = f"{labels} / {note}" if labels else f"/ {note}"
            print(
                f"{i:>7} {data.episode_lengths[i]:>7} {data.episode_returns[i]:>10.2f} "
                f"{end:>10} {data.episode_seeds[i]:>11}  {when:<19}  "
                f"{flag_name(data.episode_flag[i]) or '-':<4}  {labels}".rstrip()
            )
    return 0


def _when(stamp: float) -> str:
    import time

    try:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(stamp))
    except (OverflowError, OSError, ValueError):
        return "-"


def _check(args: argparse.Namespace) -> int:
    from bc.data.checks import check_dataset

    path = normalise_path(args.dataset)
    env, warnings = _env_to_check_against(args, path)
    try:
        report = check_dataset(path, env)
    finally:
        if env is not None:
            env.close()
    if report.data is not None:
        from bc.labels import interactive_warnings  # interactive imitation keys (docs/dagger.md)

        warnings.extend(interactive_warnings(report.data))
    for warning in [*warnings, *report.warnings]:
        print(f"warning: {warning}")
    if report.problems:
        for problem in report.problems:
            print(f"problem: {problem}", file=sys.stderr)
        print(f"{path}: {len(report.problems)} problem(s)", file=sys.stderr)
        return 1
    data = report.data
    assert data is not None
    print(f"{path}: ok ({data.n_episodes} episodes, {data.n_steps} steps)")
    return 0


def _env_to_check_against(args: argparse.Namespace, path: Path) -> tuple[Any, list[str]]:
    """The env `check` compares spaces with (`--env`, else the recorded one), and notes.

    An env given with `--env` must be made; the recorded one may need an extra (or a trusted
    module) this machine lacks, and then the spaces are not checked, with a warning.
    """
    metadata = None
    if not args.env:
        try:
            metadata = load(path, check_images=False).metadata
        except BCError:
            return None, []  # check_dataset reports why the file does not load
    choice = env_choice(args, metadata)
    if choice is None:
        return None, []
    try:
        return choice.make(args, render_mode=None), []
    except EnvError as exc:
        if not choice.from_metadata:
            raise
        return None, [f"spaces not checked against the recorded env: {exc}"]


def _plot(args: argparse.Namespace) -> int:
    data = load(args.dataset, check_images=False)
    if data.n_episodes == 0:
        raise DatasetError(data.path, ["has no episodes to plot"])
    out = Path(args.out) if args.out else normalise_path(args.dataset).with_suffix("")
    if not args.out:
        out = out.with_name(out.name + "_returns.png")
    _check_out(out)
    write_returns_histogram(data, out)
    print(f"wrote {out}")
    return 0


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
    _check_out(args.out)
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
