"""A round's data: episodes played by an actor (`collect`) and appended to the dataset."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from bc.data.arrays import policy_action_or_none
from bc.data.trajectory import Episode
from bc.interactive.takeover import TakeoverExpert
from bc.rollout import EpisodeCollector, Expert, Rollout
from bc.spaces import space_from_description


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
                    policy_action=policy_action_or_none(ep.policy_actions[i])
                    if interactive
                    else None,
                )
            rec.end_episode(terminated=ep.terminated, final_obs=ep.final_obs)
