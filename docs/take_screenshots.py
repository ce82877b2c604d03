"""Take the README's screenshots of the real app: `xvfb-run -a python docs/take_screenshots.py`.

Opens the main window on a real X server (Xvfb), records a few episodes through the same session
the app uses, and grabs the window, the Help dialog and the key map editor into docs/screenshots/.
Without a display it falls back to Qt's offscreen platform (same pixels, no window manager).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "screenshots"
CLOSED: list[Any] = []
"""Closed windows, deleted in order before Python exits."""


def wait_until(app: object, check: Callable[[], bool], timeout: float = 30.0) -> None:
    """Run the Qt event loop until `check()` is true."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("screenshot step timed out")
        app.processEvents()  # type: ignore[attr-defined]
        time.sleep(0.01)


def pause(app: object, seconds: float) -> None:
    """Let the app run for a while (frames arrive, plots draw)."""
    end = time.monotonic() + seconds
    wait_until(app, lambda: time.monotonic() > end, seconds + 5)


def shoot(
    env_id: str, name: str, folder: Path, episodes: int, key: str | None, train: bool = False
) -> None:
    """Record `episodes` scripted episodes into a dataset, open the window on it, grab it."""
    from PyQt6.QtCore import QEvent, Qt
    from PyQt6.QtGui import QKeyEvent
    from PyQt6.QtWidgets import QApplication

    import bc
    from bc.envs import make_env
    from bc.experts import cartpole_balance, lunar_lander_heuristic
    from recorder_app.errors_ui import ErrorChannel
    from recorder_app.main_window import MainWindow
    from recorder_app.session import Session, SessionOptions
    from recorder_app.shortcuts import load_shortcuts

    app = QApplication.instance() or QApplication([])
    dataset = folder / f"{name}.npz"
    experts = {"CartPole-v1": cartpole_balance}
    env = make_env(env_id)
    expert = experts.get(env_id) or lunar_lander_heuristic(env)
    bc.generate_expert_traj(expert, str(dataset), env, n_episodes=episodes, seed=3)
    env.close()
    options = SessionOptions(env_id=env_id, dataset=dataset, countdown=0, seed=11,
                             gamepads=False, list_envs=False)  # fmt: skip
    session = Session(options)
    window = MainWindow(session, load_shortcuts(), ErrorChannel())
    window.resize(1280, 760)
    window.show()
    session.start()
    wait_until(app, lambda: session.player.human is not None)
    wait_until(app, lambda: window.dataset_panel.table.rowCount() == episodes)
    if key is not None:  # hold a game key, so the HUD shows an action being sent
        qt_key = getattr(Qt.Key, "Key_" + key)
        QApplication.sendEvent(window.view, QKeyEvent(QEvent.Type.KeyPress, qt_key,
                                                      Qt.KeyboardModifier.NoModifier))  # fmt: skip
    window.actions_by_name["record"].trigger()
    wait_until(app, lambda: session.recording.active)
    pause(app, 1.5)
    window.grab().save(str(OUT / f"{name}.png"))
    help_dialog = window.show_help()
    pause(app, 0.3)
    help_dialog.grab().save(str(OUT / "help.png"))
    help_dialog.close()
    close(app, window)
    if train:
        shoot_training_and_replay(folder)


def close(app: object, window: Any) -> None:
    """Stop the session (dropping a partial episode) and close the window."""
    window.session.shutdown(keep_partial=False)
    wait_until(app, lambda: window.session.recording.is_closed)
    window.session.recording.wait()
    window.close()
    CLOSED.append(window)


def shoot_training_and_replay(folder: Path) -> None:
    """Grab the Train panel mid-training on 10 expert episodes, then a replay with the policy."""
    from PyQt6.QtWidgets import QApplication

    import bc
    from bc.experts import cartpole_balance
    from recorder_app.errors_ui import ErrorChannel
    from recorder_app.main_window import MainWindow
    from recorder_app.session import Session, SessionOptions
    from recorder_app.shortcuts import load_shortcuts

    app = QApplication.instance()
    dataset = folder / "train.npz"
    bc.generate_expert_traj(cartpole_balance, str(dataset), "CartPole-v1", n_episodes=10, seed=3)
    options = SessionOptions(env_id="CartPole-v1", dataset=dataset, countdown=0, seed=11,
                             gamepads=False, list_envs=False)  # fmt: skip
    w: Any = MainWindow(Session(options), load_shortcuts(), ErrorChannel())
    w.resize(1280, 760)
    w.show()
    w.session.start()
    panel = w.train_panel
    w.train_dock.raise_()
    wait_until(app, lambda: panel.pretrain_button.isEnabled())
    panel.epochs.setValue(60)
    panel.pretrain_button.click()
    wait_until(app, lambda: len(panel.curves.epoch_x) >= 12, timeout=120)
    pause(app, 0.3)
    w.grab().save(str(OUT / "train_panel.png"))
    wait_until(app, lambda: panel.result is not None, timeout=300)
    wait_until(app, lambda: panel.pretrain_button.isEnabled(), timeout=300)
    pause(app, 0.3)
    w.grab().save(str(OUT / "train_done.png"))
    w.dataset_dock.raise_()
    w.dataset_panel.select_episodes([1])
    w.dataset_panel.replay_button.click()
    replay = w.replay_panel
    wait_until(app, lambda: replay.check is not None and replay.strip.marks is not None)
    replay.seek(min(120, replay.length - 1))
    wait_until(app, lambda: replay.shown_step == replay.step)
    pause(app, 0.3)
    w.grab().save(str(OUT / "replay.png"))
    close(app, w)


def shoot_correction(folder: Path) -> None:
    """Correct mode while the human has taken over, then Replay of a correction episode."""
    from PyQt6.QtCore import QEvent, Qt
    from PyQt6.QtGui import QKeyEvent
    from PyQt6.QtWidgets import QApplication

    import bc
    from bc.interactive.gates import DisagreementGate
    from bc.interactive.training import TrainSettings
    from bc.train.loop import History
    from recorder_app.errors_ui import ErrorChannel
    from recorder_app.main_window import MainWindow
    from recorder_app.session import Session, SessionOptions
    from recorder_app.shortcuts import load_shortcuts
    from recorder_app.state import TrainResult

    app = QApplication.instance() or QApplication([])
    dataset = folder / "corrections.npz"
    model = bc.dagger(dataset, "CartPole-v1", "bc.experts:cartpole_balance", rounds=1,
                      episodes_per_round=2, demos=2, n_eval_episodes=1,
                      gate=DisagreementGate(patience=1, handback=3),
                      train=TrainSettings(n_epochs=40))  # fmt: skip
    options = SessionOptions(env_id="CartPole-v1", dataset=dataset, countdown=0, seed=11, fps=30,
                             gamepads=False, list_envs=False)  # fmt: skip
    w: Any = MainWindow(Session(options), load_shortcuts(), ErrorChannel())
    w.resize(1280, 760)
    w.show()
    w.session.start()
    wait_until(app, lambda: w.session.player.human is not None)
    wait_until(app, lambda: w.dataset_panel.table.rowCount() == 4)
    panel, status = w.train_panel, lambda: w.session.recording.last_status
    panel.set_policy(TrainResult(model, dataset.with_suffix(".zip"), History(), False))
    panel.holdoff.setValue(0.0)
    panel.retrain_every.setValue(3)
    w.train_dock.raise_()

    def key(kind: QEvent.Type) -> None:
        QApplication.sendEvent(w.view, QKeyEvent(kind, Qt.Key.Key_Left,
                                                 Qt.KeyboardModifier.NoModifier))  # fmt: skip

    panel.correct_button.click()
    wait_until(app, lambda: status().recording and status().control == "policy")
    pause(app, 0.8)
    for hold, free in ((0.08, 0.7), (0.08, 0.0)):  # two take-overs: the second one held
        key(QEvent.Type.KeyPress)
        wait_until(app, lambda: status().control == "human")
        pause(app, hold)
        if free:
            key(QEvent.Type.KeyRelease)
            pause(app, free)
    w.grab().save(str(OUT / "correct_takeover.png"))
    key(QEvent.Type.KeyRelease)
    panel.correct_button.click()
    wait_until(app, lambda: not w.session.recording.active)
    data = bc.load(dataset)
    index = next(i for i in range(data.n_episodes) if data.episode_kind[i] == "correction")
    w.dataset_dock.raise_()
    w.replay_episode(index)
    replay = w.replay_panel
    wait_until(app, lambda: replay.check is not None and replay.index == index)
    took = data.interventions[data.episode_slice(index)]
    replay.seek(int(took.nonzero()[0][0]))
    wait_until(app, lambda: replay.shown_step == replay.step)
    pause(app, 0.3)
    w.grab().save(str(OUT / "replay_correction.png"))
    close(app, w)


def shoot_pad_tester() -> None:
    """The key map editor's live gamepad tester, with an SDL virtual controller held."""
    from PyQt6.QtWidgets import QApplication

    from bc.envs import make_env
    from recorder_app.input import GamepadManager
    from recorder_app.input.virtual_joystick import VirtualJoystick
    from recorder_app.widgets.keymap_editor import KeymapEditor

    app = QApplication.instance()
    manager = GamepadManager()
    pad = VirtualJoystick(naxes=6, nbuttons=15, nhats=0, gamecontroller=True)
    try:
        for axis, value in ((0, -0.6), (1, 0.2), (2, 0.0), (3, 0.0), (4, -1.0), (5, 0.5)):
            pad.set_axis(axis, value)  # left stick, triggers: left at rest, right half
        pad.set_button(0, True)  # A
        pad.set_button(13, True)  # d-pad left
        manager.poll()
        manager.select(0)
        editor = KeymapEditor("CarRacing-v3", make_env("CarRacing-v3").action_space,
                              gamepads=manager)  # fmt: skip
        editor.show()
        pause(app, 0.3)
        manager.poll()
        pause(app, 0.3)
        editor.grab().save(str(OUT / "keymap_tester.png"))
        editor.close()
    finally:
        pad.detach()


def main() -> None:
    """Take every screenshot into docs/screenshots/."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["dagger"], help="take only these screenshots")
    args = parser.parse_args()
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    os.environ["QT_QPA_PLATFORM"] = "xcb" if os.environ.get("DISPLAY") else "offscreen"
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_CONFIG_HOME"] = str(Path(tmp) / "config")
        if args.only is None:
            shoot("CartPole-v1", "main_window_cartpole", Path(tmp), 6, "Right", train=True)
            shoot("LunarLander-v3", "main_window_lunarlander", Path(tmp), 4, None)
            shoot_pad_tester()
        shoot_correction(Path(tmp))
    from PyQt6.QtWidgets import QApplication

    from recorder_app.app import tear_down

    tear_down(QApplication.instance(), *[o for w in CLOSED for o in (w, w.session)])
    print(f"screenshots in {OUT}")


if __name__ == "__main__":
    main()
