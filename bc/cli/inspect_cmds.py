"""`demorec info`, `check`, `plot`: inspect a dataset (summary, episodes, validation, returns)."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

from bc.cli.options import add_env_options, check_out_path, env_choice
from bc.data.archive import load, normalise_path
from bc.data.arrays import DatasetArrays
from bc.errors import BCError, DatasetError, EnvError
from bc.plots import write_returns_histogram


def register(sub: Any) -> None:
    """Add the inspecting sub-commands to the `demorec` parser."""
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


def _finite(value: float) -> float | None:
    """A number for JSON: NaN and infinities become None (null)."""
    return value if math.isfinite(value) else None


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
    check_out_path(out)
    write_returns_histogram(data, out)
    print(f"wrote {out}")
    return 0
