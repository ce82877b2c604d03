"""Gamepads through SDL's GameController API with real virtual pads: one layout for every pad."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from recorder_app.input import GamepadManager, HumanExpert, load_bindings, save_user_bindings
from recorder_app.input.bindings import PadAxisBinding, from_dict
from recorder_app.input.gamepad import MAPPING_FILE
from recorder_app.input.virtual_joystick import VirtualJoystick
from tests.app.conftest import BUTTON_PAD, HAT_PAD, LayoutPad

CAR = gym.spaces.Box(np.array([-1, 0, 0], np.float32), np.array([1, 1, 1], np.float32))
LANDER = gym.spaces.Discrete(4)


@pytest.fixture(autouse=True)
def _fresh_config(tmp_path, monkeypatch):
    monkeypatch.setenv("DEMO_RECORDER_CONFIG_DIR", str(tmp_path / "config"))


def _select(manager: GamepadManager, name: str) -> None:
    manager.poll()
    manager.select(manager.devices().index(name))


def test_two_raw_layouts_read_as_one_standard_layout():
    manager = GamepadManager()
    pads = [LayoutPad(HAT_PAD), LayoutPad(BUTTON_PAD)]
    try:
        manager.poll()
        for pad in pads:
            pad.left_x(-1.0)
            pad.trigger(right=True, pulled=True)
            pad.dpad("Left")
        manager.poll()
        states = {s.name: s for s in manager.states()}
        for pad in pads:
            state = states[pad.name]
            assert state.mapped
            assert {"Pad:DpadLeft", "Pad:RightTrigger", "Pad:LeftX-"} <= state.input_names()
            assert state.axes["RightTrigger"] == 1.0 and state.axes["LeftTrigger"] == 0.0
            assert state.axes["LeftX"] == -1.0
        # the same bindings give the same actions on both pads
        for pad in pads:
            manager.select(manager.devices().index(pad.name))
            car = HumanExpert(load_bindings("CarRacing-v3", CAR), CAR, gamepad=manager)
            assert list(car(None)) == [-1.0, 1.0, 0.0]
            lander = HumanExpert(load_bindings("LunarLander-v3", LANDER), LANDER, gamepad=manager)
            assert lander(None) == 1  # d-pad left: left engine
            pad.trigger(right=True, pulled=False)
            pad.left_x(0.0)
            manager.poll()
            assert list(car(None)) == [0.0, 0.0, 0.0]  # triggers rest at 0, whatever the pad
    finally:
        for pad in pads:
            pad.detach()
        manager.poll()


def test_a_user_mapping_file_is_loaded_at_start(tmp_path):
    pad = VirtualJoystick(naxes=2, nbuttons=4, nhats=0, name="Odd Pad")  # unknown to SDL
    try:
        folder = tmp_path / "config"
        folder.mkdir()
        (folder / MAPPING_FILE).write_text(
            "# my pad\n"
            f"{pad.guid},Odd Pad,a:b3,b:b2,leftx:a1,lefty:a0,platform:{_platform()},\n"
            "not a mapping\n"
            f"{pad.guid},Odd Pad,a:b0,platform:Some Other OS,\n",
            encoding="utf-8",
        )
        manager = GamepadManager()
        assert manager.mappings_added == 1
        assert len(manager.mapping_problems) == 1 and "line 3" in manager.mapping_problems[0]
        _select(manager, "Odd Pad")
        pad.set_button(3, True)
        pad.set_axis(1, -1.0)
        manager.poll()
        state = manager.state()
        assert state.mapped and "Pad:A" in state.input_names() and state.axes["LeftX"] == -1.0
    finally:
        pad.detach()


def _platform() -> str:
    from recorder_app.input import sdl

    return sdl.platform()


def test_an_unmapped_pad_is_read_raw_with_the_common_guess(virtual_gamepad):
    manager = GamepadManager()
    _select(manager, "Virtual Joystick")
    virtual_gamepad.set_hat(0, (0, 1))
    virtual_gamepad.set_axis(5, 1.0)
    manager.poll()
    state = manager.state()
    assert not state.mapped
    assert {"Pad:Hat0Up", "Pad:DpadUp", "Pad:Axis5+"} <= state.input_names()
    assert "RightTrigger" not in state.axes  # no guessing beyond the common layout


def test_raw_index_bindings_of_earlier_versions_keep_working_or_convert():
    old = {
        "env": "CarRacing-v3",
        "kind": "box",
        "axes": [{"dim": 0, "negative": ["Left"], "positive": ["Right"]}],
        "pad_axes": [{"dim": 0, "axis": 0}, {"dim": 1, "axis": 5, "trigger": True}],
        "pad_keys": {"Pad:Button0": "Right", "Pad:Hat0Left": "Left"},
    }
    bindings = from_dict(old, "old.json")
    assert bindings.raw_pad_names() == ["Axis0", "Axis5", "Pad:Button0", "Pad:Hat0Left"]
    save_user_bindings("CarRacing-v3", bindings, CAR)
    manager = GamepadManager()
    pad = LayoutPad(HAT_PAD)  # raw axis 5 is its right trigger, resting at -1
    try:
        _select(manager, pad.name)
        human = HumanExpert(load_bindings("CarRacing-v3", CAR), CAR, gamepad=manager)
        assert list(human(None)) == [0.0, 0.0, 0.0]
        pad.trigger(right=True, pulled=True)
        pad.left_x(1.0)
        manager.poll()
        assert list(human(None)) == [1.0, 1.0, 0.0]  # raw names still read
    finally:
        pad.detach()
        manager.poll()
    standard = bindings.to_standard()
    assert standard.raw_pad_names() == []
    assert standard.pad_axes == (
        PadAxisBinding(0, "LeftX"),
        PadAxisBinding(1, "RightTrigger"),
    )
    assert standard.pad_keys == {"Pad:A": "Right", "Pad:DpadLeft": "Left"}


def test_the_pad_name_is_read_once_not_every_tick(virtual_gamepad):
    """The env runner asks the human for `device` and actions every tick: no SDL call there."""
    manager = GamepadManager()
    _select(manager, "Virtual Joystick")
    pad = next(iter(manager._pads.values()))

    class NoSdl:
        def __getattr__(self, name):
            raise AssertionError(f"SDL called off the poll: {name}")

    pad.joystick = NoSdl()  # any SDL read from here on fails the test
    human = HumanExpert(
        load_bindings("CartPole-v1", gym.spaces.Discrete(2)),
        gym.spaces.Discrete(2),
        gamepad=manager,
    )
    for _ in range(3):
        assert human.device == "gamepad: Virtual Joystick"
        human(None)
        human.has_input()
    assert manager.devices() == ["Virtual Joystick"]


def test_rumble_reaches_a_pad_that_has_it_and_can_be_turned_off():
    manager = GamepadManager()
    pad = VirtualJoystick(gamecontroller=True, name="Rumble Pad")
    try:
        _select(manager, "Rumble Pad")
        assert manager.rumble(0.5, 100)
        assert pad.rumbles and pad.rumbles[-1][0] > 0
        manager.rumble_enabled = False
        assert not manager.rumble(0.5, 100)
        assert len(pad.rumbles) == 1
    finally:
        pad.detach()
        manager.poll()


def test_a_mapped_pad_hot_plugs_unplugs_and_is_picked_again():
    manager = GamepadManager()
    manager.poll()
    before = set(manager.devices())
    pad = LayoutPad(HAT_PAD)
    events = manager.poll()
    assert [(e.kind, e.name) for e in events] == [("added", "Hat Pad")]
    manager.select(manager.devices().index("Hat Pad"))
    assert manager.state().mapped
    pad.detach()
    events = manager.poll()
    assert [(e.kind, e.name) for e in events] == [("removed", "Hat Pad")]
    assert manager.active is None and manager.state() is None and manager.wanted == "Hat Pad"
    assert set(manager.devices()) == before
    again = LayoutPad(HAT_PAD)
    try:
        manager.poll()
        assert manager.active == "Hat Pad" and manager.state().mapped
        again.dpad("Right")
        manager.poll()
        assert "Pad:DpadRight" in manager.state().input_names()
    finally:
        again.detach()
        manager.poll()


def test_pads_are_reopened_after_an_env_shuts_sdl_down():
    """Gymnasium's pygame-rendered envs call pygame.quit() in close(): pads must come back.

    Runs in a child process: shutting SDL down for a whole process that other tests' threads
    and windows share is what this test provokes, and it must not take the test run with it.
    """
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    code = "from tests.app.input.test_pads import _reopen_scenario; _reopen_scenario()"
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "reopened" in proc.stdout


def _reopen_scenario() -> None:
    """The scenario of the test above, in this process: SDL shut down, the pad found again."""
    manager = GamepadManager()
    pad = LayoutPad(HAT_PAD)
    _select(manager, "Hat Pad")
    env = gym.make("CartPole-v1", render_mode="rgb_array")
    env.reset(seed=0)
    env.render()
    env.close()  # pygame.quit(): SDL is shut down for the whole process
    pad.detach()  # a virtual pad dies with SDL (a real one is found again); plug it back
    again = LayoutPad(HAT_PAD)
    try:
        manager.poll()
        assert manager.active == "Hat Pad" and manager.state().mapped
        again.dpad("Up")
        manager.poll()
        assert "Pad:DpadUp" in manager.state().input_names()
        print("reopened")
    finally:
        again.detach()
        manager.poll()
