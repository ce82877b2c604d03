"""The player controller: key maps load off the GUI thread; keys reach the human; watch a policy."""

from __future__ import annotations

import threading

import numpy as np

from bc.envs import make_env
from recorder_app.controllers import player as player_module
from recorder_app.controllers.player import PlayerController
from recorder_app.state import EnvInfo
from tests.app.conftest import QT_MARKS

pytestmark = QT_MARKS


def cartpole_info() -> EnvInfo:
    env = make_env("CartPole-v1", render_mode=None)
    info = EnvInfo("CartPole-v1", {}, env.observation_space, env.action_space, 50.0)
    env.close()
    return info


def test_bindings_load_off_the_gui_thread_then_the_human_plays(qtbot, app_home, monkeypatch):
    threads = []
    real = player_module.load_bindings

    def recording_load(*args):
        threads.append(threading.current_thread())
        return real(*args)

    monkeypatch.setattr(player_module, "load_bindings", recording_load)
    player = PlayerController(gamepads=None)
    experts = []
    player.expert_changed.connect(experts.append)
    with qtbot.waitSignal(player.bound, timeout=20_000):
        player.bind(cartpole_info())
    assert threads and threads[0] is not threading.main_thread()
    assert experts == [player.human] and player.device_label() == "keyboard"
    assert player.press_key("Right") and not player.press_key("F12")
    assert int(np.asarray(player.human(np.zeros(4)))) == 1
    player.release_all_keys()
    assert player.binding_rows()


def test_watch_puts_a_policy_in_charge_and_none_hands_back(qtbot, app_home):
    class Policy:
        def predict(self, obs, deterministic=True):
            return 1, None

    player = PlayerController(gamepads=None)
    with qtbot.waitSignal(player.bound, timeout=20_000):
        player.bind(cartpole_info())
    experts = []
    player.expert_changed.connect(experts.append)
    player.watch(Policy())
    assert player.device_label() == "policy" and experts[-1] is player.expert
    assert int(np.asarray(player.expert(np.zeros(4)))) == 1  # the policy's push right
    player.press_key("Left")
    assert int(np.asarray(player.expert(np.zeros(4)))) == 0  # the human's Left is action 0
    assert player.device_label() == "keyboard (took over)"
    player.watch(None)
    assert experts[-1] is player.human and player.device_label() == "keyboard"
