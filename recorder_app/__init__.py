"""The demo recorder desktop app: a thin PyQt6 shell over the `bc` library."""

from bc import __version__

__all__ = ["__version__"]
