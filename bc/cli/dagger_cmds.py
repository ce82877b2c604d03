"""`demorec dagger`: DAgger / HG-DAgger rounds with a scripted expert (see docs/dagger.md)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from bc.cli.options import add_env_options, require_env
from bc.data.archive import load, normalise_path
from bc.errors import BCError


def register(sub: Any) -> None:
    """Add the `dagger` sub-command to the `bc` parser."""
    p = sub.add_parser(
        "dagger",
        help="interactive imitation with a scripted expert: DAgger or HG-DAgger rounds",
        description=(
            "Train on DATASET, then each round let the policy drive, let the expert relabel "
            "(--mode dagger) or take over (--mode hg), append the episodes to DATASET and "
            "retrain on the labels. DATASET is created with --demos expert demonstrations "
            "when missing."
        ),
    )
    p.add_argument("dataset", help="the .npz to grow")
    add_env_options(p, "run the rounds in")
    p.add_argument(
        "--expert", required=True, help="module:callable, e.g. bc.experts:cartpole_balance"
    )
    p.add_argument("--rounds", type=int, default=5, help="rounds of corrections")
    p.add_argument("--episodes-per-round", type=int, default=2, help="episodes recorded per round")
    p.add_argument("--out", required=True, help="policy file written after the last round (.zip)")
    p.add_argument(
        "--mode",
        default="hg",
        choices=["hg", "dagger"],
        help="hg: the expert takes over by a gate; dagger: it labels every visited state",
    )
    p.add_argument("--gate", default=None, help="module:callable take-over gate (hg mode)")
    p.add_argument("--patience", type=int, default=3, help="disagreements before taking over")
    p.add_argument("--handback", type=int, default=5, help="agreements before handing back")
    p.add_argument("--demos", type=int, default=2, help="demonstrations when DATASET is new")
    p.add_argument(
        "--eval-episodes", type=int, default=10, help="evaluation episodes after each round"
    )
    p.add_argument("--epochs", type=int, default=50, help="training epochs per round")
    p.add_argument("--lr", type=float, default=1e-3, help="Adam's learning rate")
    p.add_argument("--batch-size", type=int, default=64, help="samples per batch")
    p.add_argument("--seed", type=int, default=0, help="seed of the first episode and the weights")
    p.add_argument("--json", action="store_true", help="one JSON line per round")
    p.set_defaults(handler=_dagger)


def _dataset_metadata(dataset: str) -> dict[str, Any] | None:
    """The metadata of the dataset the rounds grow (None when it is still to be created)."""
    path = normalise_path(dataset)
    return load(path, check_images=False).metadata if path.exists() else None


def _load_gate(spec: str) -> Any:
    import importlib

    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise BCError(f"--gate must be 'module:callable', got {spec!r}")
    try:
        obj = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise BCError(f"cannot load gate {spec!r}: {exc}") from exc
    if not callable(obj):
        raise BCError(f"gate {spec!r} is not callable")
    return obj


def _dagger(args: argparse.Namespace) -> int:
    from bc.interactive.gates import DisagreementGate
    from bc.interactive.rounds import RoundReport, dagger
    from bc.interactive.training import TrainSettings

    if args.rounds < 0 or args.episodes_per_round < 1 or args.eval_episodes < 1:
        raise BCError("--rounds must be >= 0, --episodes-per-round and --eval-episodes >= 1")
    choice = require_env(args, _dataset_metadata(args.dataset), "dagger")
    gate = (
        _load_gate(args.gate)
        if args.gate
        else DisagreementGate(patience=args.patience, handback=args.handback)
    )

    def show(report: RoundReport) -> None:
        if args.json:
            print(json.dumps(report.as_dict()), flush=True)
        else:
            print(
                f"round {report.round}: {report.labels} labels, mean return "
                f"{report.mean_return:.1f} +- {report.std_return:.1f} "
                f"({report.episodes} episodes, {report.interventions} expert steps added)",
                flush=True,
            )

    env = choice.make(args, render_mode=None)
    try:
        dagger(
            args.dataset,
            env,
            args.expert,
            rounds=args.rounds,
            episodes_per_round=args.episodes_per_round,
            out=args.out,
            mode=args.mode,
            gate=gate,
            demos=args.demos,
            n_eval_episodes=args.eval_episodes,
            train=TrainSettings(
                n_epochs=args.epochs,
                batch_size=args.batch_size,
                learning_rate=args.lr,
                seed=args.seed,
            ),
            seed=args.seed,
            on_round=show,
        )
    finally:
        env.close()
    return 0
