"""The demo recorder desktop app: a thin PyQt6 shell over the `bc` library."""
