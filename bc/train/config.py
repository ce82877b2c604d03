"""`TrainConfig`: every setting of a training run, documented and validated; one set of defaults.

The CLI, the app's train job, `BC.pretrain`, `bc.pretrain` and the benches all build one of these,
so a default changes in one place. The argument checks used by the CLI (`positive_int`, ...)
are the same functions that validate the dataclass.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, fields, is_dataclass
from typing import Any

from bc.errors import TrainConfigError

DEFAULT_EPOCHS = 30
"""Passes over the training set (SB2's `pretrain` defaulted to 10, the app to 30, the CLI to 50)."""
DEFAULT_LEARNING_RATE = 1e-3
"""Adam's step size (SB2's `pretrain` defaulted to 1e-4, which needs ten times the epochs)."""
DEVICE_PATTERN = re.compile(r"^(auto|cpu|cuda(:\d+)?)$")
POLICY_KINDS = ("auto", "mlp", "cnn")
SPLITS = ("episode", "sample")
MAX_SEED = 2**63 - 1


def positive_int(value: Any, name: str = "value") -> int:
    """An int >= 1 (bools refused)."""
    number = _int(value, name)
    if number < 1:
        raise TrainConfigError(f"{name} must be at least 1, got {number}")
    return number


def non_negative_int(value: Any, name: str = "value") -> int:
    """An int >= 0."""
    number = _int(value, name)
    if number < 0:
        raise TrainConfigError(f"{name} must be 0 or more, got {number}")
    return number


def positive_float(value: Any, name: str = "value") -> float:
    """A finite float > 0."""
    number = _float(value, name)
    if not number > 0:
        raise TrainConfigError(f"{name} must be above 0, got {number}")
    return number


def fraction(value: Any, name: str = "value") -> float:
    """A float in (0, 1]."""
    number = _float(value, name)
    if not 0.0 < number <= 1.0:
        raise TrainConfigError(f"{name} must be in (0, 1], got {number}")
    return number


def device_name(value: Any, name: str = "device") -> str:
    """Return the device name: auto, cpu, cuda or cuda:N."""
    text = str(value).strip().lower()
    if not DEVICE_PATTERN.match(text):
        raise TrainConfigError(f"{name} must be auto, cpu, cuda or cuda:N, got {value!r}")
    return text


def seed_value(value: Any, name: str = "seed") -> int:
    """A seed in [0, 2**63 - 1]."""
    number = _int(value, name)
    if not 0 <= number <= MAX_SEED:
        raise TrainConfigError(f"{name} must be in 0..2**63-1, got {number}")
    return number


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise TrainConfigError(f"{name} must be a whole number, got {value!r}")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise TrainConfigError(f"{name} must be a whole number, got {value!r}") from None
    if isinstance(value, float) and value != number:
        raise TrainConfigError(f"{name} must be a whole number, got {value!r}")
    return number


def _float(value: Any, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise TrainConfigError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise TrainConfigError(f"{name} must be a finite number, got {value!r}")
    return number


@dataclass(frozen=True)
class TrainConfig:
    """Every setting of a behaviour-cloning run; invalid values raise `TrainConfigError` at once.

    Fields not used by a model family are ignored (SB3 models have their own architecture).
    """

    epochs: int = DEFAULT_EPOCHS
    """Passes over the training set (>= 1)."""
    learning_rate: float = DEFAULT_LEARNING_RATE
    """Adam's learning rate (> 0)."""
    adam_epsilon: float = 1e-8
    """Adam's epsilon (> 0)."""
    batch_size: int = 64
    """Samples per gradient step (per process under torchrun; the global batch is N times it)."""
    train_fraction: float = 0.8
    """Share of the data trained on, the rest validates; in (0, 1] (1: no validation)."""
    split: str = "episode"
    """"episode" keeps each episode on one side of the split; "sample" splits steps (SB2)."""
    selection: Any = None
    """Which episodes to train on (a `bc.selection.EpisodeSelection`: tags, flag, return, kind,
    first N); None: all. Applied before `traj_limitation`."""
    labels: str | None = None
    """Which steps train (`bc.labels`): "all", "demonstrations" or
    "demonstrations+interventions"; None: the latter for files with interventions, else all."""
    traj_limitation: int = -1
    """Use only the first k episodes (-1: all)."""
    val_interval: int = 1
    """Epochs between validation passes (the last epoch is always validated)."""
    patience: int | None = None
    """Stop after this many validations without improvement (None: never stop early)."""
    keep_best: bool = True
    """Restore the weights of the lowest validation loss at the end."""
    seed: int | None = 0
    """Seeds the weights, the split and the shuffling (None: not seeded)."""
    device: str = "auto"
    """"auto" (a GPU when present), "cpu", "cuda" or "cuda:N"."""
    policy: str = "auto"
    """Policy body: "auto" (CNN for image observations, else MLP), "mlp" or "cnn"."""
    hidden: tuple[int, ...] | None = None
    """Hidden layer sizes (None: 256, 256 for an MLP; 512 for a CNN's dense layer)."""
    activation: str = "relu"
    """The MLP's activation: "relu" or "tanh"."""
    eval_episodes: int = 0
    """Episodes the trained policy plays in the env afterwards (0: no evaluation)."""
    image_cache_bytes: int = 1 << 30
    """Decoded frames kept in memory when they all fit (0: decode every epoch)."""
    n_workers: int | None = None
    """Threads decoding images (None: 2 for image datasets)."""

    def __post_init__(self) -> None:
        positive_int(self.epochs, "epochs")
        positive_float(self.learning_rate, "learning_rate")
        positive_float(self.adam_epsilon, "adam_epsilon")
        positive_int(self.batch_size, "batch_size")
        fraction(self.train_fraction, "train_fraction")
        if self.split not in SPLITS:
            raise TrainConfigError(f"split must be episode or sample, got {self.split!r}")
        traj = _int(self.traj_limitation, "traj_limitation")
        if traj == 0 or traj < -1:
            raise TrainConfigError(f"traj_limitation must be -1 (all) or >= 1, got {traj}")
        positive_int(self.val_interval, "val_interval")
        if self.patience is not None:
            positive_int(self.patience, "patience")
        if self.seed is not None:
            seed_value(self.seed)
        object.__setattr__(self, "device", device_name(self.device))
        if self.policy not in POLICY_KINDS:
            raise TrainConfigError(f"policy must be auto, mlp or cnn, got {self.policy!r}")
        if self.hidden is not None:
            object.__setattr__(
                self, "hidden", tuple(positive_int(h, "hidden size") for h in self.hidden)
            )
        if self.activation not in ("relu", "tanh"):
            raise TrainConfigError(f"activation must be relu or tanh, got {self.activation!r}")
        non_negative_int(self.eval_episodes, "eval_episodes")
        non_negative_int(self.image_cache_bytes, "image_cache_bytes")
        if self.n_workers is not None:
            positive_int(self.n_workers, "n_workers")

    def as_dict(self) -> dict[str, Any]:
        """The settings as a JSON-able dict (saved with the history)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if is_dataclass(value) and not isinstance(value, type):  # the episode selection
                value = {
                    k: list(v) if isinstance(v, tuple) else v for k, v in asdict(value).items()
                }
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out
