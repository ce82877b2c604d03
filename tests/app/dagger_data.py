"""A real HG-DAgger dataset for the app's tests: demonstrations, then correction episodes."""

from __future__ import annotations

from pathlib import Path

import bc
from bc.envs import make_env
from bc.interactive.gates import DisagreementGate
from bc.interactive.training import TrainSettings


def make_corrected(path: Path, steps: int = 60, corrections: int = 2) -> Path:
    """Two CartPole demonstrations and `corrections` episodes the balance expert corrected."""
    env = make_env("CartPole-v1", render_mode=None, max_episode_steps=steps)
    bc.dagger(
        path,
        env,
        "bc.experts:cartpole_balance",
        rounds=1,
        episodes_per_round=corrections,
        demos=2,
        n_eval_episodes=1,
        gate=DisagreementGate(patience=1, handback=2),
        train=TrainSettings(n_epochs=1),
    )
    env.close()
    return path
