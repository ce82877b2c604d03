"""The runner's signals are declared once (`RunnerEvents`) and listed with their argument types."""

from __future__ import annotations

from psygnal import Signal

from recorder_app.core.events import RunnerEvents, signal_types
from recorder_app.core.runner import EnvRunner


def test_the_runner_emits_the_declared_signals_with_their_types():
    types = signal_types(EnvRunner)
    assert types == signal_types(RunnerEvents)
    assert types["frame_ready"] == () and types["paused_changed"] == (bool, str)
    assert types["failed"] == (str, str) and types["env_opened"] == (object,)
    assert len(types) == 10


def test_a_subclass_adds_its_own_signals_after_its_bases():
    class More(RunnerEvents):
        extra = Signal(int)

    types = signal_types(More)
    assert list(types)[-1] == "extra" and types["extra"] == (int,)
    assert list(types)[:-1] == list(signal_types(RunnerEvents))
