"""Interop check: a dataset recorded here, converted to `.hf`, loaded and trained on by imitation.

imitation pins gymnasium 0.29, so it cannot live in this project's venv: this script makes its
own (`.venv-interop`, torch==2.13.0 first so pip takes the CPU build), records CartPole and
Pendulum with this project, converts both with `bc.convert` to Hugging Face folders in
imitation's layout, then in the other venv loads them with `imitation.data.serialize.load`,
checks the trajectories, and trains imitation's BC for one epoch on each.

Run: make interop   (or: .venv/bin/python bench/interop_imitation.py [--venv DIR] [--out DIR])
Not part of `make test` or CI: it installs imitation and its dependencies (a few minutes).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

import bc
from bc.experts import cartpole_balance

ROOT = Path(__file__).resolve().parents[1]
TORCH_SPEC = "torch==2.13.0"
# imitation 1.0 pins gymnasium~=0.29 and stable-baselines3~=2.2; numpy stays 2.x (pyarrow,
# which imitation's `datasets` needs, requires it; gymnasium 0.29 steps fine on it).
IMITATION_SPECS = ["imitation>=1.0"]

CHECK = textwrap.dedent(
    """
    import json, sys
    import gymnasium as gym
    import numpy as np
    import imitation
    from imitation.algorithms import bc as imitation_bc
    from imitation.data import rollout, serialize, types

    report = {"imitation": imitation.__version__, "gymnasium": gym.__version__, "sets": []}
    for path, env_id in zip(sys.argv[1::2], sys.argv[2::2]):
        trajs = serialize.load(path)
        env = gym.make(env_id)
        for t in trajs:
            assert isinstance(t, types.TrajectoryWithRew), type(t)
            assert len(t.obs) == len(t.acts) + 1 == len(t.rews) + 1 == len(t.infos) + 1
            assert env.observation_space.contains(t.obs[-1].astype(env.observation_space.dtype))
        transitions = rollout.flatten_trajectories(list(trajs))
        trainer = imitation_bc.BC(
            observation_space=env.observation_space,
            action_space=env.action_space,
            demonstrations=transitions,
            rng=np.random.default_rng(0),
            batch_size=64,
        )
        trainer.train(n_epochs=1, progress_bar=False, log_interval=10**9)
        returns = []
        for seed in range(5):
            obs, _ = env.reset(seed=1000 + seed)
            total, done = 0.0, False
            while not done:
                action, _ = trainer.policy.predict(obs, deterministic=True)
                obs, reward, terminated, truncated, _ = env.step(action)
                total += float(reward)
                done = terminated or truncated
            returns.append(total)
        report["sets"].append({
            "path": path,
            "env_id": env_id,
            "trajectories": len(trajs),
            "transitions": len(transitions),
            "obs_shape": list(trajs[0].obs.shape),
            "acts_shape": list(trajs[0].acts.shape),
            "terminal": [bool(t.terminal) for t in trajs],
            "bc_one_epoch_mean_return": float(np.mean(returns)),
        })
    print(json.dumps(report))
    """
)


def make_venv(venv: Path) -> Path:
    """Create the interop venv once (torch first, then imitation); return its python."""
    python = venv / "bin" / "python"
    stamp = venv / ".installed"
    if stamp.exists():
        return python
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, TORCH_SPEC], check=True)
    subprocess.run([*pip, TORCH_SPEC, *IMITATION_SPECS], check=True)
    stamp.touch()
    print(f"made {venv} in {time.perf_counter() - started:.0f} s")
    return python


def swing_up(obs: np.ndarray) -> np.ndarray:
    """Pendulum: pump energy along the velocity, balance with a PD law near the top."""
    cos, sin, vel = (float(v) for v in obs)
    theta = float(np.arctan2(sin, cos))
    torque = -10.0 * theta - 1.0 * vel if cos > 0.8 else 2.0 * (1.0 if vel >= 0 else -1.0)
    return np.array([np.clip(torque, -2.0, 2.0)], dtype=np.float32)


def record(out: Path) -> list[tuple[Path, str, float]]:
    """Record two small datasets here and convert them to .hf folders with our converter."""
    made = []
    bc.generate_expert_traj(cartpole_balance, out / "cartpole", "CartPole-v1", n_episodes=5, seed=0)
    made.append((out / "cartpole.npz", "CartPole-v1"))
    bc.generate_expert_traj(swing_up, out / "pendulum", "Pendulum-v1", n_episodes=3, seed=0)
    made.append((out / "pendulum.npz", "Pendulum-v1"))
    converted = []
    for npz, env_id in made:
        target = npz.with_suffix(".hf")
        bc.convert(npz, target, overwrite=True)
        converted.append((target, env_id, float(bc.load(npz).episode_returns.mean())))
    return converted


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, default=ROOT / ".venv-interop")
    parser.add_argument("--out", type=Path, default=None, help="where datasets go (a temp dir)")
    args = parser.parse_args()
    python = make_venv(args.venv)
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        sets = record(out)
        script = out / "check_imitation.py"
        script.write_text(CHECK)
        argv = [str(python), str(script)]
        for path, env_id, _ in sets:
            argv += [str(path), env_id]
        proc = subprocess.run(argv, capture_output=True, text=True)
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            print("imitation could not load or train on the converted data", file=sys.stderr)
            return 1
        report = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"imitation {report['imitation']} (gymnasium {report['gymnasium']}) in {args.venv}")
    for s, (_, _, expert) in zip(report["sets"], sets, strict=True):
        print(
            f"{Path(s['path']).name}: serialize.load -> {s['trajectories']} TrajectoryWithRew, "
            f"{s['transitions']} transitions, obs {s['obs_shape']} acts {s['acts_shape']}, "
            f"terminal {s['terminal']}; BC 1 epoch: mean return "
            f"{s['bc_one_epoch_mean_return']:.1f} over 5 episodes (expert {expert:.1f})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
