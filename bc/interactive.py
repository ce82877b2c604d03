"""Interactive imitation for scripts: DAgger and HG-DAgger rounds with a scripted expert.

Each round the current policy drives K episodes; the expert either relabels every visited
state (`mode="dagger"`, Ross et al. 2011) or takes over through a gate and labels only the
steps it controlled (`mode="hg"`, HG-DAgger, Kelly et al. 2019). The round's episodes are
appended to the dataset (as the app's Correct mode appends them), the policy is retrained on
the aggregate's labels (`bc.labels`), and evaluated on seeds never used for data.
See docs/dagger.md.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import gymnasium as gym
import numpy as np

from bc.data import journal
from bc.data.archive import load, normalise_path
from bc.data.arrays import DatasetArrays
from bc.data.trajectory import Episode
from bc.data.validate import space_problems
from bc.errors import BCError
from bc.rollout import EpisodeCollector, Expert, Rollout, checked_action
from bc.spaces import space_from_description

log = logging.getLogger(__name__)

Mode = Literal["hg", "dagger"]
Gate = Callable[[Any, np.ndarray, np.ndarray, bool], bool]
"""`gate(obs, policy_action, expert_action, expert_in_control) -> expert in control now`."""

EVAL_SEED_BASE = 1_000_000
"""Evaluation episodes use seeds from here on, skipping any seed the dataset holds."""


def _differ(a: np.ndarray, b: np.ndarray, tolerance: float) -> bool:
    """True when two stored actions differ (Box: by more than `tolerance` in any component)."""
    if a.dtype.kind == "f" or b.dtype.kind == "f":
        return bool(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64))) > tolerance)
    return not np.array_equal(a, b)


class DisagreementGate:
    """The scripted stand-in for a person's judgement: take over when the expert disagrees.

    The expert takes over once its action has differed from the policy's for `patience`
    steps in a row, and hands back once they have agreed for `handback` steps in a row.

    Args:
        patience: consecutive disagreements before taking over (1: at once).
        handback: consecutive agreements before handing back.
        tolerance: Box actions differ when any component differs by more than this.
    """

    def __init__(self, patience: int = 3, handback: int = 5, tolerance: float = 0.1) -> None:
        if patience < 1 or handback < 1:
            raise BCError("patience and handback must be at least 1")
        self.patience = patience
        self.handback = handback
        self.tolerance = tolerance
        self._run = 0

    def reset(self) -> None:
        """Forget the streak (a new episode)."""
        self._run = 0

    def __call__(
        self, obs: Any, policy_action: np.ndarray, expert_action: np.ndarray, in_control: bool
    ) -> bool:
        """Whether the expert controls this step."""
        differ = _differ(policy_action, expert_action, self.tolerance)
        if differ != in_control:  # a disagreement while the policy drives, or vice versa
            self._run += 1
        else:
            self._run = 0
        limit = self.handback if in_control else self.patience
        if self._run >= limit:
            self._run = 0
            return not in_control
        return in_control


class TakeoverExpert:
    """The policy drives; the expert labels (dagger) or takes over by a gate (hg).

    A `bc.rollout.HasTakeover`: after each call, `last_intervention` says whether the expert
    was in control and `last_policy_action` what the policy proposed; `last_expert_action`
    holds the expert's label (relabelling in DAgger mode).

    Args:
        policy: anything with `predict(obs)` or a callable.
        expert: the scripted expert (`obs -> action`).
        space: the env's action space.
        mode: "hg" or "dagger".
        gate: decides who controls each step in "hg" mode (default `DisagreementGate()`).
    """

    def __init__(
        self,
        policy: Any,
        expert: Expert,
        space: gym.Space[Any],
        mode: Mode = "hg",
        gate: Gate | None = None,
    ) -> None:
        from bc.rollout import as_expert

        if mode not in ("hg", "dagger"):
            raise BCError(f"mode must be 'hg' or 'dagger', got {mode!r}")
        self.policy = as_expert(policy, deterministic=True)
        self.expert = expert
        self.space = space
        self.mode = mode
        self.gate: Gate = gate if gate is not None else DisagreementGate()
        self.last_intervention = False
        self.last_policy_action: Any = None
        self.last_expert_action: np.ndarray | None = None

    def reset(self) -> None:
        """A new episode: the policy starts in control."""
        self.last_intervention = False
        reset = getattr(self.gate, "reset", None)
        if callable(reset):
            reset()

    def __call__(self, obs: Any) -> Any:
        """The action to execute: the policy's, or the expert's while it has taken over."""
        _, proposal = checked_action(self.policy, obs, self.space)
        _, label = checked_action(self.expert, obs, self.space)
        self.last_policy_action = proposal
        self.last_expert_action = label
        if self.mode == "dagger":
            self.last_intervention = True  # every step is labelled; the policy still drives
            return proposal
        self.last_intervention = bool(self.gate(obs, proposal, label, self.last_intervention))
        return label if self.last_intervention else proposal


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


@dataclass(frozen=True)
class TrainSettings:
    """How each round trains (from scratch, on the aggregate's labels)."""

    n_epochs: int = 50
    batch_size: int = 64
    learning_rate: float = 1e-3
    hidden: tuple[int, ...] = (64, 64)
    seed: int = 0


def train_on_labels(dataset: str | Path | DatasetArrays, settings: TrainSettings) -> Any:
    """Train a fresh policy on the label steps of `dataset` (the default selection)."""
    from bc.dataset import ExpertDataset
    from bc.train.model import BC

    kwargs: dict[str, Any] = (
        {"traj_data": dataset.to_arrays()}
        if isinstance(dataset, DatasetArrays)
        else {"expert_path": dataset}
    )
    data = ExpertDataset(
        **kwargs,
        train_fraction=1.0,
        batch_size=settings.batch_size,
        verbose=0,
        sequential_preprocessing=True,
        seed=settings.seed,
    )
    try:
        model = BC(
            "MlpPolicy",
            learning_rate=settings.learning_rate,
            policy_kwargs={"hidden": settings.hidden},
            seed=settings.seed,
            device="cpu",
        )
        import torch

        torch.manual_seed(settings.seed)  # the weights' initialisation too: rounds compare
        model.pretrain(data, n_epochs=settings.n_epochs)
    finally:
        data.close()
    return model


def eval_seeds(data: DatasetArrays | None, n: int) -> list[int]:
    """`n` seeds from `EVAL_SEED_BASE` on that no episode of `data` was reset with."""
    used = set() if data is None else {int(s) for s in data.episode_seeds}
    seeds: list[int] = []
    s = EVAL_SEED_BASE
    while len(seeds) < n:
        if s not in used:
            seeds.append(s)
        s += 1
    return seeds


def evaluate(policy: Any, env: gym.Env[Any, Any], seeds: list[int]) -> tuple[float, float]:
    """Mean and std of the policy's returns over one episode per seed."""
    from bc.rollout import as_expert

    rollout = Rollout(env, as_expert(policy, deterministic=True))
    returns = []
    for seed in seeds:
        rollout.run_episode(seed)
        returns.append(rollout.ret)
    arr = np.asarray(returns)
    return float(arr.mean()), float(arr.std())


def collect(
    env: gym.Env[Any, Any],
    actor: Expert,
    seeds: list[int],
    kind: str,
    round_: int,
) -> list[Episode]:
    """Play one episode per seed with `actor`; DAgger relabels each with the expert's actions."""
    sink = EpisodeCollector(env.observation_space)
    sink.episode_kind = kind
    sink.episode_round = round_
    rollout = Rollout(env, actor, sink)
    episodes: list[Episode] = []
    for seed in seeds:
        if isinstance(actor, TakeoverExpert):
            actor.reset()
        labels: list[np.ndarray] = []
        rollout.reset(seed)
        while True:
            result = rollout.step()
            if isinstance(actor, TakeoverExpert) and actor.last_expert_action is not None:
                labels.append(actor.last_expert_action)
            if result.done:
                break
        ep = sink.episodes[-1]
        if isinstance(actor, TakeoverExpert) and actor.mode == "dagger":
            # Classic DAgger: the policy drove; every state is labelled with the expert's action.
            ep = replace(ep, actions=np.stack(labels).astype(ep.actions.dtype))
        episodes.append(ep)
    return episodes


def append_episodes(path: Path, episodes: list[Episode], metadata: dict[str, Any]) -> None:
    """Append episodes to the dataset on disk through a `Recorder` (journal, then merge)."""
    from bc.data.recorder import Recorder

    obs_space = space_from_description(metadata["observation_space"])
    act_space = space_from_description(metadata["action_space"])
    with Recorder(path, obs_space, act_space, append=True, metadata=metadata) as rec:
        for ep in episodes:
            rec.episode_kind = ep.kind or "demonstration"
            rec.episode_round = ep.round
            rec.start_episode(ep.seed)
            interactive = ep.is_interactive and len(ep.interventions) == ep.length
            for i in range(ep.length):
                rec.add_step(
                    ep.obs[i],
                    ep.actions[i],
                    float(ep.rewards[i]),
                    intervention=bool(ep.interventions[i]) if interactive else None,
                    policy_action=_proposal(ep.policy_actions[i]) if interactive else None,
                )
            rec.end_episode(terminated=ep.terminated, final_obs=ep.final_obs)


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
        seeds = _SeedStream(seed, data)
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


def _proposal(row: np.ndarray) -> np.ndarray | None:
    """A stored `policy_actions` row, or None for the "no proposal" marker (-1 / NaN)."""
    row = np.asarray(row)
    if row.dtype.kind == "f":
        return None if bool(np.isnan(row).any()) else row
    return None if bool((row < 0).any()) else row


def _labels(data: DatasetArrays) -> int:
    from bc.labels import count_labels

    return count_labels(data)


class _SeedStream:
    """Seeds for data episodes: counting up from `start`, skipping those the dataset holds."""

    def __init__(self, start: int, data: DatasetArrays | None) -> None:
        self._next = start
        self._used = set() if data is None else {int(s) for s in data.episode_seeds}

    def take(self, n: int) -> list[int]:
        """The next `n` unused seeds (never an evaluation seed)."""
        out: list[int] = []
        while len(out) < n:
            s = self._next
            self._next += 1
            if s not in self._used and s < EVAL_SEED_BASE:
                out.append(s)
                self._used.add(s)
            elif s >= EVAL_SEED_BASE:
                raise BCError("data seeds ran into the evaluation seeds")
        return out

    def __iter__(self) -> Iterator[int]:
        while True:
            yield self.take(1)[0]
