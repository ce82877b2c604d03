"""Gamepad watch: polls SDL on the GUI thread; unplugging the active pad pauses, replug resumes."""

from __future__ import annotations

from PyQt6.QtCore import QObject, QTimer, pyqtSignal

from recorder_app.input import GamepadManager

GAMEPAD_POLL_MS = 16
"""Poll period with no pad open: hot-plug only, so 60 Hz is plenty."""
ACTIVE_POLL_MS = 4
"""Poll period while a pad drives the env: a pad's input waits for the next poll before the app
sees it (and before `step_latency` starts counting), so this bounds that unseen wait to 4 ms.
One poll with one pad costs about 0.1 ms of the GUI thread (docs/input.md)."""


class GamepadWatch(QObject):
    """Polls a `GamepadManager` (250 Hz while a pad drives, else 60 Hz) and reports what changed.

    Signals:
        pause_requested(str): pause the env for this reason ("gamepad").
        resume_requested(str): resume if paused for this reason.
        devices_changed(list, object): pad names and the active index (or None).
        message(str): a short note for the status bar.
    """

    pause_requested = pyqtSignal(str)
    resume_requested = pyqtSignal(str)
    devices_changed = pyqtSignal(list, object)
    message = pyqtSignal(str)

    def __init__(self, manager: GamepadManager, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.manager = manager
        self._paused = False
        self._timer = QTimer(self)
        self._timer.setInterval(GAMEPAD_POLL_MS)
        self._timer.timeout.connect(self.poll)

    def start(self) -> None:
        """Poll now (pads plugged in before start-up arrive as "added") and on a timer."""
        self._timer.start()
        self.poll()

    def stop(self) -> None:
        """Stop polling."""
        self._timer.stop()

    def user_resumed(self) -> None:
        """The user resumed by hand: a later replug does not resume again."""
        self._paused = False

    @property
    def interval_ms(self) -> int:
        """The current poll period: `ACTIVE_POLL_MS` while a pad drives, else `GAMEPAD_POLL_MS`."""
        return self._timer.interval()

    def select(self, index: int) -> None:
        """Drive with pad `index` of `manager.devices()` (-1: keyboard only)."""
        self.manager.select(index if index >= 0 else None)
        self._set_rate()
        self._emit_devices()

    def poll(self) -> None:
        """Read hot-plug events: unplugging the active pad pauses, replugging it resumes."""
        active_before = self.manager.active
        events = self.manager.poll()
        self._set_rate()
        if not events:
            return
        for event in events:
            if event.kind == "removed" and active_before is not None and not self.manager.active:
                self._paused = True
                self.pause_requested.emit("gamepad")
                self.message.emit(
                    f"Gamepad {event.name} unplugged: paused. Plug it back in to resume."
                )
            elif event.kind == "added":
                self._on_added(event.name)
        self._emit_devices()

    def _set_rate(self) -> None:
        """Fast polls while a pad drives; set only on a change (a set restarts the timer)."""
        interval = ACTIVE_POLL_MS if self.manager.active else GAMEPAD_POLL_MS
        if interval != self._timer.interval():
            self._timer.setInterval(interval)

    def _on_added(self, name: str) -> None:
        if self.manager.active is None:
            names = [str(d) for d in self.manager.devices()]
            self.manager.select(names.index(name) if name in names else len(names) - 1)
        if self._paused:
            self._paused = False
            self.resume_requested.emit("gamepad")
            self.message.emit(f"Gamepad {name} is back: resumed.")
        else:
            self.message.emit(f"Gamepad {name} connected.")

    def _emit_devices(self) -> None:
        names = [str(d) for d in self.manager.devices()]
        active = self.manager.active
        self.devices_changed.emit(names, names.index(active) if active in names else None)
