"""`recorder-app`: parse the command line, build the window over a session, run the Qt loop."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path

from PyQt6.QtCore import QEvent, QObject, QTimer
from PyQt6.QtWidgets import QApplication

from recorder_app.errors_ui import ErrorChannel, install_excepthook
from recorder_app.main_window import MainWindow
from recorder_app.session import Session, SessionOptions
from recorder_app.shortcuts import load_shortcuts
from recorder_app.widgets.env_picker import parse_kwargs


def _kwargs(text: str) -> dict[str, object]:
    try:
        return parse_kwargs(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line (see `recorder-app --help`)."""
    from bc import __version__
    from bc.cli.options import HelpFormatter

    p = argparse.ArgumentParser(
        prog="recorder-app",
        description="Record your own play of a Gymnasium env as a Stable-Baselines-2 dataset.",
        formatter_class=HelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"recorder-app {__version__}")
    p.add_argument("--env", metavar="ID", default="CartPole-v1", help="Gymnasium env id")
    p.add_argument(
        "--env-kwargs",
        metavar="JSON",
        default={},
        type=_kwargs,
        help="keyword arguments for gym.make, as JSON",
    )
    p.add_argument("--dataset", type=Path, help="dataset .npz (default: ./expert_<env>.npz)")
    p.add_argument("--fps", type=float, help="target steps per second (default: the env's own)")
    p.add_argument("--countdown", type=float, default=3.0, help="seconds before each episode")
    p.add_argument("--seed", type=int, help="seed of the first episode (default: random)")
    p.add_argument("--no-gamepad", action="store_true", help="do not watch for gamepads")
    p.add_argument("--script", type=Path, help="test hook: drive the app from a script file")
    p.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the app; returns the exit code."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(levelname)s %(name)s: %(message)s")  # fmt: skip
    options = SessionOptions(env_id=args.env, env_kwargs=args.env_kwargs, dataset=args.dataset,
                             fps=args.fps, countdown=args.countdown, seed=args.seed,
                             gamepads=not args.no_gamepad)  # fmt: skip
    app = QApplication(sys.argv[:1])
    app.setApplicationName("demo-recorder")
    errors = ErrorChannel()
    session = Session(options)
    window = MainWindow(session, load_shortcuts(), errors)
    install_excepthook(errors, session.save_now)
    for sig in (signal.SIGINT, signal.SIGTERM):  # save, then quit; as closing without asking
        signal.signal(sig, lambda *_: session.shutdown(keep_partial=True))
    wake = QTimer()  # lets Python see signals during exec()
    wake.setInterval(200)
    wake.timeout.connect(lambda: None)
    wake.start()
    window.show()
    session.start()
    if args.script is not None:
        from recorder_app.script import ScriptRunner

        ScriptRunner(window, args.script).start()
    code = app.exec()
    session.recording.wait()
    code = code or int(app.property("script_exit_code") or 0)
    wake.stop()
    tear_down(app, window, session, errors)
    return code


def tear_down(app: QApplication, *objects: QObject) -> None:
    """Delete the window and session while Qt still runs, in order, before Python exits.

    Left to Python's exit, PyQt's clean-up can visit a wrapper whose C++ object is already gone
    and crash the process after everything was saved; deleting them here avoids that.
    """
    for obj in objects:
        obj.deleteLater()
    app.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    app.processEvents()
