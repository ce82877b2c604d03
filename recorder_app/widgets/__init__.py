"""The app's widgets, one per module; none of them does I/O or steps an env."""
