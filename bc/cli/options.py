"""What every `demorec` sub-command shares: the env options, verbosity, progress bars, help style.

- The env is given one way everywhere: `--env ID` and `--env-kwargs JSON`. When `--env` is
  omitted it comes from the dataset's metadata (the env id and kwargs it was recorded with);
  `--env-kwargs` alone overrides the recorded kwargs.
- `-v`/`-q` work before and after the sub-command; `-q` also silences progress bars.
- Progress bars (tqdm) go to stderr and are quiet when stderr is not a terminal.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from tqdm import tqdm

from bc.errors import UsageError

log = logging.getLogger(__name__)


class Parser(argparse.ArgumentParser):
    """argparse's parser, with usage errors on one line (and exit code 2, as argparse's)."""

    def error(self, message: str) -> NoReturn:
        """Print `PROG: error: MESSAGE (see PROG --help)` on stderr and exit with code 2."""
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Every option's help ends with its default, unless the help already says it."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        # Flags (off unless given), counters and None defaults need no "(default: ...)"; a help
        # that names its default in words keeps its own.
        if action.default is None or action.nargs == 0 or "(default" in text:
            return text
        return super()._get_help_string(action)


def env_kwargs_arg(text: str) -> dict[str, Any]:
    """Parse `--env-kwargs` with `bc.envs.parse_env_kwargs` (argparse reports a usage error)."""
    from bc.envs import parse_env_kwargs  # gymnasium loads only for commands that need it

    try:
        return parse_env_kwargs(text, "--env-kwargs")
    except UsageError as exc:  # argparse names the option itself
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--env-kwargs ")) from None


def add_env_options(parser: argparse.ArgumentParser, what: str, from_dataset: bool = True) -> None:
    """Add `--env ID` and `--env-kwargs JSON` to a sub-command.

    Args:
        parser: the sub-command's parser.
        what: what the env is used for, for the help text ("evaluate the policy in it").
        from_dataset: whether an omitted `--env` comes from the dataset's metadata.
    """
    fallback = " (default: the env the dataset was recorded in)" if from_dataset else ""
    parser.add_argument(
        "--env",
        metavar="ID",
        default=None,
        help=f"Gymnasium env id, e.g. CartPole-v1, to {what}{fallback}",
    )
    parser.add_argument(
        "--env-kwargs",
        metavar="JSON",
        type=env_kwargs_arg,
        default=None,
        help="keyword arguments for the env as a JSON object, e.g. '{\"continuous\": true}' "
        + ("(default: as recorded in the dataset, else none)" if from_dataset else "(default: {})"),
    )
    if from_dataset:
        parser.add_argument(
            "--trust-env-module",
            action="store_true",
            help="let an env id read from the dataset import its module (module:EnvName); "
            "ids given with --env are trusted",
        )


@dataclass(frozen=True)
class EnvChoice:
    """The env a command will make: its id, kwargs, and where they came from."""

    env_id: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    from_metadata: bool = False
    """True when `--env` was omitted and the dataset's metadata named the env."""

    def make(self, args: argparse.Namespace, **make_kwargs: Any) -> Any:
        """Make the env; an id read from a dataset may import a module only with --trust-env-module.

        Raises:
            EnvError: the env cannot be made; UntrustedEnvModuleError: see above.
        """
        from bc.envs import make_env

        trusted = not self.from_metadata or bool(getattr(args, "trust_env_module", False))
        return make_env(self.env_id, trust_module=trusted, **make_kwargs, **self.kwargs)

    def describe(self) -> str:
        """`LunarLander-v3 {"continuous": true}`, for messages."""
        return self.env_id + (f" {json.dumps(self.kwargs)}" if self.kwargs else "")


def env_choice(args: argparse.Namespace, metadata: Mapping[str, Any] | None) -> EnvChoice | None:
    """The env named by `--env`/`--env-kwargs`, else by the dataset's metadata; None if neither.

    Args:
        args: parsed arguments with `env` and `env_kwargs`.
        metadata: the dataset's metadata (None or {} for SB2's own files).
    """
    explicit_kwargs = getattr(args, "env_kwargs", None)
    if getattr(args, "env", None):
        return EnvChoice(args.env, dict(explicit_kwargs or {}))
    recorded = dict(metadata or {})
    env_id = recorded.get("env_id")
    if not isinstance(env_id, str) or not env_id:
        return None
    kwargs = recorded.get("env_kwargs") or {}
    if explicit_kwargs is not None:
        kwargs = explicit_kwargs
    return EnvChoice(env_id, dict(kwargs) if isinstance(kwargs, dict) else {}, True)


def require_env(
    args: argparse.Namespace, metadata: Mapping[str, Any] | None, command: str
) -> EnvChoice:
    """Like `env_choice`, but a missing env is an error that says how to give one.

    Raises:
        UsageError: no `--env` and no env id in the dataset's metadata.
    """
    choice = env_choice(args, metadata)
    if choice is None:
        why = "" if metadata is None else " (the dataset's metadata names none, as in SB2's files)"
        raise UsageError(f"{command} needs an env: give --env ID{why}")
    return choice


def check_out_path(out: str | Path, flag: str = "--out") -> None:
    """Refuse an output path that is a folder, or whose parent is a file."""
    path = Path(out)
    if path.is_dir():
        raise UsageError(f"{flag} {out} is a folder; give a file name")
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if parent.exists() and not parent.is_dir():
        raise UsageError(f"{flag} {out}: {parent} is a file, not a folder")


def deprecated(message: str) -> None:
    """Print a one-line deprecation note on stderr (old command-line forms keep working)."""
    print(f"demorec: deprecated: {message}", file=sys.stderr)


# -- verbosity ----------------------------------------------------------------------------------


def add_verbosity(parser: argparse.ArgumentParser, top_level: bool) -> None:
    """Add `-v/--verbose` and `-q/--quiet`; on a sub-command they add to the top-level ones."""
    default: Any = 0 if top_level else argparse.SUPPRESS
    group = parser.add_argument_group("output")
    group.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=default,
        help="more log output (-vv for debug messages)",
    )
    group.add_argument(
        "-q",
        "--quiet",
        action="count",
        default=default,
        help="less output: no progress bars, errors only in the log",
    )


def log_level(args: argparse.Namespace) -> int:
    """The logging level that `-v`/`-q` ask for (WARNING by default)."""
    shift = getattr(args, "verbose", 0) - getattr(args, "quiet", 0)
    return max(logging.DEBUG, min(logging.ERROR, logging.WARNING - 10 * shift))


_quiet = False


def set_quiet(quiet: bool) -> None:
    """Silence (or allow) the progress bars of this process's commands."""
    global _quiet
    _quiet = quiet


def note(message: str) -> None:
    """Print a one-line note on stderr (not an error), unless `-q` was given."""
    if not _quiet:
        print(f"demorec: {message}", file=sys.stderr)


# -- progress -----------------------------------------------------------------------------------


def progress(
    total: int | None = None, unit: str = "it", desc: str | None = None, disable: bool = False
) -> tqdm[Any]:
    """A progress bar on stderr; quiet when stderr is not a terminal, `-q` or `disable`."""
    return tqdm(
        total=total,
        unit=unit,
        desc=desc,
        file=sys.stderr,
        disable=True if (_quiet or disable) else None,
        dynamic_ncols=True,
        leave=False,
    )


def with_progress(items: Iterable[Any], total: int, unit: str, desc: str) -> Iterator[Any]:
    """Iterate `items` with a progress bar."""
    with progress(total, unit, desc) as bar:
        for item in items:
            yield item
            bar.update(1)


def evaluate_with_progress(
    policy: Any, env: Any, n_episodes: int, seed: int | None, desc: str = "evaluating"
) -> Any:
    """`bc.evaluate_policy` with a progress bar: one episode at a time, the same seeds and result.

    Returns:
        A `bc.evaluation.EvalResult`.
    """
    import numpy as np

    from bc.evaluation import EvalResult, evaluate_policy

    returns: list[float] = []
    lengths: list[int] = []
    with progress(n_episodes, "ep", desc) as bar:
        for i in range(n_episodes):
            one = evaluate_policy(policy, env, 1, seed=None if seed is None else seed + i)
            returns.extend(one.returns)
            lengths.extend(one.lengths)
            bar.update(1)
            bar.set_postfix(ret=f"{one.mean_return:.1f}")
    arr = np.asarray(returns, dtype=np.float64)
    mean = float(arr.mean()) if len(arr) else float("nan")
    std = float(arr.std()) if len(arr) else float("nan")
    return EvalResult(mean, std, tuple(returns), tuple(lengths))


def sb3_progress_callback(total_timesteps: int, desc: str = "learn") -> Any:
    """A Stable-Baselines3 callback that shows `model.learn`'s timesteps as a progress bar.

    SB3's own `progress_bar=True` needs `rich`; this one needs only tqdm.
    """
    from stable_baselines3.common.callbacks import BaseCallback

    class _TqdmCallback(BaseCallback):  # type: ignore[misc]
        def _on_training_start(self) -> None:
            self.bar = progress(total_timesteps, "step", desc)
            self.start = self.num_timesteps

        def _on_step(self) -> bool:
            if self.n_calls % 256 == 0:  # tqdm redraws itself at most ~10 times a second anyway
                self.bar.n = min(total_timesteps, self.num_timesteps - self.start)
                self.bar.refresh()
            return True

        def _on_training_end(self) -> None:
            self.bar.n = min(total_timesteps, self.num_timesteps - self.start)
            self.bar.close()

    return _TqdmCallback()
