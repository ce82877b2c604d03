"""psygnal to Qt: a Qt class mirroring a psygnal class's signals, and the wiring between them."""

from __future__ import annotations

from PyQt6.QtCore import QObject, pyqtSignal

from recorder_app.core.events import signal_types


def qt_mirror(source: type, name: str) -> type[QObject]:
    """A QObject class with one Qt signal per psygnal signal of `source`: same name and types."""
    signals = {key: pyqtSignal(*types) for key, types in signal_types(source).items()}
    return type(name, (QObject,), signals)


def forward_signals(source: object, target: QObject) -> None:
    """Re-emit every psygnal signal of `source` as `target`'s Qt signal of the same name.

    psygnal calls the Qt `emit` on the emitting thread; Qt delivers it queued to receivers
    living on other threads (the GUI's).
    """
    for name in signal_types(type(source)):
        getattr(source, name).connect(getattr(target, name).emit)
