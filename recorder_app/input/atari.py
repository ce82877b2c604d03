"""Key maps for games that name their own keys (ALE Atari): `get_keys_to_action()` translated.

`key_hints(env)` reads the table from an env that is already open (the env runner's, on its own
thread); `atari_bindings` turns it into bindings without making an env.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import gymnasium as gym

from recorder_app.input.bindings import Bindings, KeyBinding
from recorder_app.input.names import DEFAULT_PAD_KEYS

# ALE maps w/a/s/d and space; arrows are added as aliases of w/a/s/d.
_CHAR_NAMES = {" ": "Space", "w": "W", "a": "A", "s": "S", "d": "D", "e": "E"}
_ARROWS = {"W": "Up", "A": "Left", "S": "Down", "D": "Right"}


@dataclass(frozen=True)
class KeyHints:
    """What an env says about its own controls: keys per action, and action names."""

    keys_to_action: Mapping[tuple[str, ...], int]
    """Each key combination (characters, as the env gives them) and the action it selects."""
    action_meanings: tuple[str, ...] = ()


def key_hints(env: gym.Env[Any, Any]) -> KeyHints | None:
    """The env's own key table (`get_keys_to_action()`), or None when it has none. Cheap."""
    table_fn = getattr(env.unwrapped, "get_keys_to_action", None)
    if not callable(table_fn):
        return None
    try:
        table = table_fn()
    except Exception:  # an env whose table needs a display or a mode it lacks
        return None
    meanings = getattr(env.unwrapped, "get_action_meanings", None)
    names = tuple(str(m) for m in meanings()) if callable(meanings) else ()
    keys = {
        tuple(chr(c) if isinstance(c, int) else str(c) for c in combo): int(action)
        for combo, action in dict(table).items()
    }
    return KeyHints(keys, names)


def atari_bindings(env_id: str, action_space: gym.Space[Any], hints: KeyHints) -> Bindings:
    """Bindings from the game's key table, plus arrow-key aliases; idle is NOOP (action 0).

    Raises:
        BindingsError: the table does not fit the action space.
    """
    keys: list[KeyBinding] = []
    for combo, action in hints.keys_to_action.items():
        names = tuple(_CHAR_NAMES.get(c, c.upper()) for c in combo)
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
        action_names=hints.action_meanings,
    )
    bindings.check_space(action_space)
    return bindings
