"""The heads-up line: recording state, episode, step, return, fps, input device, action."""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QFont, QFontDatabase, QResizeEvent
from PyQt6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QWidget
from superqt.utils import qthrottled

from recorder_app.state import COUNTDOWN, IDLE, PAUSED, WAITING, HudStatus
from recorder_app.widgets.env_view import TAKEOVER_BORDER

BADGE_STYLES = {
    "rec": "background:#c62828;color:white;",
    "countdown": "background:#ef6c00;color:white;",
    "paused": "background:#f9a825;color:black;",
    "waiting": "background:#1565c0;color:white;",
    "practice": "background:#546e7a;color:white;",
    "idle": "background:#9e9e9e;color:white;",
    "policy": "background:#2e7d32;color:white;",
    "takeover": f"background:{TAKEOVER_BORDER.name()};color:black;",
}
REFRESH_MS = 50
"""The line is redrawn at most this often (20 Hz), whatever the env's speed."""


def badge_for(status: HudStatus) -> tuple[str, str]:
    """Return the state badge's text and style key for a status."""
    if status.phase == IDLE:
        return "NO ENV", "idle"
    if status.phase == PAUSED:
        why = {"gamepad": " (gamepad unplugged)", "error": " (error)"}.get(status.pause_reason, "")
        return f"PAUSED{why}", "paused"
    if status.phase == COUNTDOWN:
        return f"REC IN {status.countdown:.0f}" if status.countdown >= 0.5 else "REC", "countdown"
    if status.phase == WAITING:
        return ("● REC · " if status.recording else "") + "WAITING FOR INPUT", "waiting"
    if status.control:  # Correct / Watch with a control hand-over: who drives now
        who = "YOU HAVE CONTROL" if status.control == "human" else "POLICY DRIVING"
        style = "takeover" if status.control == "human" else "policy"
        return ("● REC · " if status.recording else "") + who, style
    if status.device == "policy":  # the trained policy drives (Watch)
        return ("● REC · POLICY", "rec") if status.recording else ("POLICY PLAYS", "policy")
    if status.device.endswith("(took over)"):
        return ("● REC", "rec") if status.recording else ("YOU (TOOK OVER)", "practice")
    return ("● REC", "rec") if status.recording else ("PRACTICE", "practice")


def format_line(status: HudStatus) -> str:
    """Return the heads-up line's text (everything but the badge)."""
    parts = [
        status.env_id or "-",
        f"episode {status.episode}",
        f"step {status.step}",
        f"return {status.ret:.1f}",
        f"fps {status.target_fps:.0f} target · {status.actual_fps:.1f} actual",
        f"input {status.device or '-'}",
        f"action {status.action or '-'}",
    ]
    if status.wait_for_input:
        parts.append("turn-by-turn")
    return "  │  ".join(parts)


class HeadsUpLine(QFrame):
    """One line above or below the env view; refreshed at most 20 times a second."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._badge = QLabel()
        self._badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._badge.setMinimumWidth(110)
        bold = QFont(self.font())
        bold.setBold(True)
        self._badge.setFont(bold)
        self._line = QLabel()
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self._line.setFont(mono)
        self._line.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self._line.setWordWrap(True)  # a narrow window shows the line on two rows, never cut
        self._line.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        self._two_rows = 2 * self._line.fontMetrics().lineSpacing() + 2
        """Room kept for two rows, so the view above does not jump when the line wraps."""
        self._line.setMinimumHeight(self._two_rows)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(self._badge)
        layout.addWidget(self._line, 1)
        # the first status at once, then the newest at most every REFRESH_MS
        self._throttled = qthrottled(self._apply, REFRESH_MS, leading=True, parent=self)
        self.status = HudStatus()
        """The status shown now."""
        self._apply(self.status)

    def set_status(self, status: HudStatus) -> None:
        """Show `status` now, or at the next refresh if the line was just redrawn."""
        self._throttled(status)

    def text(self) -> str:
        """The badge and the line as plain text."""
        return f"{self._badge.text()}  {self._line.text()}".replace("\u00a0", " ")

    def _apply(self, status: HudStatus) -> None:
        self.status = status
        text, kind = badge_for(status)
        if text != self._badge.text():
            self._badge.setText(text)
            self._badge.setStyleSheet(f"{BADGE_STYLES[kind]}border-radius:3px;padding:2px 8px;")
        # non-breaking spaces inside each field: a narrow window wraps between fields only
        line = "  │ ".join(p.replace(" ", "\u00a0") for p in format_line(status).split("  │  "))
        if line != self._line.text():
            self._line.setText(line)
            self._fit_rows()

    def resizeEvent(self, event: QResizeEvent | None) -> None:
        """Keep every wrapped row of the line visible at the new width."""
        super().resizeEvent(event)
        self._fit_rows()

    def _fit_rows(self) -> None:
        """Ask for the rows the line needs at its width (Qt's layouts would squeeze a wrap)."""
        needed = max(self._two_rows, self._line.heightForWidth(max(1, self._line.width())))
        if needed != self._line.minimumHeight():
            self._line.setMinimumHeight(needed)


def overlay_for(status: HudStatus) -> str:
    """Big text over the env view: the countdown, or why the env is paused."""
    if status.phase == COUNTDOWN:
        return f"{max(1, round(status.countdown + 0.49))}"
    if status.phase == PAUSED:
        return {
            "gamepad": "Gamepad unplugged\nplug it back in to resume",
            "error": "Paused after an error",
        }.get(status.pause_reason, "Paused")
    return ""


def hint_for(status: HudStatus, keys: dict[str, str]) -> str:
    """One line of help along the bottom of the env view, using the current shortcut keys."""
    k = keys.get
    if status.phase == IDLE:
        return ""
    if status.phase == PAUSED:
        return f"{k('pause', '')} resume  ·  {k('step', '')} single step  ·  {k('help', '')} help"
    if status.phase == WAITING:
        return "Turn by turn: hold an action key to step"
    if status.recording and status.control:  # Correct: how to take over, first
        return (
            f"Hold a game key to take over  ·  {k('record', '')} stop  ·  "
            f"{k('end_episode', '')} end episode  ·  {k('pause', '')} pause"
        )
    if status.recording:
        return (
            f"{k('record', '')} stop  ·  {k('discard', '')} re-record  ·  "
            f"{k('end_episode', '')} end episode  ·  {k('pause', '')} pause"
        )
    if status.control:  # Watch policy: the policy plays, nothing is saved
        return (
            f"Watching the policy: hold a game key to take over  ·  nothing is saved  ·  "
            f"{k('record', '')} record"
        )
    return f"Practice: nothing is saved  ·  {k('record', '')} record  ·  {k('help', '')} help"
