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
from bc.errors import BCError, DatasetError
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
    rec.add_argument("--image-folder", default="recorded_images", help="for image observations")
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
    export.set_defaults(handler=_export)


def _env_kwargs(text: str) -> dict[str, Any]:
    from bc.envs import parse_env_kwargs  # gymnasium loads only for commands that need it

    return parse_env_kwargs(text, "--env-kwargs")


def _record(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from bc.envs import make_env
    from bc.experts import load_expert
    from bc.record import generate_expert_traj

    kwargs = _env_kwargs(args.env_kwargs)
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


def _summary(data: storage.DatasetArrays) -> dict[str, Any]:
    lengths = data.episode_lengths
    rets = data.episode_returns
    return {
        "path": str(data.path),
        "env_id": data.metadata.get("env_id"),
        "episodes": data.n_episodes,
        "steps": data.n_steps,
        "return_mean": float(rets.mean()) if len(rets) else None,
        "return_std": float(rets.std()) if len(rets) else None,
        "return_min": float(rets.min()) if len(rets) else None,
        "return_max": float(rets.max()) if len(rets) else None,
        "length_mean": float(lengths.mean()) if len(lengths) else None,
        "obs": f"{'image paths' if data.is_image else data.obs.dtype} {data.obs.shape}",
        "actions": f"{data.actions.dtype} {data.actions.shape}",
        "observation_space": str(data.observation_space()),
        "action_space": str(data.action_space()),
        "format": "ours" if data.metadata else "SB2 (no metadata)",
        "pending_episodes": data.pending_episodes,
        "final_obs": data.has_final_obs,
        **_interactive_summary(data),
    }


def _interactive_summary(data: storage.DatasetArrays) -> dict[str, Any]:
    from bc.labels import interactive_summary  # interactive imitation keys (docs/dagger.md)

    return interactive_summary(data)


def _info(args: argparse.Namespace) -> int:
    data = storage.load(args.dataset, check_images=False)
    summary = _summary(data)
    if args.json:
        print(json.dumps(summary, indent=2))
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
            when = "-" if math.isnan(created) else _when(created)
            print(
                f"{i:>7} {data.episode_lengths[i]:>7} {data.episode_returns[i]:>10.2f} "
                f"{end:>10} {data.episode_seeds[i]:>11}  {when}"
            )
    return 0


def _when(stamp: float) -> str:
    import time

    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(stamp))


def _check(args: argparse.Namespace) -> int:
    path = storage.normalise_path(args.dataset)
    problems: list[str] = []
    warnings: list[str] = []
    data = None
    try:
        data = storage.load(path, check_images=True)
    except DatasetError as exc:
        problems.extend(exc.problems)
    if data is not None:
        sums = np.array([data.rewards[data.episode_slice(i)].sum() for i in range(data.n_episodes)])
        off = np.flatnonzero(~np.isclose(sums, data.episode_returns, rtol=1e-5, atol=1e-6))
        if len(off):
            warnings.append(
                f"episode_returns differ from the sum of rewards in {len(off)} episode(s), "
                f"first: episode {off[0]}"
            )
        if data.pending_episodes:
            warnings.append(
                f"{data.pending_episodes} episode(s) recovered from the journal are not merged "
                "into the archive yet (they load here; SB2's loader will not see them)"
            )
        from bc.labels import interactive_warnings

        warnings.extend(interactive_warnings(data))
        if args.env:
            from bc.envs import make_env

            env = make_env(args.env, render_mode=None, **_env_kwargs(args.env_kwargs))
            try:
                problems.extend(
                    storage.space_problems(data, env.observation_space, env.action_space)
                )
            finally:
                env.close()
    for warning in warnings:
        print(f"warning: {warning}")
    if problems:
        for problem in problems:
            print(f"problem: {problem}", file=sys.stderr)
        print(f"{path}: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    assert data is not None
    print(f"{path}: ok ({data.n_episodes} episodes, {data.n_steps} steps)")
    return 0


def _plot(args: argparse.Namespace) -> int:
    data = storage.load(args.dataset, check_images=False)
    out = Path(args.out) if args.out else storage.normalise_path(args.dataset).with_suffix("")
    if not args.out:
        out = out.with_name(out.name + "_returns.png")
    write_returns_histogram(data, out)
    print(f"wrote {out}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from bc.envs import make_env
    from bc.export import export_frames
    from bc.replay import EpisodeReplay

    data = storage.load(args.dataset, check_images=False)
    env = None
    if not data.is_image:
        env_id = data.metadata.get("env_id")
        if not env_id:
            raise BCError("the dataset names no env id, so its episodes cannot be re-simulated")
        kwargs = (
            _env_kwargs(args.env_kwargs)
            if args.env_kwargs
            else dict(data.metadata.get("env_kwargs") or {})
        )
        env = make_env(env_id, **kwargs)
    try:
        replay = EpisodeReplay(data, args.episode, env)
        out = export_frames((replay.frame(i) for i in range(len(replay))), args.out, args.fps)
    finally:
        if env is not None:
            env.close()
    print(f"wrote {out} ({len(replay)} frames)")
    return 0
