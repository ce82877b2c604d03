"""GUI responsiveness while training, and training throughput in the app vs plain `pretrain`.

Records a CarRacing-v3 image dataset (96x96 PNGs) with a random driver, then:

1. baseline: `bc.pretrain` of the CNN policy in this process, no Qt (what `bc train` runs);
2. app: the real main window (offscreen unless a display is set) on the same dataset, the env
   paused as a user would while training, the Train panel's Pretrain clicked with the same
   settings; a 10 ms QTimer measures how late the event loop serves it (its latency).

Prints the event-loop latency p50/p99/max during training (target p99 < 50 ms), the training
samples/s of both (mean over epochs after the first; the baseline is the mean of a run before
and one after the app's) and their ratio (target >= 0.9).

Run: .venv/bin/python bench/bench_gui_training.py [--episodes 6] [--steps 200] [--epochs 8]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import numpy as np

import bc
from bc.dataset import ExpertDataset
from bc.envs import make_env
from bc.experts import random_expert
from bc.train.loop import pretrain
from bc.train.policies import make_policy

ENV_ID = "CarRacing-v3"
TICK_MS = 10


def record(folder: Path, episodes: int, steps: int) -> Path:
    """Record `episodes` random-driver episodes of `steps` steps; return the dataset path."""
    path = folder / "expert_carracing.npz"
    env = make_env(ENV_ID, render_mode=None, max_episode_steps=steps)
    bc.generate_expert_traj(
        random_expert(env), str(path), env, n_episodes=episodes, seed=0,
        image_folder=str(folder / "images"),
    )  # fmt: skip
    env.close()
    return path


def baseline(path: Path, epochs: int, batch_size: int) -> float:
    """Samples/s of plain `pretrain` (mean over epochs after the first)."""
    dataset = ExpertDataset(expert_path=path, train_fraction=0.8, batch_size=batch_size,
                            verbose=0, seed=0)  # fmt: skip
    env = make_env(ENV_ID, render_mode=None)
    policy = make_policy(env.observation_space, env.action_space)
    env.close()
    history = pretrain(policy, dataset, n_epochs=epochs, learning_rate=1e-3, seed=0)
    dataset.close()
    return statistics.mean(history.samples_per_second[1:] or history.samples_per_second)


def in_app(path: Path, epochs: int, batch_size: int, steps: int) -> tuple[float, np.ndarray]:
    """Samples/s of the Train panel's run, and the event loop's latencies (ms) meanwhile."""
    from PyQt6.QtCore import QTimer
    from PyQt6.QtWidgets import QApplication

    from recorder_app.app import tear_down
    from recorder_app.errors_ui import ErrorChannel
    from recorder_app.main_window import MainWindow
    from recorder_app.session import Session, SessionOptions
    from recorder_app.shortcuts import load_shortcuts

    app = QApplication.instance() or QApplication([])
    options = SessionOptions(
        env_id=ENV_ID,
        env_kwargs={"max_episode_steps": steps},
        dataset=path,
        countdown=0,
        gamepads=False,
        list_envs=False,
    )
    session = Session(options)
    window = MainWindow(session, load_shortcuts(), ErrorChannel())
    window.show()
    session.start()
    panel = window.train_panel

    def spin_until(check: object, timeout: float = 600.0) -> None:
        deadline = time.monotonic() + timeout
        while not check():  # type: ignore[operator]
            if time.monotonic() > deadline:
                raise TimeoutError("bench step timed out")
            app.processEvents()
            time.sleep(0.002)

    spin_until(lambda: panel.pretrain_button.isEnabled())
    session.toggle_pause()
    spin_until(lambda: session.recording.paused)
    panel.epochs.setValue(epochs)
    panel.batch_size.setValue(batch_size)
    panel.eval_episodes.setValue(0)
    latencies: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        latencies.append(max(0.0, (now - last[0]) * 1000 - TICK_MS))
        last[0] = now

    timer = QTimer(interval=TICK_MS, timeout=tick)
    timer.setTimerType(timer.timerType().PreciseTimer)
    rates: list[float] = []
    panel.trained.connect(lambda result: rates.extend(result.history.samples_per_second))
    panel.pretrain_button.click()
    timer.start()
    spin_until(lambda: bool(rates))
    timer.stop()
    session.shutdown(keep_partial=False)
    spin_until(lambda: session.recording.is_closed)
    session.recording.wait()
    window.close()
    tear_down(app, window, session)
    return statistics.mean(rates[1:] or rates), np.asarray(latencies[5:])


def main() -> None:
    """Record, train both ways, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=6)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = record(Path(tmp), args.episodes, args.steps)
        print(f"dataset: {args.episodes * args.steps} CarRacing frames (96x96 PNG), CNN policy, "
              f"{args.epochs} epochs, batch {args.batch_size}, {os.cpu_count()} cores")  # fmt: skip
        # the baseline runs before and after the app, so drift of this machine's speed
        # during the run affects both sides alike
        before = baseline(path, args.epochs, args.batch_size)
        app_rate, lat = in_app(path, args.epochs, args.batch_size, args.steps)
        after = baseline(path, args.epochs, args.batch_size)
        base = (before + after) / 2
    p50, p99 = np.percentile(lat, [50, 99])
    print(f"event-loop latency during training: p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
          f"max {lat.max():.1f} ms over {len(lat)} ticks (target p99 < 50 ms)")  # fmt: skip
    print(f"training: pretrain {base:.0f} samples/s (before {before:.0f}, after {after:.0f}), "
          f"in the app {app_rate:.0f} samples/s, "
          f"ratio app/pretrain {app_rate / base:.2f} (target >= 0.9)")  # fmt: skip


if __name__ == "__main__":
    main()
