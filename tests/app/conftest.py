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


@pytest.fixture(autouse=True)
def _collect_qt_garbage(qapp: Any) -> Iterator[None]:
    """After each test: run Qt's pending deletions, then Python's cycle collector, right here.

    Left to chance, the collector runs inside some later allocation (a pyqtgraph plot being
    built in the next test) and frees the last test's widgets there, half torn down: a
    segfault. Collecting at a fixed, quiet point keeps the teardown order Qt's. The automatic
    collector is off during the test for the same reason: how many objects the session made
    before (more test modules collected) must not decide where it runs.
    """
    import gc

    from PyQt6.QtCore import QCoreApplication, QEvent

    gc.disable()
    try:
        yield
    finally:
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
        gc.collect()
        gc.enable()


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
            lambda: (
                session.player.human is not None and session.recording.env_info.env_id == env_id
            ),
            timeout=20_000,
        )
        qtbot.waitUntil(lambda: session.recording.last_status.env_id == env_id, timeout=10_000)
        return window

    yield make
    for window in windows:
        session = window.session
        if not session.recording.is_closed:
            with qtbot.waitSignal(session.recording.closed, timeout=20_000):
                session.shutdown(keep_partial=True)
        session.recording.wait()
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


# Two raw layouts SDL maps to one standard layout (the GUIDs differ because the names do).
HAT_PAD = (
    "Hat Pad",
    # axes: 0 left x, 1 left y, 2 left trigger (rests at -1), 3 right x, 4 right y, 5 right trigger
    dict(naxes=6, nbuttons=11, nhats=1),
    "a:b0,b:b1,x:b2,y:b3,leftshoulder:b4,rightshoulder:b5,back:b6,start:b7,guide:b8,"
    "leftstick:b9,rightstick:b10,dpup:h0.1,dpright:h0.2,dpdown:h0.4,dpleft:h0.8,"
    "leftx:a0,lefty:a1,lefttrigger:a2,rightx:a3,righty:a4,righttrigger:a5",
)
BUTTON_PAD = (
    "Button Pad",
    # no hat: the d-pad is buttons 13-16; the triggers are buttons 6 and 7; A is button 1
    dict(naxes=4, nbuttons=17, nhats=0),
    "x:b0,a:b1,b:b2,y:b3,leftshoulder:b4,rightshoulder:b5,lefttrigger:b6,righttrigger:b7,"
    "back:b8,start:b9,leftstick:b10,rightstick:b11,guide:b12,dpup:b13,dpdown:b14,dpleft:b15,"
    "dpright:b16,leftx:a0,lefty:a1,rightx:a2,righty:a3",
)


class LayoutPad:
    """A virtual game controller with one of the raw layouts above; inputs by standard name."""

    def __init__(self, layout: tuple[str, dict[str, int], str]) -> None:
        from recorder_app.input.virtual_joystick import VirtualJoystick

        self.name, sizes, mapping = layout
        self.pad = VirtualJoystick(gamecontroller=True, name=self.name, mapping=mapping, **sizes)
        self.hat = sizes["nhats"] > 0
        for axis in range(sizes["naxes"]):  # SDL starts a controller's axes 4/5 at -1
            self.pad.set_axis(axis, -1.0 if self.hat and axis in (2, 5) else 0.0)

    def left_x(self, value: float) -> None:
        """Move the left stick sideways."""
        self.pad.set_axis(0, value)

    def trigger(self, right: bool, pulled: bool) -> None:
        """Pull or release a trigger (an axis from -1 on the hat pad, a button on the other)."""
        if self.hat:
            self.pad.set_axis(5 if right else 2, 1.0 if pulled else -1.0)
        else:
            self.pad.set_button(7 if right else 6, pulled)

    def dpad(self, direction: str | None) -> None:
        """Hold one d-pad direction ("Left", "Up", ...) or none."""
        if self.hat:
            vectors = {"Left": (-1, 0), "Right": (1, 0), "Up": (0, 1), "Down": (0, -1)}
            self.pad.set_hat(0, vectors[direction] if direction else (0, 0))
        else:
            for name, button in (("Up", 13), ("Down", 14), ("Left", 15), ("Right", 16)):
                self.pad.set_button(button, name == direction)

    def detach(self) -> None:
        """Unplug it."""
        self.pad.detach()


@pytest.fixture(params=[HAT_PAD, BUTTON_PAD], ids=["hat-pad", "button-pad"])
def layout_pad(request: pytest.FixtureRequest) -> Iterator[LayoutPad]:
    """Each of the two raw layouts in turn, as a mapped virtual controller."""
    pad = LayoutPad(request.param)
    yield pad
    pad.detach()
