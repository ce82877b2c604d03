"""`verbose=1`: SB2's console output, printed on stdout as SB2 printed it.

The library otherwise only logs (`logging`); `verbose=1` is the caller's explicit request for
SB2's prints, so code and notebooks written against SB2 show the same progress without any
logging configuration.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from typing import Any, TextIO

EpochCallback = Callable[[Any], "bool | None"]


def sb2_interval(n_epochs: int, val_interval: int | None) -> int:
    """Epochs between SB2's progress reports: `val_interval`, else a tenth of `n_epochs`."""
    return max(1, val_interval or n_epochs // 10)


def pretrain_printer(
    n_epochs: int,
    val_interval: int | None = None,
    then: EpochCallback | None = None,
    out: TextIO | None = None,
) -> EpochCallback:
    """An epoch callback printing SB2's `pretrain` progress, then calling `then` (if any).

    Prints, every `sb2_interval` epochs:

        ==== Training progress 10.00% ====
        Epoch 100
        Training loss: 0.123456, Validation loss: 0.234567

    Args:
        n_epochs: the epochs `pretrain` will run.
        val_interval: SB2's argument (None: a tenth of `n_epochs`).
        then: the caller's own epoch callback; its return value is passed on.
        out: where to print (default: stdout at call time).
    """
    interval = sb2_interval(n_epochs, val_interval)

    def on_epoch(report: Any) -> bool | None:
        if report.epoch % interval == 0 or report.epoch == n_epochs:
            stream = out or sys.stdout
            val = report.val_loss
            val_text = "nan" if math.isnan(val) else f"{val:.6f}"
            print(f"==== Training progress {100 * report.epoch / n_epochs:.2f}% ====", file=stream)
            print(f"Epoch {report.epoch}", file=stream)
            print(
                f"Training loss: {report.train_loss:.6f}, Validation loss: {val_text}", file=stream
            )
            print(file=stream)
        return then(report) if then is not None else None

    return on_epoch


def say(text: str, out: TextIO | None = None) -> None:
    """Print one line of SB2-style output on stdout (or `out`)."""
    print(text, file=out or sys.stdout)
