"""The app's Qt-free core: the env runner, its pacing and seeds, run without a display."""
