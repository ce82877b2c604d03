"""Key-to-action latency of the app: synthetic key presses into the real window at native fps.

Runs the real window (offscreen unless a display is set), session and env worker on an env at
its native fps (CartPole-v1: 50 fps, a 20 ms frame period), records with the human player, and
presses and releases arrow keys through Qt (QTest, so each event goes through the window's key
router like a real one) at random moments, 40-160 ms apart. The recorder stores each step's
`step_latency` (Qt delivering the key -> the env step that first uses it). Prints its median
and p99 as ratios to the frame period, next to the ideal loop (an input waits for the next tick:
uniform in [0, period), so median 0.5 and p99 0.99 periods), and checks the target: p99 at most
one frame period plus the step time (the tick's median duration).

In-run baseline: a bare loop (one Python thread ticking the same env at the same fps, sleeping
on a queue until each deadline, no Qt, no rendering, no recording) fed inputs at the same random
moments from the main thread. Its latency is what this machine's scheduler allows right now; the
app's figures are also given as ratios to it, so a busy machine does not pass for a slow app.

With `--device pad` the inputs are d-pad presses on an SDL virtual game controller (the real
gamepad code reads it). A pad's change waits for the app's next SDL poll before the app sees it
and `step_latency` starts counting; the bench measures that wait too (the moment it set the pad
-> the poll that read it) and reports the whole path, set -> step, as well.

Run: .venv/bin/python bench/bench_input_latency.py [--seconds 20] [--env CartPole-v1]
     [--device keys|pad]
"""

from __future__ import annotations

import argparse
import os
import queue
import random
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import numpy as np
from PyQt6.QtCore import Qt
from PyQt6.QtTest import QTest
from PyQt6.QtWidgets import QApplication

from bc.data.archive import load
from recorder_app.errors_ui import ErrorChannel
from recorder_app.main_window import MainWindow
from recorder_app.session import Session, SessionOptions
from recorder_app.shortcuts import load_shortcuts

KEYS = (Qt.Key.Key_Left, Qt.Key.Key_Right)
PAD_NAME = "Latency Pad"
PAD_MAPPING = (  # a hat d-pad, as an Xbox pad reads through SDL's joystick API
    "a:b0,b:b1,x:b2,y:b3,leftshoulder:b4,rightshoulder:b5,back:b6,start:b7,guide:b8,"
    "leftstick:b9,rightstick:b10,dpup:h0.1,dpright:h0.2,dpdown:h0.4,dpleft:h0.8,"
    "leftx:a0,lefty:a1,lefttrigger:a2,rightx:a3,righty:a4,righttrigger:a5"
)
PAD_DIRECTIONS = ((-1, 0), (1, 0))  # d-pad left, right


def spin(app: QApplication, seconds: float, until: object = None) -> None:
    """Run the Qt loop for a while (or until `until()` is true)."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end and not (callable(until) and until()):
        app.processEvents()
        time.sleep(0.001)


def bare_loop(env_id: str, fps: float, seconds: float, seed: int) -> np.ndarray:
    """The in-run baseline: latencies of a minimal tick loop fed inputs from another thread."""
    from bc.envs import make_env

    env = make_env(env_id, render_mode=None)
    env.reset(seed=0)
    period = 1.0 / fps
    inputs: queue.Queue[float] = queue.Queue()
    wake: queue.Queue[None] = queue.Queue()
    latencies: list[float] = []
    stop = threading.Event()

    def loop() -> None:
        deadline = time.perf_counter()
        while not stop.is_set():
            deadline += period
            try:
                wake.get(timeout=max(0.0, deadline - time.perf_counter()))
            except queue.Empty:
                pass
            now = time.perf_counter()
            pending = []
            while not inputs.empty():
                pending.append(inputs.get_nowait())
            if pending:
                latencies.append(now - min(pending))
            _, _, terminated, truncated, _ = env.step(env.action_space.sample())
            if terminated or truncated:
                env.reset()
            if time.perf_counter() > deadline + period:
                deadline = time.perf_counter()

    thread = threading.Thread(target=loop, name="bare-loop")
    thread.start()
    rng = random.Random(seed)
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        time.sleep(rng.uniform(0.040, 0.160))
        inputs.put(time.perf_counter())
    stop.set()
    thread.join()
    env.close()
    return np.asarray(latencies)


def run(
    app: QApplication, folder: Path, env_id: str, seconds: float, seed: int, device: str
) -> dict:
    """One recording session driven by synthetic keys or pad presses; returns the figures."""
    pad = None
    if device == "pad":
        from recorder_app.input.virtual_joystick import VirtualJoystick

        pad = VirtualJoystick(gamecontroller=True, name=PAD_NAME, mapping=PAD_MAPPING,
                              naxes=6, nbuttons=11, nhats=1)  # fmt: skip
        for axis, rest in enumerate((0.0, 0.0, -1.0, 0.0, 0.0, -1.0)):
            pad.set_axis(axis, rest)
    options = SessionOptions(env_id=env_id, dataset=folder / "latency.npz", countdown=0,
                             seed=0, gamepads=pad is not None, list_envs=False)  # fmt: skip
    session = Session(options)
    window = MainWindow(session, load_shortcuts(), ErrorChannel())
    window.show()
    window.activateWindow()
    session.start()
    rec = session.recording
    spin(app, 20, lambda: session.player.human is not None and rec.env_info is not None)
    info = rec.env_info
    assert info is not None
    if pad is not None:
        pads = session.gamepads
        assert pads is not None
        spin(app, 10, lambda: PAD_NAME in [str(d) for d in pads.devices()])
        watch = session.gamepad_watch
        assert watch is not None
        watch.select([str(d) for d in pads.devices()].index(PAD_NAME))
        spin(app, 10, lambda: pads.state() is not None)
    session.toggle_recording()
    spin(app, 1.0)  # warm up
    worker = rec.worker
    worker.stats.clear()
    rng = random.Random(seed)
    held: object = None
    events = 0
    waits: list[float] = []  # pad only: the moment the bench set the pad -> the poll that read it
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        spin(app, rng.uniform(0.040, 0.160))
        if pad is not None:
            direction = rng.choice(PAD_DIRECTIONS) if held is None else (0, 0)
            pad.set_hat(0, direction)
            t_set = time.perf_counter()
            held = None if held is not None else direction
            spin(app, 0.5, lambda t=t_set: (s := pads.state()) is not None and s.changed_at >= t)
            state = pads.state()
            if state is not None and state.changed_at >= t_set:
                waits.append(state.changed_at - t_set)
        elif held is None:
            held = rng.choice(KEYS)
            QTest.keyPress(window, held)
        else:
            QTest.keyRelease(window, held)
            held = None
        events += 1
    spin(app, 0.1)  # the last input reaches its step before recording stops
    report = worker.stats.report()
    session.toggle_recording()
    spin(app, 20, lambda: not rec.active)
    if held is not None:  # after the recording, so every input counted has its step
        if pad is not None:
            pad.set_hat(0, (0, 0))
        else:
            QTest.keyRelease(window, held)
    session.shutdown(keep_partial=True)
    spin(app, 30, lambda: rec.is_closed)
    rec.wait()
    window.deleteLater()
    spin(app, 0.1)
    if pad is not None:
        pad.detach()
    data = load(folder / "latency.npz")
    latency = data.step_latency[np.isfinite(data.step_latency)]
    return {"latency": latency, "events": events, "steps": data.n_steps, "report": report,
            "fps": rec.fps, "waits": np.asarray(waits)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--env", default="CartPole-v1")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", choices=("keys", "pad"), default="keys")
    args = parser.parse_args()
    app = QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        r = run(app, Path(tmp), args.env, args.seconds, args.seed, args.device)
    base = bare_loop(args.env, r["fps"], args.seconds, args.seed)
    period = 1.0 / r["fps"]
    lat, rep = r["latency"], r["report"]
    step_time = rep.p50_tick
    median, p99 = float(np.median(lat)), float(np.percentile(lat, 99))
    print(
        f"{args.env} at {r['fps']:g} fps (period {1e3 * period:.1f} ms), {args.seconds:g} s: "
        f"{r['events']} {'pad' if args.device == 'pad' else 'key'} events, {len(lat)} steps "
        f"with a new input, {r['steps']} steps"
    )
    print(f"step time (tick p50): {1e3 * step_time:.2f} ms; tick p99 {1e3 * rep.p99_tick:.2f} ms")
    print(
        f"latency median {1e3 * median:.1f} ms = {median / period:.2f} x period "
        f"(ideal loop 0.50); p99 {1e3 * p99:.1f} ms = {p99 / period:.2f} x period (ideal 0.99); "
        f"max {1e3 * lat.max():.1f} ms"
    )
    b_median, b_p99 = float(np.median(base)), float(np.percentile(base, 99))
    print(
        f"in-run baseline (bare loop, {len(base)} inputs): median {1e3 * b_median:.1f} ms = "
        f"{b_median / period:.2f} x period, p99 {1e3 * b_p99:.1f} ms = "
        f"{b_p99 / period:.2f} x period"
    )
    print(f"app / baseline: median {median / b_median:.2f}, p99 {p99 / b_p99:.2f}")
    waits = r["waits"]
    if args.device == "pad" and len(waits):
        print(
            f"pad: set -> poll read it: median {1e3 * np.median(waits):.1f} ms, p99 "
            f"{1e3 * np.percentile(waits, 99):.1f} ms, max {1e3 * waits.max():.1f} ms "
            f"({len(waits)} changes; not in step_latency)"
        )
        if len(waits) == len(lat):  # one step with a new input per change, in order
            whole = waits + lat
            w_med, w_p99 = float(np.median(whole)), float(np.percentile(whole, 99))
            print(
                f"pad: set -> step (whole path): median {1e3 * w_med:.1f} ms = "
                f"{w_med / period:.2f} x period, p99 {1e3 * w_p99:.1f} ms = "
                f"{w_p99 / period:.2f} x period; / baseline p99 {w_p99 / b_p99:.2f}"
            )
        else:
            print(f"pad: {len(waits)} changes but {len(lat)} steps with new input: not paired")
    bound = period + step_time
    verdict = "met" if p99 <= bound else "NOT met"
    print(
        f"target p99 <= period + step time = {1e3 * bound:.1f} ms "
        f"({bound / period:.2f} x period): {verdict}"
    )


if __name__ == "__main__":
    main()
