"""What `demorec train` and `pretrain-sb3` share: the training options and their checks."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from bc.data.archive import load


def config_arg(check: Callable[[Any, str], Any], name: str) -> Callable[[str], Any]:
    """An argparse type from one of `bc.train.config`'s checks (bad values: usage error, exit 2)."""

    def parse(text: str) -> Any:
        from bc.errors import TrainConfigError

        try:
            return check(text, name)
        except TrainConfigError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parse.__name__ = name
    return parse


def config_checks() -> Any:
    """`bc.train.config`: the value checks and `TrainConfig` the options are built from."""
    from bc.train import config

    return config


def add_training_options(parser: Any, c: Any, d: Any) -> None:
    """Add what `train` and `pretrain-sb3` share: datasets, epochs, rate, batches, seed, device.

    `c` is `bc.train.config` (the value checks), `d` its default `TrainConfig`.
    """
    parser.add_argument(
        "dataset", nargs="+", help="dataset path(s) (.npz, ours or SB2's) or glob patterns"
    )
    parser.add_argument(
        "--epochs",
        type=config_arg(c.positive_int, "--epochs"),
        default=d.epochs,
        help="passes over the training set",
    )
    parser.add_argument(
        "--lr",
        type=config_arg(c.positive_float, "--lr"),
        default=d.learning_rate,
        help="Adam's rate",
    )
    parser.add_argument(
        "--batch-size",
        type=config_arg(c.positive_int, "--batch-size"),
        default=d.batch_size,
        help="samples per batch",
    )
    parser.add_argument(
        "--val-interval",
        type=config_arg(c.positive_int, "--val-interval"),
        default=d.val_interval,
        help="validate every N epochs",
    )
    parser.add_argument(
        "--patience",
        type=config_arg(c.positive_int, "--patience"),
        default=None,
        help="stop after this many epochs without a better validation loss (default: never)",
    )
    parser.add_argument(
        "--seed",
        type=config_arg(c.seed_value, "--seed"),
        default=d.seed,
        help="seed of the model's weights and of the split",
    )
    parser.add_argument(
        "--device",
        type=config_arg(c.device_name, "--device"),
        default=d.device,
        help="auto (a GPU when present), cpu, cuda or cuda:N",
    )


def first_metadata(datasets: list[str]) -> dict[str, Any]:
    """The metadata of the first dataset named (the env to evaluate in comes from it)."""
    from bc.sources import expand

    return load(expand(datasets)[0], check_images=False).metadata
