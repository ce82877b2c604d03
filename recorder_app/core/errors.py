"""The one exception-to-message function every worker and controller reports errors with."""

from __future__ import annotations

import logging

from bc.errors import BCError

log = logging.getLogger(__name__)


def one_line(exc: BaseException, doing: str = "") -> str:
    """A one-line message for the user: a BCError's own text, else the type and text.

    Exceptions that are not BCErrors are unexpected: they are logged with their traceback.

    Args:
        exc: what was raised.
        doing: what was being done ("training"), prefixed to unexpected errors.
    """
    if isinstance(exc, BCError):
        return str(exc)
    log.error("%s failed", doing or "a job", exc_info=exc)
    text = f"{type(exc).__name__}: {exc}"
    return f"{doing} failed: {text}" if doing else text
