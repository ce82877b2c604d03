"""DAgger and HG-DAgger rounds with a scripted expert: `dagger()` and its `RoundReport`.

Each round the current policy drives K episodes; the expert either relabels every visited
state (`mode="dagger"`, Ross et al. 2011) or takes over through a gate and labels only the
steps it controlled (`mode="hg"`, HG-DAgger, Kelly et al. 2019). The round's episodes are
appended to the dataset (as the app's Correct mode appends them), the policy is retrained on
the aggregate's labels (`bc.labels`), and evaluated on seeds never used for data.
See docs/dagger.md.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from bc.data import journal
from bc.data.archive import load, normalise_path
from bc.data.arrays import DatasetArrays
from bc.data.validate import space_problems
from bc.errors import BCError
from bc.interactive.collection import append_episodes, collect
from bc.interactive.gates import Gate
from bc.interactive.seeds import SeedStream, eval_seeds
from bc.interactive.takeover import Mode, TakeoverExpert
from bc.interactive.training import TrainSettings, evaluate, train_on_labels
from bc.rollout import Expert, checked_action

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RoundReport:
    """One round of the loop: labels so far and the evaluated policy."""

    round: int
    labels: int
    """Expert-labelled steps in the dataset after this round (demonstrations + interventions)."""
    mean_return: float
    std_return: float
    episodes: int
    """Episodes added this round."""
    interventions: int
    """Expert-controlled (labelled) steps added this round."""

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready values (the CLI's `--json` line)."""
        return {
            "round": self.round,
            "labels": self.labels,
            "mean_return": round(self.mean_return, 3),
            "std_return": round(self.std_return, 3),
            "episodes": self.episodes,
            "interventions": self.interventions,
        }


def dagger(
    dataset: str | Path,
    env: gym.Env[Any, Any] | str,
    expert: Expert | str,
    rounds: int = 5,
    episodes_per_round: int = 2,
    out: str | Path | None = None,
    *,
    mode: Mode = "hg",
    gate: Gate | None = None,
    demos: int = 2,
    n_eval_episodes: int = 10,
    train: TrainSettings | None = None,
    seed: int = 0,
    on_round: Callable[[RoundReport], None] | None = None,
) -> Any:
    """Run DAgger or HG-DAgger with a scripted expert; returns the policy after the last round.

    Round 0 trains on the dataset as it is (recording `demos` expert demonstrations first when
    the file does not exist) and evaluates; each later round lets the policy drive
    `episodes_per_round` episodes, appends them to `dataset`, retrains on the labels, evaluates.

    Args:
        dataset: the `.npz` to grow (created with `demos` demonstrations when missing).
        env: an env or an env id.
        expert: `obs -> action`, or a 'module:callable' spec (`bc.experts.load_expert`).
        rounds: rounds after round 0.
        episodes_per_round: policy-driven episodes per round.
        out: where to save the last policy (`BC.save`); None: not saved.
        mode: "hg" (expert takes over by `gate`) or "dagger" (every state relabelled).
        gate: the take-over rule for "hg" (default `DisagreementGate()`).
        demos: demonstrations recorded when `dataset` does not exist.
        n_eval_episodes: evaluation episodes per round, on seeds never used for data.
        train: training settings of every round.
        seed: first seed of the data episodes (each new episode takes the next unused one).
        on_round: called with each round's report (the CLI prints it).

    Raises:
        BCError: bad arguments, an expert that fails, a dataset that does not fit the env.
    """
    from bc.envs import make_env
    from bc.experts import load_expert
    from bc.spaces import describe_space

    if rounds < 0 or episodes_per_round < 1 or n_eval_episodes < 1:
        raise BCError("rounds must be >= 0, episodes_per_round and n_eval_episodes >= 1")
    settings = train or TrainSettings()
    owned = isinstance(env, str)
    the_env = make_env(env) if isinstance(env, str) else env
    try:
        the_expert = load_expert(expert, the_env) if isinstance(expert, str) else expert
        path = normalise_path(dataset)
        metadata: dict[str, Any] = {
            "observation_space": describe_space(the_env.observation_space),
            "action_space": describe_space(the_env.action_space),
        }
        if the_env.spec is not None:
            metadata["env_id"] = the_env.spec.id
        exists = path.exists() or bool(journal.unmerged_parts(path))
        data = load(path) if exists else None
        seeds = SeedStream(seed, data)
        if data is None:
            if demos < 1:
                raise BCError(f"{path} does not exist and demos=0: nothing to start from")
            episodes = collect(the_env, the_expert, seeds.take(demos), "demonstration", 0)
            append_episodes(path, episodes, metadata)
            data = load(path)
        else:
            problems = space_problems(data, the_env.observation_space, the_env.action_space)
            if problems:
                raise BCError(f"{path} does not fit the env: {'; '.join(problems)}")
            if rounds:  # a wrong expert fails now, not after round 0 has trained
                first_obs, _ = the_env.reset()  # every data and evaluation reset is seeded
                checked_action(the_expert, first_obs, the_env.action_space)
        first_round = int(data.episode_round.max()) + 1 if data.is_interactive else 1
        model = train_on_labels(path, settings)
        evals = eval_seeds(data, n_eval_episodes)
        mean, std = evaluate(model, the_env, evals)
        report = RoundReport(0, _labels(data), mean, std, 0, 0)
        log.info("round 0: %d labels, mean return %.1f", report.labels, mean)
        if on_round is not None:
            on_round(report)
        for r in range(first_round, first_round + rounds):
            actor = TakeoverExpert(model, the_expert, the_env.action_space, mode, gate)
            episodes = collect(the_env, actor, seeds.take(episodes_per_round), "correction", r)
            append_episodes(path, episodes, metadata)
            data = load(path)
            model = train_on_labels(path, settings)
            evals = eval_seeds(data, n_eval_episodes)
            mean, std = evaluate(model, the_env, evals)
            added = sum(int(np.count_nonzero(e.interventions)) for e in episodes)
            report = RoundReport(
                r - first_round + 1, _labels(data), mean, std, len(episodes), added
            )
            log.info("round %d: %d labels, mean return %.1f", report.round, report.labels, mean)
            if on_round is not None:
                on_round(report)
        if out is not None:
            model.save(out)
        return model
    finally:
        if owned:
            the_env.close()


def _labels(data: DatasetArrays) -> int:
    from bc.labels import count_labels

    return count_labels(data)
