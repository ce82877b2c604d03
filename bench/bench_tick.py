"""Tick steadiness of the app's env worker: CarRacing-v3 at its native 50 fps, recording PNGs.

Runs the real window (offscreen unless a display is set) and session, drives the car with a
scripted policy, and records every step's 96x96 observation as a PNG file. Two runs alternate:
the baseline renders the 600x400 view on every step (what a naive loop does); ours renders
only when the render fits before the next deadline (at least every 0.1 s). Prints, for each:
the fraction of ticks starting more than half a period late (target < 1%), p50/p99 tick time
against the period, actual step rate, frames shown per second.

Run: .venv/bin/python bench/bench_tick.py [--seconds 20] [--fps 50]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import numpy as np
from PyQt6.QtWidgets import QApplication

from recorder_app.core.tick_stats import TickReport
from recorder_app.errors_ui import ErrorChannel
from recorder_app.main_window import MainWindow
from recorder_app.session import Session, SessionOptions
from recorder_app.shortcuts import load_shortcuts


def car_driver(obs: np.ndarray) -> np.ndarray:
    """Gas, and steer towards the greener side of the frame's lower band (cheap, deterministic)."""
    green = obs[60:80, :, 1].astype(np.int32)
    steer = np.clip((green[:, :48].mean() - green[:, 48:].mean()) / 50.0, -1, 1)
    return np.array([steer, 0.2, 0.0], dtype=np.float32)


def spin(app: QApplication, seconds: float, until: object = None) -> None:
    """Run the Qt loop for a while (or until `until()` is true)."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end and not (callable(until) and until()):
        app.processEvents()
        time.sleep(0.002)


def run(app: QApplication, folder: Path, fps: float, seconds: float, adaptive: bool) -> dict:
    """One recording session; returns its figures."""
    options = SessionOptions(env_id="CarRacing-v3", dataset=folder / "car.npz", fps=fps,
                             countdown=0, seed=0, gamepads=False, list_envs=False)  # fmt: skip
    session = Session(options)
    session.recording.worker.runner.pacer.adaptive = adaptive
    window = MainWindow(session, load_shortcuts(), ErrorChannel())
    window.show()
    session.start()
    spin(app, 20, lambda: session.player.human is not None)
    session.player.set_expert(car_driver)
    session.toggle_recording()
    spin(app, 2.0)  # warm up: first frames, image folder, caches
    worker = session.recording.worker
    worker.stats.clear()
    painted0, rendered0 = window.view.frames_painted, worker.runner.frames_rendered
    start = time.perf_counter()
    spin(app, seconds)
    elapsed = time.perf_counter() - start
    report: TickReport = worker.stats.report()
    painted = window.view.frames_painted - painted0
    rendered = worker.runner.frames_rendered - rendered0
    session.shutdown(keep_partial=True)
    spin(app, 30, lambda: session.recording.is_closed)
    session.recording.wait()
    window.deleteLater()
    spin(app, 0.1)
    return {"report": report, "elapsed": elapsed, "painted": painted, "rendered": rendered,
            "episodes": len(session.recording.saved)}  # fmt: skip


def show(name: str, r: dict) -> None:
    """Print one run's figures."""
    rep: TickReport = r["report"]
    print(
        f"{name:>22}: {rep.ticks} ticks, late>P/2 {100 * rep.late_fraction:5.2f}%, "
        f"p50 tick {1000 * rep.p50_tick:5.1f} ms, p99 tick {1000 * rep.p99_tick:5.1f} ms "
        f"(= {rep.p99_tick / rep.period:4.2f} x period {1000 * rep.period:.0f} ms), "
        f"{rep.ticks / r['elapsed']:5.1f} steps/s, {r['rendered'] / r['elapsed']:5.1f} renders/s, "
        f"{r['painted'] / r['elapsed']:5.1f} paints/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--fps", type=float, default=50.0)
    args = parser.parse_args()
    app = QApplication([])
    print(f"CarRacing-v3 at {args.fps:g} fps, recording 96x96 PNGs, {args.seconds:g} s per run")
    with tempfile.TemporaryDirectory() as tmp:
        base = run(app, Path(tmp) / "base", args.fps, args.seconds, adaptive=False)
        ours = run(app, Path(tmp) / "ours", args.fps, args.seconds, adaptive=True)
        files = len(list((Path(tmp) / "ours" / "recorded_images").glob("*.png")))
    show("baseline (render all)", base)
    show("ours (adaptive)", ours)
    b, o = base["report"], ours["report"]
    print(f"PNG files written (ours): {files}")
    print(f"late-tick ratio ours/baseline: {o.late_fraction / max(b.late_fraction, 1e-9):.3f}")
    print(f"p99 tick ratio ours/baseline: {o.p99_tick / b.p99_tick:.3f}")
    target = "met" if o.late_fraction < 0.01 else "NOT met"
    print(f"target (< 1% of ticks late by more than half a period): {target}")


if __name__ == "__main__":
    main()
