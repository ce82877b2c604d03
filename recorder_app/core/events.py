"""The runner's events: the one declaration of its psygnal signals (the Qt bridge mirrors them)."""

from __future__ import annotations

from psygnal import Signal


class RunnerEvents:
    """The signals an `EnvRunner` emits; `signal_types` lists them for the Qt bridge.

    Every signal is emitted on the runner loop's thread, except `episode_saved` and
    `write_failed`, which the recorder's writer thread emits.

    Signals:
        frame_ready(): a new `Frame` waits in `frames` (emitted once per frame the GUI sees).
        env_opened(EnvInfo): an env was made and reset.
        recording_changed(bool): recording started or stopped.
        paused_changed(bool, str): paused or resumed, and why ("user", "gamepad", "error",
            "cannot save").
        episode_ended(EpisodeSummary): a recorded episode ended (handed to the writer).
        episode_saved(SavedEpisode): a recorded episode is on disk (writer thread).
        failed(str, str): what failed and a one-line message; the runner carries on.
        write_failed(str): the disk refused a write (writer thread); the data stays in memory
            and the runner pauses ("cannot save") before its next tick, so no more episodes
            pile up unsaved.
        relocated(Path): recording goes on in this dataset after `save_elsewhere`.
        shutdown_failed(str): the recording could not be saved at shutdown; still running.
    """

    frame_ready = Signal()
    env_opened = Signal(object)
    recording_changed = Signal(bool)
    paused_changed = Signal(bool, str)
    episode_ended = Signal(object)
    episode_saved = Signal(object)
    failed = Signal(str, str)
    write_failed = Signal(str)
    relocated = Signal(object)
    shutdown_failed = Signal(str)


def signal_types(cls: type) -> dict[str, tuple[type, ...]]:
    """Each psygnal signal `cls` declares (its bases' too), by name: its argument types."""
    found: dict[str, tuple[type, ...]] = {}
    for klass in reversed(cls.__mro__):
        for name, value in vars(klass).items():
            if isinstance(value, Signal):
                params = value.signature.parameters.values()
                found[name] = tuple(p.annotation for p in params)
    return found
