"""The one "ask the expert, step, record" loop, as Minari's DataCollector wraps an env.

`generate_expert_traj`, `evaluate_policy` and the app's env runner all step through a
`Rollout`: it asks the expert for an action, coerces it into the action space, steps the env,
hands the step to an optional `EpisodeSink` (a `Recorder`, or an in-memory collector), and
ends the sink's episode when the env says terminated or truncated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypedDict, runtime_checkable

import gymnasium as gym
import numpy as np

from bc.data.trajectory import Episode, EpisodeSummary
from bc.errors import ExpertError
from bc.spaces import action_to_array, env_action, obs_to_row

if TYPE_CHECKING:
    from typing import Unpack  # Python 3.11+; only the type checker reads it


@runtime_checkable
class Expert(Protocol):
    """Anything that maps an observation to an action: a person, a controller, a policy.

    The app's experts may also have the optional methods of `InteractiveExpert`.
    """

    def __call__(self, obs: Any, /) -> Any:
        """The action to take in `obs`."""
        ...


@runtime_checkable
class HasInput(Protocol):
    """Optional: an expert that can say whether a person is pressing anything now."""

    def has_input(self) -> bool:
        """True while an action key, button or stick is held (turn-by-turn play waits for it)."""
        ...


@runtime_checkable
class HasLatency(Protocol):
    """Optional: an expert that times its input (the app's human player)."""

    last_latency: float
    """Seconds from the earliest new input to the last call; NaN when no new input arrived."""


@runtime_checkable
class Describes(Protocol):
    """Optional: an expert that can name its actions (the app's heads-up line shows them)."""

    def describe(self, action: Any) -> str:
        """The action as text, e.g. "1 push right [Right]"."""
        ...


@runtime_checkable
class HasTakeover(Protocol):
    """Optional: a policy-driven expert that a human (or gate) can take over (docs/dagger.md).

    A rollout with such an expert records, per step, who was in control (`interventions`) and
    what the policy proposed (`policy_actions`).
    """

    last_intervention: bool
    """True when the last action came from the human or expert that took over."""
    last_policy_action: Any
    """The policy's proposal at the last step (None when the policy was not asked)."""


class StepExtras(TypedDict, total=False):
    """What a step may carry besides observation, action and reward (`EpisodeSink.add_step`)."""

    t: float | None
    """Seconds since the episode's start (None: the sink measures it)."""
    latency: float | None
    """Seconds from a new human input to this step (None or NaN: no new input)."""
    intervention: bool | None
    """A human (or gate) was in control of a policy-driven episode (None: not interactive)."""
    policy_action: Any
    """The policy's proposal at this step (None: the policy was not asked)."""


class EpisodeSink(Protocol):
    """Where a rollout's steps go: `bc.Recorder` is one, `EpisodeCollector` another."""

    def start_episode(self, seed: int | None = None) -> None:
        """A new episode begins (reset with `seed`)."""
        ...

    def add_step(self, obs: Any, action: Any, reward: float, **extras: Unpack[StepExtras]) -> None:
        """One step: observation, action, reward, and the `StepExtras` the rollout knows.

        For a policy-driven episode also who was in control and what the policy proposed.
        """
        ...

    def end_episode(self, terminated: bool = False, final_obs: Any = None) -> EpisodeSummary:
        """The episode ended (terminated by the env, or truncated) on `final_obs`."""
        ...


@dataclass(frozen=True)
class StepResult:
    """What one `Rollout.step` did."""

    raw_action: Any
    """The expert's answer as it gave it (for display)."""
    action: np.ndarray
    """The action as stored: coerced into the action space."""
    reward: float
    terminated: bool
    truncated: bool
    summary: EpisodeSummary | None = None
    """Set when the step ended an episode that a sink recorded."""
    latency: float | None = None
    """The expert's input latency for this step (`HasLatency`), None when it times nothing."""

    @property
    def done(self) -> bool:
        """True when the episode ended with this step."""
        return self.terminated or self.truncated


def as_expert(model: Any, deterministic: bool | None = None) -> Expert:
    """Return `obs -> action` for a callable or for an object with `predict(obs)` (SB2/SB3 style).

    Args:
        model: a callable, or an object with `predict(obs, ...)` returning `(action, state)`.
        deterministic: passed to `predict` when given.

    Raises:
        ExpertError: the object is neither.
    """
    predict = getattr(model, "predict", None)
    if callable(predict):
        kwargs = {} if deterministic is None else {"deterministic": deterministic}

        def expert(obs: Any) -> Any:
            out = predict(obs, **kwargs)
            return out[0] if isinstance(out, tuple) else out

        return expert
    if callable(model):
        return model  # type: ignore[no-any-return]
    raise ExpertError(
        f"expert must be a callable obs -> action or have predict(obs), got {model!r}"
    )


def checked_action(expert: Expert, obs: Any, space: gym.Space[Any]) -> tuple[Any, np.ndarray]:
    """Ask the expert; return its raw answer and the answer coerced into `space`.

    Raises:
        ExpertError: the expert raised, or its answer does not fit the space.
    """
    try:
        raw = expert(obs)
        return raw, action_to_array(space, raw)
    except ExpertError:
        raise
    except Exception as exc:
        shape = getattr(obs, "shape", None)
        where = f"an observation of shape {shape}" if shape is not None else f"observation {obs!r}"
        raise ExpertError(
            f"expert failed or returned an invalid action (on {where}, action space {space}; "
            f"is it the expert for this env?): {exc}"
        ) from exc


class Rollout:
    """An env driven by an expert, one step at a time, optionally recorded into a sink.

    Args:
        env: the env to step.
        expert: asked for every action.
        sink: receives every step (None: play without recording); may be swapped between
            episodes with `set_sink`.
    """

    def __init__(
        self, env: gym.Env[Any, Any], expert: Expert, sink: EpisodeSink | None = None
    ) -> None:
        self.env = env
        self.expert = expert
        self.sink = sink
        self.obs: Any = None
        self.seed: int | None = None
        self.length = 0
        self.ret = 0.0

    def set_sink(self, sink: EpisodeSink | None) -> None:
        """Record into `sink` from the next `reset` on (None: stop recording)."""
        self.sink = sink

    def reset(self, seed: int | None = None) -> Any:
        """Start an episode from `seed`; returns the first observation."""
        self.obs, _ = self.env.reset(seed=seed)
        self.seed, self.length, self.ret = seed, 0, 0.0
        if self.sink is not None:
            self.sink.start_episode(seed)
        return self.obs

    def step(self, t: float | None = None) -> StepResult:
        """Ask the expert, step the env, record the step; end the episode when the env says so.

        Args:
            t: seconds since the episode's start, stored with the step (None: the sink's clock).

        Raises:
            ExpertError: the expert failed or its action does not fit the space.
        """
        space = self.env.action_space
        raw, action = checked_action(self.expert, self.obs, space)
        latency = self.expert.last_latency if isinstance(self.expert, HasLatency) else None
        next_obs, reward, terminated, truncated, _ = self.env.step(env_action(space, action))
        if self.sink is not None:
            if isinstance(self.expert, HasTakeover):
                self.sink.add_step(
                    self.obs,
                    action,
                    float(reward),
                    t=t,
                    latency=latency,
                    intervention=bool(self.expert.last_intervention),
                    policy_action=self.expert.last_policy_action,
                )
            else:
                self.sink.add_step(self.obs, action, float(reward), t=t, latency=latency)
        self.obs = next_obs
        self.length += 1
        self.ret += float(reward)
        summary = None
        if (terminated or truncated) and self.sink is not None:
            summary = self.end_episode(terminated=bool(terminated))
        return StepResult(
            raw, action, float(reward), bool(terminated), bool(truncated), summary, latency
        )

    def end_episode(self, terminated: bool = False) -> EpisodeSummary:
        """End the sink's episode now (the env said so, or the user ended it: truncated).

        `self.obs` is the observation the episode ended on; the sink stores it as the episode's
        final observation (`episode_final_obs`).

        Raises:
            BCError: no sink, or its episode has no step.
        """
        if self.sink is None:
            raise ExpertError("this rollout records nothing: no episode to end")
        return self.sink.end_episode(terminated=terminated, final_obs=self.obs)

    def run_episode(self, seed: int | None = None, render: bool = False) -> StepResult:
        """Play one whole episode from `seed`; returns its last step (with the summary)."""
        self.reset(seed)
        while True:
            result = self.step()
            if render:
                self.env.render()
            if result.done:
                return result


class EpisodeCollector:
    """An in-memory `EpisodeSink`: keeps finished episodes as `Episode`s (observations as rows)."""

    def __init__(self, observation_space: gym.Space[Any]) -> None:
        self.observation_space = observation_space
        self.episodes: list[Episode] = []
        self._seed = -1
        self._rows: list[np.ndarray] = []
        self._actions: list[np.ndarray] = []
        self._rewards: list[float] = []
        self._latency: list[float] = []
        self._interventions: list[bool] = []
        self._proposals: list[Any] = []
        self.episode_kind = ""
        """Kind given to the next episodes ("" and no takeover: plain demonstrations)."""
        self.episode_round = 0

    def start_episode(self, seed: int | None = None) -> None:
        """Forget the open episode's steps; remember its seed."""
        self._seed = -1 if seed is None else int(seed)
        self._rows, self._actions, self._rewards, self._latency = [], [], [], []
        self._interventions, self._proposals = [], []

    def add_step(self, obs: Any, action: Any, reward: float, **extras: Unpack[StepExtras]) -> None:
        """Keep one step (images stay arrays, as SB2 kept them; `t` is not kept)."""
        latency = extras.get("latency")
        intervention = extras.get("intervention")
        policy_action = extras.get("policy_action")
        self._rows.append(obs_to_row(self.observation_space, obs))
        self._actions.append(np.asarray(action))
        self._rewards.append(float(reward))
        self._latency.append(np.nan if latency is None else float(latency))
        if intervention is not None or policy_action is not None:
            self._interventions.append(bool(intervention))
            self._proposals.append(policy_action)

    def end_episode(self, terminated: bool = False, final_obs: Any = None) -> EpisodeSummary:
        """Close the episode into `episodes` (`final_obs`: None keeps the last step's)."""
        final = (
            self._rows[-1] if final_obs is None else obs_to_row(self.observation_space, final_obs)
        )
        ep = Episode(
            obs=np.stack(self._rows),
            actions=np.stack(self._actions),
            rewards=np.asarray(self._rewards),
            terminated=bool(terminated),
            seed=self._seed,
            step_latency=np.asarray(self._latency, dtype=np.float64),
            final_obs=final,
            **self._interactive_fields(),
        )
        self.episodes.append(ep)
        return EpisodeSummary(len(self.episodes) - 1, ep.length, ep.ret, ep.terminated, ep.seed)

    def _interactive_fields(self) -> dict[str, Any]:
        """Interventions, policy proposals, kind and round ({} for a plain demonstration)."""
        if not self._interventions and not self.episode_kind:
            return {}
        from bc.data.arrays import no_policy_action

        actions = np.stack(self._actions)
        if len(self._interventions) != len(self._actions):
            interventions = np.zeros(len(actions), dtype=bool)
            proposals = no_policy_action(actions, len(actions))
        else:
            interventions = np.asarray(self._interventions, dtype=bool)
            none = no_policy_action(actions, 1)[0]
            proposals = np.stack(
                [
                    none if p is None else np.asarray(p, dtype=none.dtype).reshape(none.shape)
                    for p in self._proposals
                ]
            )
        return {
            "interventions": interventions,
            "policy_actions": proposals,
            "kind": self.episode_kind or "correction",
            "round": int(self.episode_round),
        }
