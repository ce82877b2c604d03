"""A one-slot, newest-wins mailbox between a producer thread and the GUI thread."""

from __future__ import annotations

import threading
from typing import Generic, TypeVar

T = TypeVar("T")


class Mailbox(Generic[T]):
    """Holds at most one item: `put` replaces a pending one, `take` empties the slot.

    The producer learns from `put` whether the slot was empty, so it can send a single
    notification per item the consumer will actually see: stale items are dropped, and the
    consumer's event queue never grows with the producer's rate.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._item: T | None = None
        self.dropped = 0
        """Items replaced before the consumer took them (a measure of GUI lag)."""

    def put(self, item: T) -> bool:
        """Store `item`, replacing any pending one.

        Returns:
            True when the slot was empty (the consumer needs a notification).
        """
        with self._lock:
            was_empty = self._item is None
            if not was_empty:
                self.dropped += 1
            self._item = item
            return was_empty

    def pending(self) -> bool:
        """True while an item waits for the consumer."""
        with self._lock:
            return self._item is not None

    def take(self) -> T | None:
        """Return the newest item and empty the slot (None when nothing is pending)."""
        with self._lock:
            item, self._item = self._item, None
            return item
