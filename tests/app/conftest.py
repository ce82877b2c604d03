"""Fixtures for the app's tests: a real main window over a real session, headless."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# -- the Qt shell (main window, session) ----------------------------------------------------------

SB2_DATA = Path(__file__).resolve().parents[1] / "data"
QT_MARKS = [
    pytest.mark.qt_log_level_fail("WARNING"),
    # The offscreen platform warns about a feature it lacks whenever a window is shown.
    pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints"),
]


@pytest.fixture
def app_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in a fresh folder with a fresh user config (no bindings or shortcuts leak in)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("DEMO_RECORDER_CONFIG_DIR", raising=False)  # it would win over XDG
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def open_window(qtbot: Any, app_home: Path) -> Iterator[Callable[..., Any]]:
    """Factory: a shown, active MainWindow whose env is open and whose player is bound.

    Tests run fast (200 fps, no countdown, seeded); at teardown the session saves and stops.
    """
    from recorder_app.errors_ui import ErrorChannel
    from recorder_app.main_window import MainWindow
    from recorder_app.session import Session, SessionOptions
    from recorder_app.shortcuts import load_shortcuts

    windows: list[Any] = []

    def make(
        env_id: str = "CartPole-v1",
        env_kwargs: dict[str, Any] | None = None,
        dataset: Path | None = None,
        fps: float = 200.0,
        countdown: float = 0.0,
        seed: int = 0,
        gamepads: bool = False,
    ) -> Any:
        options = SessionOptions(
            env_id=env_id,
            env_kwargs=env_kwargs or {},
            dataset=dataset,
            fps=fps,
            countdown=countdown,
            seed=seed,
            gamepads=gamepads,
            list_envs=False,
        )
        session = Session(options)
        window = MainWindow(session, load_shortcuts(), ErrorChannel())
        windows.append(window)  # not qtbot.addWidget: its close would ask about a partial episode
        window.show()
        qtbot.waitActive(window)
        session.start()
        qtbot.waitUntil(
            lambda: session.human is not None and session.env_info.env_id == env_id,
            timeout=20_000,
        )
        qtbot.waitUntil(lambda: session.last_status.env_id == env_id, timeout=10_000)
        return window

    yield make
    for window in windows:
        session = window.session
        if not session.is_closed:
            with qtbot.waitSignal(session.closed, timeout=20_000):
                session.shutdown(keep_partial=True)
        session.wait()
        window.errors.dismiss_all()
        window.close()
        window.deleteLater()


@pytest.fixture
def sb2_cartpole_copy(app_home: Path) -> Path:
    """SB2's own CartPole expert file, copied into the test's folder."""
    import shutil

    source = SB2_DATA / "expert_cartpole.npz"
    assert source.is_file(), f"missing {source}"
    target = app_home / "sb2" / "expert_cartpole.npz"
    target.parent.mkdir()
    shutil.copy(source, target)
    return target


# -- the input layer ------------------------------------------------------------------------------


# -- input: a real SDL virtual gamepad ------------------------------------------------------------


@pytest.fixture
def virtual_gamepad() -> Iterator[Any]:
    """An SDL virtual joystick (6 axes, 12 buttons, 1 hat), unplugged at teardown."""
    from recorder_app.input.virtual_joystick import VirtualJoystick

    pad = VirtualJoystick()
    yield pad
    pad.detach()
