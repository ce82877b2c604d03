"""Interactive imitation vs plain BC: mean return against expert-labelled steps, LunarLander-v3.

Run: .venv/bin/python bench/bench_dagger.py [--seeds 3] [--rounds 8] [--eval-episodes 20]
     [--bc-counts 2,4,6,8,12,16] [--epochs 100] [--plot docs/dagger_lunarlander.png]
Gymnasium's LunarLander heuristic (`bc.experts.lunar_lander_heuristic`) stands in for the human.
Plain BC trains on more and more demonstration episodes (every step a label); DAgger and HG-DAgger
(`bc.dagger`) start from 2 demonstration episodes and add one policy-driven episode per round.
Every policy is evaluated on the same evaluation seeds, never used for data.
Target: DAgger or HG-DAgger reaches a mean return of 200 with at most 2,000 expert-labelled
steps, and with fewer labels than BC needs for 200 in the same run.
Smaller runs for a busy machine: --seeds 1 --rounds 4 --eval-episodes 10 --bc-counts 2,6,12.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path

import gymnasium as gym
import numpy as np

import bc
from bc.data.arrays import DatasetArrays
from bc.experts import lunar_lander_heuristic
from bc.interactive.collection import collect
from bc.interactive.gates import DisagreementGate
from bc.interactive.rounds import RoundReport
from bc.interactive.seeds import eval_seeds
from bc.interactive.training import TrainSettings, evaluate, train_on_labels

ENV_ID = "LunarLander-v3"
TARGET = 200.0
MAX_LABELS = 2000

Curve = list[tuple[int, float]]


def bc_curve(seed: int, counts: list[int], settings: TrainSettings, n_eval: int) -> Curve:
    """Plain BC: (labels, mean return) for the first k demonstration episodes, k in `counts`."""
    env = gym.make(ENV_ID)
    expert = lunar_lander_heuristic(env)
    episodes = collect(env, expert, list(range(seed * 1000, seed * 1000 + max(counts))), "", 0)
    seeds = eval_seeds(None, n_eval)
    curve: Curve = []
    for k in counts:
        data = DatasetArrays.from_episodes(episodes[:k])
        model = train_on_labels(data, settings)
        mean, _ = evaluate(model, env, seeds)
        curve.append((data.n_steps, mean))
        print(f"  seed {seed} BC {k:>2} episodes: {data.n_steps:>6} labels, return {mean:7.1f}")
    env.close()
    return curve


def interactive_curve(
    seed: int, mode: str, rounds: int, settings: TrainSettings, n_eval: int, folder: Path
) -> Curve:
    """DAgger or HG-DAgger from 2 demonstrations: (labels, mean return) after each round."""
    env = gym.make(ENV_ID)
    curve: Curve = []

    def keep(report: RoundReport) -> None:
        curve.append((report.labels, report.mean_return))
        print(
            f"  seed {seed} {mode:>6} round {report.round}: {report.labels:>6} labels, "
            f"return {report.mean_return:7.1f}"
        )

    bc.dagger(
        folder / f"{mode}_{seed}.npz",
        env,
        lunar_lander_heuristic(env),
        rounds=rounds,
        episodes_per_round=1,
        mode=mode,  # type: ignore[arg-type]
        gate=DisagreementGate(patience=3, handback=5) if mode == "hg" else None,
        demos=2,
        n_eval_episodes=n_eval,
        train=settings,
        seed=seed * 1000,
        on_round=keep,
    )
    env.close()
    return curve


def labels_to_reach(curve: Curve, target: float) -> int | None:
    """Fewest labels at which the curve's return is >= target (None: never)."""
    hits = [labels for labels, ret in curve if ret >= target]
    return min(hits) if hits else None


def plot(curves: dict[str, list[Curve]], out: Path) -> None:
    """Mean return against labels, one line per method and seed (matplotlib, no display)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    colours = {"BC": "tab:grey", "hg": "tab:blue", "dagger": "tab:orange"}
    names = {"BC": "plain BC", "hg": "HG-DAgger", "dagger": "DAgger"}
    for method, runs in curves.items():
        for i, curve in enumerate(runs):
            xs, ys = zip(*curve, strict=True)
            ax.plot(
                xs,
                ys,
                marker="o",
                color=colours[method],
                alpha=0.8,
                label=names[method] if i == 0 else None,
            )
    ax.axhline(TARGET, color="green", linestyle="--", linewidth=1, label="return 200")
    ax.axvline(MAX_LABELS, color="red", linestyle=":", linewidth=1, label="2,000 labels")
    ax.set_xlabel("expert-labelled steps")
    ax.set_ylabel("mean return (evaluation episodes)")
    ax.set_title(f"{ENV_ID}: interactive imitation vs behaviour cloning")
    ax.legend(loc="lower right")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100)
    plt.close(fig)


def main() -> int:
    """Run the benchmark; print per-round figures and the table; exit 0 when the target is met."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--eval-episodes", type=int, default=20)
    parser.add_argument("--bc-counts", default="2,4,6,8,12,16")
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--modes", default="hg,dagger")
    parser.add_argument("--plot", default="docs/dagger_lunarlander.png")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    counts = [int(c) for c in args.bc_counts.split(",")]
    modes = [m for m in args.modes.split(",") if m]
    curves: dict[str, list[Curve]] = {"BC": [], **{m: [] for m in modes}}
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.seeds):
            settings = TrainSettings(n_epochs=args.epochs, seed=seed)
            curves["BC"].append(bc_curve(seed, counts, settings, args.eval_episodes))
            for mode in modes:
                curves[mode].append(
                    interactive_curve(
                        seed, mode, args.rounds, settings, args.eval_episodes, Path(tmp)
                    )
                )
    print(
        f"\n{ENV_ID}, {args.seeds} seed(s), {args.eval_episodes} evaluation episodes, "
        f"{time.perf_counter() - start:.0f} s"
    )
    print(f"{'method':<10} {'seed':>4}  {'labels to reach 200':>20}  {'best return':>11}  curve")
    met = False
    for method, runs in curves.items():
        for seed, curve in enumerate(runs):
            need = labels_to_reach(curve, TARGET)
            best = max(ret for _, ret in curve)
            shown = ", ".join(f"{lab}:{ret:.0f}" for lab, ret in curve)
            print(f"{method:<10} {seed:>4}  {need if need else '-':>20}  {best:>11.1f}  {shown}")
    for seed in range(args.seeds):
        bc_need = labels_to_reach(curves["BC"][seed], TARGET)
        for mode in modes:
            need = labels_to_reach(curves[mode][seed], TARGET)
            if need is not None and need <= MAX_LABELS and (bc_need is None or need < bc_need):
                met = True
    medians = {
        m: float(np.median([labels_to_reach(c, TARGET) or np.inf for c in runs]))
        for m, runs in curves.items()
    }
    print("median labels to reach 200: " + ", ".join(f"{m} {v:.0f}" for m, v in medians.items()))
    plot(curves, Path(args.plot))
    print(f"plot: {args.plot}")
    print(
        f"target ({TARGET:.0f} with <= {MAX_LABELS} labels and fewer than BC): "
        f"{'met' if met else 'NOT met'}"
    )
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
