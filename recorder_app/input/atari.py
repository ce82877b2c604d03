"""Key maps for ALE Atari games, translated from the env's own `get_keys_to_action()`."""

from __future__ import annotations

from typing import Any

import gymnasium as gym

from recorder_app.input.bindings import DEFAULT_PAD_KEYS, Bindings, KeyBinding

# ALE maps w/a/s/d and space; arrows are added as aliases of w/a/s/d.
_CHAR_NAMES = {" ": "Space", "w": "W", "a": "A", "s": "S", "d": "D", "e": "E"}
_ARROWS = {"W": "Up", "A": "Left", "S": "Down", "D": "Right"}


def atari_bindings(env_id: str, action_space: gym.Space[Any]) -> Bindings:
    """Bindings from the game's `get_keys_to_action()`, plus arrow-key aliases; idle is NOOP."""
    from bc.envs import make_env

    env = make_env(env_id, render_mode=None)
    try:
        table = env.unwrapped.get_keys_to_action()  # type: ignore[attr-defined]
        meanings = getattr(env.unwrapped, "get_action_meanings", None)
        action_names = tuple(str(m) for m in meanings()) if callable(meanings) else ()
    finally:
        env.close()
    keys: list[KeyBinding] = []
    for combo, action in table.items():
        names = tuple(_CHAR_NAMES.get(str(c), str(c).upper()) for c in combo)
        if names == ("E",):  # ALE's NOOP key: idle already gives NOOP
            continue
        keys.append(KeyBinding(names, int(action)))
        arrows = tuple(_ARROWS.get(n, n) for n in names)
        if arrows != names:
            keys.append(KeyBinding(arrows, int(action)))
    bindings = Bindings(
        env_id,
        "discrete",
        tuple(keys),
        idle=0,
        pad_keys=dict(DEFAULT_PAD_KEYS),
        action_names=action_names,
    )
    bindings.check_space(action_space)
    return bindings
