"""The one user-facing error channel: a message box per error, and the global excepthook."""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Callable
from types import TracebackType

from PyQt6 import sip
from PyQt6.QtCore import QObject, Qt, pyqtSignal
from PyQt6.QtWidgets import QApplication, QMessageBox, QWidget
from superqt.utils import ensure_main_thread

log = logging.getLogger(__name__)


class ErrorChannel(QObject):
    """Shows errors as non-modal message boxes, from any thread; the app stays usable.

    The same message is not stacked twice while its box is open (a failing disk reports every
    write). Every error is also logged.

    Signals:
        error_shown(str, str): title and message of a box just shown (tests and the status bar).
    """

    error_shown = pyqtSignal(str, str)

    def __init__(self, parent_widget: QWidget | None = None) -> None:
        super().__init__()
        self._parent_widget = parent_widget
        self._boxes: list[QMessageBox] = []
        self.history: list[tuple[str, str]] = []
        """Every (title, message) shown, oldest first."""

    def set_parent_widget(self, widget: QWidget | None) -> None:
        """Centre boxes over this widget (the main window)."""
        self._parent_widget = widget

    def show_error(self, title: str, message: str, details: str = "") -> None:
        """Report an error to the user; safe to call from any thread.

        Args:
            title: a few words ("Cannot open env").
            message: one line saying what was expected, what was found, and where.
            details: optional long text (a traceback), behind the box's "Show Details".
        """
        log.error("%s: %s", title, message)
        self._show(title, message, details)

    def open_boxes(self) -> list[QMessageBox]:
        """The message boxes still open."""
        self._boxes = [box for box in self._boxes if not sip.isdeleted(box)]
        return [box for box in self._boxes if box.isVisible()]

    def dismiss_all(self) -> None:
        """Close every open box."""
        for box in self.open_boxes():
            box.close()

    @ensure_main_thread
    def _show(self, title: str, message: str, details: str) -> None:
        if any(box.text() == message for box in self.open_boxes()):
            return
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            title,
            message,
            QMessageBox.StandardButton.Ok,
            self._parent_widget,
        )
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if details:
            box.setDetailedText(details)
        box.finished.connect(lambda _=0, b=box: self._forget(b))
        self._boxes.append(box)
        self.history.append((title, message))
        box.show()
        self.error_shown.emit(title, message)

    def _forget(self, box: QMessageBox) -> None:
        if box in self._boxes:
            self._boxes.remove(box)


def install_excepthook(channel: ErrorChannel, save: Callable[[], str]) -> None:
    """Route uncaught exceptions (GUI thread, Qt threads, Python threads) to the channel.

    The hook first asks `save` to secure what it can (it returns a line saying where the data
    is), then shows one box with the traceback behind "Show Details". Without a hook PyQt
    aborts the process on an exception in a slot; with it the app carries on.

    Args:
        channel: where the box appears.
        save: called first; must not raise, may be called from any thread.
    """

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            app = QApplication.instance()
            if app is not None:
                app.quit()
            return
        details = "".join(traceback.format_exception(kind, exc, tb))
        log.critical("uncaught exception\n%s", details)
        try:
            saved = save()
        except Exception as save_exc:  # the hook must never raise
            saved = f"saving failed too: {save_exc}"
        channel.show_error("Unexpected error", f"{kind.__name__}: {exc}. {saved}".strip(), details)

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            hook(args.exc_type, args.exc_value, args.exc_traceback)

    sys.excepthook = hook
    threading.excepthook = thread_hook
