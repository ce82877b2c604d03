"""A test hook: drive the running app from a small script file (`recorder-app --script FILE`).

One command per line (`#` starts a comment):

    press Right          a key press event, sent to the focused widget as Qt delivers keys
    release Right        the matching release
    trigger record       trigger a window action by its shortcut-table name
    wait ready           wait until the env is open and the player bound to it
    wait saved 2         wait until 2 episodes were saved in this session
    wait recording on    wait until recording is on (or off)
    close keep           close the window, answering "keep" (or "discard") if asked
    signal TERM          send this process a signal (as `kill` would)

A `wait` that lasts more than 60 s ends the app with exit code 3.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PyQt6.QtCore import QEvent, QObject, Qt, QTimer
from PyQt6.QtGui import QKeyEvent
from PyQt6.QtWidgets import QApplication, QMessageBox

from recorder_app.main_window import MainWindow

log = logging.getLogger(__name__)

WAIT_LIMIT_S = 60.0


def qt_key(name: str) -> Qt.Key:
    """Qt's key code for a key name ("Right", "a", "Space").

    Raises:
        ValueError: no such key.
    """
    attr = "Key_" + (name.upper() if len(name) == 1 else name)
    key: Qt.Key | None = getattr(Qt.Key, attr, None)
    if key is None:
        raise ValueError(f"unknown key name {name!r}")
    return key


class ScriptRunner(QObject):
    """Runs the script's commands one by one on a timer in the GUI thread."""

    def __init__(self, window: MainWindow, path: Path) -> None:
        super().__init__(window)
        self.window = window
        self.lines = [
            line.split("#", 1)[0].split() for line in path.read_text(encoding="utf-8").splitlines()
        ]
        self.lines = [words for words in self.lines if words]
        self._timer = QTimer(self)
        self._timer.setInterval(10)
        self._timer.timeout.connect(self._next)
        self._waiting_since: float | None = None

    def start(self) -> None:
        """Begin once the event loop runs."""
        self._timer.start()

    def _next(self) -> None:
        if not self.lines:
            self._timer.stop()
            return
        words = self.lines[0]
        try:
            done = self._run(words[0], words[1:])
        except Exception as exc:  # a broken script must not hang the test that runs it
            self._abort(f"script command {' '.join(words)!r} failed: {exc}")
            return
        if done:
            self.lines.pop(0)
            self._waiting_since = None
        elif self._waiting_since is None:
            self._waiting_since = time.monotonic()
        elif time.monotonic() - self._waiting_since > WAIT_LIMIT_S:
            self._abort(f"script timed out on {' '.join(words)!r}")

    def _run(self, command: str, args: list[str]) -> bool:
        """Run one command; False means 'not yet' (a wait)."""
        session = self.window.session
        if command in ("press", "release"):
            kind = QEvent.Type.KeyPress if command == "press" else QEvent.Type.KeyRelease
            target = QApplication.focusWidget() or self.window.view
            event = QKeyEvent(kind, qt_key(args[0]), Qt.KeyboardModifier.NoModifier)
            QApplication.sendEvent(target, event)
            return True
        if command == "trigger":
            self.window.actions_by_name[args[0]].trigger()
            return True
        if command == "wait":
            checks: dict[str, Callable[[], bool]] = {
                "ready": lambda: session.player.human is not None,
                "saved": lambda: len(session.recording.saved) >= int(args[1]),
                "recording": lambda: session.recording.active == (args[1] == "on"),
            }
            return checks[args[0]]()
        if command == "signal":
            os.kill(os.getpid(), getattr(signal, "SIG" + args[0]))
            return True
        if command == "close":
            self._close(keep=args[0] != "discard" if args else True)
            return True
        raise ValueError(f"unknown command {command!r}")

    def _close(self, keep: bool) -> None:
        def answer() -> None:
            box = QApplication.activeModalWidget()
            if isinstance(box, QMessageBox):
                which = (
                    QMessageBox.StandardButton.Save if keep else QMessageBox.StandardButton.Discard
                )
                button = box.button(which)
                if button is not None:
                    button.click()

        QTimer.singleShot(200, answer)
        self.window.close()

    def _abort(self, message: str) -> None:
        print(f"recorder-app: {message}", file=sys.stderr)
        app = QApplication.instance()
        if app is not None:
            app.setProperty("script_exit_code", 3)
        self.lines = []
        self._timer.stop()
        self._close(keep=True)
