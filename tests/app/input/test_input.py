"""Input mapping without Qt: shipped bindings, combos, ramps, idle, gamepads through real SDL."""

from __future__ import annotations

import json

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bc.envs import make_env
from recorder_app.input import (
    BindingsError,
    GamepadManager,
    HumanExpert,
    load_bindings,
    save_user_bindings,
)
from recorder_app.input.atari import key_hints
from recorder_app.input.bindings import ASSETS, Bindings, read_file
from recorder_app.input.keymaps import generic_bindings
from recorder_app.input.names import KEY_NAMES

SHIPPED = [
    ("CartPole-v1", {}),
    ("MountainCar-v0", {}),
    ("Acrobot-v1", {}),
    ("LunarLander-v3", {}),
    ("LunarLander-v3", {"continuous": True}),
    ("MountainCarContinuous-v0", {}),
    ("Pendulum-v1", {}),
    ("CarRacing-v3", {}),
]


@pytest.fixture(autouse=True)
def _fresh_config(tmp_path, monkeypatch):
    monkeypatch.setenv("DEMO_RECORDER_CONFIG_DIR", str(tmp_path / "config"))


def _human(env_id, **kwargs):
    env = make_env(env_id, render_mode=None, **kwargs)
    return HumanExpert(load_bindings(env_id, env.action_space), env.action_space), env


def test_every_shipped_file_loads_and_fits_its_env():
    files = sorted(ASSETS.glob("*.json"))
    assert len(files) == len(SHIPPED)
    for env_id, kwargs in SHIPPED:
        human, env = _human(env_id, **kwargs)
        assert human.bindings.source.endswith(".json"), env_id
        assert not human.bindings.conflicts()
        for _ in range(20):
            assert env.action_space.contains(
                np.asarray(human(None), dtype=env.action_space.dtype)
                if env.action_space.shape
                else human(None)
            )


@pytest.mark.parametrize(
    ("env_id", "keys", "expected"),
    [
        ("CartPole-v1", ["Left"], 0),
        ("CartPole-v1", ["Right"], 1),
        ("MountainCar-v0", [], 1),
        ("MountainCar-v0", ["Left"], 0),
        ("MountainCar-v0", ["Right"], 2),  # Gymnasium's own map never fires here
        ("Acrobot-v1", ["Right"], 2),
        ("LunarLander-v3", [], 0),
        ("LunarLander-v3", ["Up"], 2),
        ("LunarLander-v3", ["Up", "Left"], 1),
    ],
)
def test_discrete_keys(env_id, keys, expected):
    human, _ = _human(env_id)
    for k in keys:
        human.press(k)
    assert human(None) == expected


def test_cartpole_idle_keeps_the_last_push():
    human, _ = _human("CartPole-v1")
    assert human(None) == 0
    human.press("Right")
    assert human(None) == 1
    human.release("Right")
    assert human(None) == 1  # no do-nothing action in CartPole: keep pushing right


def test_atari_map_comes_from_the_game_with_combos():
    env = make_env("ALE/Pong-v5", render_mode=None)
    meanings = env.unwrapped.get_action_meanings()
    bindings = load_bindings("ALE/Pong-v5", env.action_space, key_hints(env))
    human = HumanExpert(bindings, env.action_space)
    assert human(None) == meanings.index("NOOP")
    human.press("Right")
    assert meanings[human(None)] == "RIGHT"
    human.press("Space")
    assert meanings[human(None)] == "RIGHTFIRE"  # the longest held combination wins


def test_box_keys_ramp_and_return_to_rest():
    human, _ = _human("CarRacing-v3")
    human.press("Up")
    gas = [float(human(None)[1]) for _ in range(6)]
    assert gas == pytest.approx([0.2, 0.4, 0.6, 0.8, 1.0, 1.0])
    human.release("Up")
    back = [float(human(None)[1]) for _ in range(6)]
    assert back[-1] == 0.0 and back[0] == pytest.approx(0.8)
    human.press("Left")
    human.press("Up")
    for _ in range(10):
        action = human(None)
    assert action.dtype == np.float32 and list(action) == [-1.0, 1.0, 0.0]
    assert human.describe(action) == "steer -1.00 gas +1.00 brake +0.00"


def test_generic_fallback_for_any_space():
    env = make_env("FrozenLake-v1", render_mode=None)
    b = load_bindings("FrozenLake-v1", env.action_space)
    assert b.source == "built-in" and {k.keys[0] for k in b.keys} >= {"1", "2", "3", "4"}
    big = generic_bindings("X", __import__("gymnasium").spaces.Discrete(15))
    assert len({k.action for k in big.keys}) == 15
    walker = make_env("BipedalWalker-v3", render_mode=None)
    human = HumanExpert(load_bindings("BipedalWalker-v3", walker.action_space), walker.action_space)
    human.press("D")
    for _ in range(5):
        action = human(None)
    assert action[2] == 1.0 and action[0] == 0.0


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.booleans(), st.sampled_from(["Left", "Right", "Up", "Down", "A", "Space"])),
        max_size=40,
    )
)
def test_any_press_sequence_stays_inside_the_space(events):
    for env_id, kwargs in (("CarRacing-v3", {}), ("LunarLander-v3", {}), ("Pendulum-v1", {})):
        human, env = _human(env_id, **kwargs)
        for down, key in events:
            (human.press if down else human.release)(key)
            action = human(None)
            if env.action_space.shape:
                assert action.dtype == env.action_space.dtype
            assert env.action_space.contains(action)


def test_user_bindings_override_and_errors(tmp_path):
    env = make_env("CartPole-v1", render_mode=None)
    b = load_bindings("CartPole-v1", env.action_space)
    from dataclasses import replace

    from recorder_app.input.bindings import KeyBinding

    path = save_user_bindings(
        "CartPole-v1", replace(b, keys=(KeyBinding(("J",), 0), KeyBinding(("L",), 1)))
    )
    assert load_bindings("CartPole-v1", env.action_space).keys[0].keys == ("J",)
    path.write_text("{broken")
    with pytest.raises(
        BindingsError, match=r"CartPole-v1\.discrete\.json: not valid JSON \(line 1"
    ):
        load_bindings("CartPole-v1", env.action_space)
    path.write_text(json.dumps({"kind": "discrete", "keys": [{"keys": ["Left"], "action": 7}]}))
    with pytest.raises(BindingsError, match=r"action\(s\) \[7\] outside Discrete\(2\)"):
        load_bindings("CartPole-v1", env.action_space)
    path.write_text(json.dumps({"kind": "discrete", "keys": [{"keys": ["Ctrl+R"], "action": 0}]}))
    with pytest.raises(BindingsError, match=r"unknown key name\(s\) Ctrl\+R"):
        load_bindings("CartPole-v1", env.action_space)
    path.write_text(json.dumps({"keys": []}))
    with pytest.raises(BindingsError, match="malformed bindings"):
        read_file(path)


def test_no_binding_uses_an_app_shortcut_key():
    for path in ASSETS.glob("*.json"):
        b = read_file(path)
        assert b.used_names() <= KEY_NAMES, path


def test_virtual_gamepad_drives_a_box_env(virtual_gamepad):
    manager = GamepadManager()
    events = manager.poll()
    assert [e.kind for e in events].count("added") >= 1 or manager.devices()
    manager.select(manager.devices().index("Virtual Joystick"))
    env = make_env("MountainCarContinuous-v0", render_mode=None)
    human = HumanExpert(
        load_bindings("MountainCarContinuous-v0", env.action_space),
        env.action_space,
        gamepad=manager,
    )
    assert human.device == "gamepad: Virtual Joystick"
    virtual_gamepad.set_axis(0, 0.1)  # inside the dead zone
    manager.poll()
    assert human(None)[0] == 0.0 and not human.has_input()
    virtual_gamepad.set_axis(0, -1.0)
    manager.poll()
    assert human(None)[0] == -1.0 and human.has_input()
    virtual_gamepad.set_axis(0, 0.565)  # halfway between the dead zone (0.15) and the rim (0.98)
    manager.poll()
    assert human(None)[0] == pytest.approx(0.5, abs=0.01)
    virtual_gamepad.set_axis(0, 1.0)  # SDL stops at 32767/32768: the outer zone reads it as full
    manager.poll()
    assert human(None)[0] == 1.0


def test_virtual_gamepad_buttons_and_hat_drive_a_discrete_env(virtual_gamepad):
    manager = GamepadManager()
    manager.poll()
    manager.select(manager.devices().index("Virtual Joystick"))
    env = make_env("LunarLander-v3", render_mode=None)
    human = HumanExpert(
        load_bindings("LunarLander-v3", env.action_space), env.action_space, gamepad=manager
    )
    virtual_gamepad.set_hat(0, (0, 1))
    manager.poll()
    assert human(None) == 2  # hat up reads as Up: main engine
    virtual_gamepad.set_hat(0, (1, 0))
    manager.poll()
    assert human(None) == 3


def test_unplug_and_replug_reselects_the_pad():
    from recorder_app.input.virtual_joystick import VirtualJoystick

    manager = GamepadManager()
    pad = VirtualJoystick()
    manager.poll()
    manager.select(manager.devices().index("Virtual Joystick"))
    pad.set_button(0, True)
    manager.poll()
    assert {"Pad:Button0", "Pad:A"} <= manager.state().input_names()  # raw, and the guess
    pad.detach()
    events = manager.poll()
    assert [e.kind for e in events] == ["removed"]
    assert (
        manager.active is None and manager.state() is None and manager.wanted == "Virtual Joystick"
    )
    again = VirtualJoystick()
    events = manager.poll()
    assert [e.kind for e in events] == ["added"] and manager.active == "Virtual Joystick"
    again.detach()
    manager.poll()


def test_shipped_names_label_actions_and_axes():
    lander = load_bindings("LunarLander-v3", gym.spaces.Discrete(4))
    assert ("Up", "action 2 (main engine)") in lander.rows()
    assert HumanExpert(lander, gym.spaces.Discrete(4)).describe(2) == "2 main engine [Up]"
    car = load_bindings("CarRacing-v3", gym.spaces.Box(-1, 1, (3,)))
    assert ("Left", "steer down") in car.rows()
    with pytest.raises(BindingsError, match="2 action names for Discrete\\(3\\)"):
        Bindings("X", "discrete", action_names=("a", "b")).check_space(gym.spaces.Discrete(3))
