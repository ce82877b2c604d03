"""`bc record`, `bc info`, `bc check`, `bc plot`: make and inspect expert datasets."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

from bc import storage
from bc.errors import BCError, DatasetError, UsageError
from bc.plots import write_returns_histogram


def register(sub: Any) -> None:
    """Add the dataset sub-commands to the `bc` parser."""
    rec = sub.add_parser(
        "record",
        help="record episodes of a scripted expert",
        description="Record episodes of a scripted expert (module:callable) into an SB2 dataset.",
    )
    rec.add_argument("env", help="Gymnasium env id, e.g. CartPole-v1")
    rec.add_argument(
        "--expert",
        default="bc.experts:random_expert",
        help="module:callable, obs -> action (shipped: bc.experts:cartpole_balance, "
        "bc.experts:lunar_lander_heuristic, bc.experts:random_expert)",
    )
    rec.add_argument("--out", required=True, help="dataset path (.npz)")
    rec.add_argument("--episodes", type=int, default=10, help="episodes to record (default 10)")
    rec.add_argument("--seed", type=int, default=None, help="seed of the first episode")
    rec.add_argument("--append", action="store_true", help="add to an existing dataset")
    rec.add_argument(
        "--env-kwargs",
        default="{}",
        help='JSON keyword arguments for the env, e.g. {"continuous": true}',
    )
    rec.add_argument(
        "--image-folder",
        default=None,
        help="for image observations (default: <name>_images beside the dataset)",
    )
    rec.set_defaults(handler=_record)

    info = sub.add_parser("info", help="summarise a dataset and list its episodes")
    info.add_argument("dataset")
    info.add_argument("--episodes", action="store_true", help="print the per-episode table")
    info.add_argument("--json", action="store_true", help="machine-readable summary")
    info.set_defaults(handler=_info)

    check = sub.add_parser("check", help="validate a dataset (exit 1 on problems)")
    check.add_argument("dataset")
    check.add_argument("--env", help="also check that it fits this env id's spaces")
    check.add_argument("--env-kwargs", default="{}", help="JSON keyword arguments for --env")
    check.set_defaults(handler=_check)

    plot = sub.add_parser("plot", help="write a histogram of episode returns to a PNG")
    plot.add_argument("dataset")
    plot.add_argument("--out", help="PNG path (default: <dataset>_returns.png)")
    plot.set_defaults(handler=_plot)

    export = sub.add_parser("export", help="write a recorded episode as a GIF or MP4")
    export.add_argument("dataset")
    export.add_argument("--episode", type=int, default=0, help="episode index (default 0)")
    export.add_argument("--out", required=True, help="output file, .gif or .mp4")
    export.add_argument("--fps", type=float, default=30.0)
    export.add_argument("--env-kwargs", default=None, help="JSON env kwargs (default: as recorded)")
    export.add_argument(
        "--trust-env-module",
        action="store_true",
        help="allow the env id stored in the file to import its module (module:EnvName)",
    )
    export.set_defaults(handler=_export)


def _env_kwargs(text: str) -> dict[str, Any]:
    from bc.envs import parse_env_kwargs  # gymnasium loads only for commands that need it

    return parse_env_kwargs(text, "--env-kwargs")


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
    _check_out(storage.normalise_path(args.out))
    if args.episodes < 1:
        raise UsageError(f"--episodes must be at least 1, got {args.episodes}")
    if args.seed is not None and not 0 <= args.seed <= SEED_MAX - args.episodes:
        raise UsageError(
            f"--seed must be between 0 and {SEED_MAX - args.episodes} (seeds are stored as "
            f"int64, one per episode), got {args.seed}"
        )


def _record(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from bc.envs import make_env
    from bc.experts import load_expert
    from bc.record import generate_expert_traj

    _check_record_args(args)
    kwargs = _env_kwargs(args.env_kwargs)
    for candidate in (Path(args.out), storage.normalise_path(args.out)):
        if candidate.is_dir():
            raise BCError(f"--out {args.out}: {candidate} is a folder; name a dataset file (.npz)")
    env = make_env(args.env, render_mode=None, **kwargs)
    try:
        expert = load_expert(args.expert, env)
        with tqdm(total=args.episodes, unit="ep", file=sys.stderr, disable=None) as bar:

            def progress(summary: Any) -> None:
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
                metadata={"env_id": args.env, "env_kwargs": kwargs, "expert": args.expert},
                callback=progress,
            )
    finally:
        env.close()
    returns = data["episode_returns"]
    path = storage.normalise_path(args.out)
    print(
        f"recorded {len(returns)} episodes, {len(data['rewards'])} steps, "
        f"mean return {returns.mean():.2f} +/- {returns.std():.2f} -> {path}"
    )
    return 0


def _finite(value: float) -> float | None:
    """A number for JSON: NaN and infinities become None (null)."""
    return value if math.isfinite(value) else None


def _summary(data: storage.DatasetArrays) -> dict[str, Any]:
    lengths = data.episode_lengths
    rets = data.episode_returns.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):  # inf returns: shown as null
        return _summary_of(data, lengths, rets)


def _summary_of(
    data: storage.DatasetArrays, lengths: np.ndarray, rets: np.ndarray
) -> dict[str, Any]:
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
    }


def _space_text(make: Any) -> str:
    """A space for the summary; a space the file cannot give is shown as the reason."""
    try:
        return str(make())
    except BCError as exc:
        return f"unknown ({exc})"


def _info(args: argparse.Namespace) -> int:
    data = storage.load(args.dataset, check_images=False)
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
        print(f"{'episode':>7} {'length':>7} {'return':>10} {'end':>10} {'seed':>11}  recorded")
        for i in range(data.n_episodes):
            end = "terminated" if data.episode_terminated[i] else "truncated"
            created = data.episode_created[i]
            when = _when(created) if math.isfinite(created) else "-"
            print(
                f"{i:>7} {data.episode_lengths[i]:>7} {data.episode_returns[i]:>10.2f} "
                f"{end:>10} {data.episode_seeds[i]:>11}  {when}"
            )
    return 0


def _when(stamp: float) -> str:
    import time

    try:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(stamp))
    except (OverflowError, OSError, ValueError):
        return "-"


def _check(args: argparse.Namespace) -> int:
    from bc.checks import check_dataset

    path = storage.normalise_path(args.dataset)
    env = None
    if args.env:
        from bc.envs import make_env

        env = make_env(args.env, render_mode=None, **_env_kwargs(args.env_kwargs))
    try:
        report = check_dataset(path, env)
    finally:
        if env is not None:
            env.close()
    for warning in report.warnings:
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


def _plot(args: argparse.Namespace) -> int:
    data = storage.load(args.dataset, check_images=False)
    if data.n_episodes == 0:
        raise DatasetError(data.path, ["has no episodes to plot"])
    out = Path(args.out) if args.out else storage.normalise_path(args.dataset).with_suffix("")
    if not args.out:
        out = out.with_name(out.name + "_returns.png")
    _check_out(out)
    write_returns_histogram(data, out)
    print(f"wrote {out}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from bc.envs import make_env
    from bc.export import export_frames
    from bc.replay import EpisodeReplay

    if not (math.isfinite(args.fps) and 0 < args.fps <= MAX_FPS):
        raise UsageError(f"--fps must be a positive number up to {MAX_FPS:g}, got {args.fps}")
    _check_out(args.out)
    kwargs_given = _env_kwargs(args.env_kwargs) if args.env_kwargs else None
    data = storage.load(args.dataset, check_images=False)
    if not -data.n_episodes <= args.episode < data.n_episodes:
        raise DatasetError(
            data.path, [f"no episode {args.episode} (the dataset has {data.n_episodes})"]
        )
    env = None
    if not data.is_image:
        env_id = data.metadata.get("env_id")
        if not env_id or not isinstance(env_id, str):
            raise BCError("the dataset names no env id, so its episodes cannot be re-simulated")
        stored = data.metadata.get("env_kwargs") or {}
        if kwargs_given is None and not isinstance(stored, dict):
            raise DatasetError(data.path, [f"metadata env_kwargs is not an object: {stored!r}"])
        kwargs = kwargs_given if kwargs_given is not None else dict(stored)
        env = make_env(env_id, trust_module=args.trust_env_module, **kwargs)
    try:
        replay = EpisodeReplay(data, args.episode, env)
        out = export_frames((replay.frame(i) for i in range(len(replay))), args.out, args.fps)
    finally:
        if env is not None:
            env.close()
    print(f"wrote {out} ({len(replay)} frames)")
    return 0
