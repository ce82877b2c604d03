"""Which bindings an env gets: the user's file, else the shipped one, the game's own, or generic."""

from __future__ import annotations

import logging
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from recorder_app.input.atari import KeyHints, atari_bindings
from recorder_app.input.bindings import (
    ASSETS,
    AxisBinding,
    Bindings,
    KeyBinding,
    PadAxisBinding,
    action_kind,
    file_name,
    read_file,
    user_config_dir,
)
from recorder_app.input.names import DEFAULT_PAD_KEYS

log = logging.getLogger(__name__)

_DIGITS = [str(d) for d in (1, 2, 3, 4, 5, 6, 7, 8, 9, 0)]
_LETTERS = list("QWERTYUIOPASDFGHJKLZXCVBNM")
_AXIS_KEYS = [("Left", "Right"), ("Down", "Up"), ("A", "D"), ("S", "W"), ("J", "L"), ("K", "I")]
# Box dimensions follow the sticks: left X, left Y (up is +), right X, right Y (up is +).
_GENERIC_PAD_AXES = [("LeftX", False), ("LeftY", True), ("RightX", False), ("RightY", True)]


def load_bindings(
    env_id: str, action_space: gym.Space[Any], hints: KeyHints | None = None
) -> Bindings:
    """Bindings for an env: the user's saved ones, else the defaults (see `default_bindings`).

    Raises:
        BindingsError: a bindings file exists but is malformed or does not fit the space.
        UnsupportedSpaceError: the action space is neither Discrete nor Box.
    """
    path = user_config_dir() / "bindings" / file_name(env_id, action_kind(action_space))
    if path.is_file():
        bindings = read_file(path)
        bindings.check_space(action_space)
        raw = bindings.raw_pad_names()
        if raw:
            log.info("%s uses raw pad inputs %s; they keep working", path, ", ".join(raw))
        return bindings
    return default_bindings(env_id, action_space, hints)


def raw_pad_notice(bindings: Bindings) -> str:
    """A status-bar line for a key map that names raw pad inputs (earlier versions' maps)."""
    return (
        f"The key map for {bindings.env_id or 'this env'} uses raw pad inputs "
        f"({', '.join(bindings.raw_pad_names())}); they still work. Key map... > "
        "Use standard pad names makes it work alike on every pad."
    )


def default_bindings(
    env_id: str, action_space: gym.Space[Any], hints: KeyHints | None = None
) -> Bindings:
    """The shipped map, else the game's own keys (`hints`, ALE Atari), else a generic map.

    Raises:
        BindingsError: the shipped file is malformed or does not fit the space.
        UnsupportedSpaceError: the action space is neither Discrete nor Box.
    """
    kind = action_kind(action_space)
    path = ASSETS / file_name(env_id, kind)
    if path.is_file():
        bindings = read_file(path)
        bindings.check_space(action_space)
        return bindings
    if env_id.startswith("ALE/") and kind == "discrete":
        if hints is not None:
            return atari_bindings(env_id, action_space, hints)
        log.warning("no key table for %s (no hints given): using the generic map", env_id)
    return generic_bindings(env_id, action_space)


def generic_bindings(env_id: str, action_space: gym.Space[Any]) -> Bindings:
    """A usable map for any Discrete(n) or Box env.

    Discrete: keys 1..9, 0, then Q..M select actions 0..n-1; for n <= 4 the arrows do too
    (Left, Right, Up, Down in that order); idle is action 0; the d-pad and left stick read as
    arrows, A as Space. Box: per dimension a pair of keys (Left/Right, Down/Up, A/D, S/W, J/L,
    K/I), and the sticks (left X, left Y, right X, right Y; up is +) drive dimensions 0..3.
    """
    kind = action_kind(action_space)
    if kind == "discrete":
        assert isinstance(action_space, spaces.Discrete)
        n = int(action_space.n)
        names = (_DIGITS + _LETTERS)[:n]
        keys = [KeyBinding((k,), i) for i, k in enumerate(names)]
        if n <= 4:
            keys += [KeyBinding((k,), i) for i, k in enumerate(["Left", "Right", "Up", "Down"][:n])]
        return Bindings(env_id, "discrete", tuple(keys), idle=0, pad_keys=dict(DEFAULT_PAD_KEYS))
    assert isinstance(action_space, spaces.Box)
    size = int(np.prod(action_space.shape))
    axes = tuple(
        AxisBinding(d, (neg,), (pos,), 0.2) for d, (neg, pos) in enumerate(_AXIS_KEYS[:size])
    )
    pads = tuple(
        PadAxisBinding(d, axis, invert=invert)
        for d, (axis, invert) in enumerate(_GENERIC_PAD_AXES[:size])
    )
    return Bindings(env_id, "box", axes=axes, pad_axes=pads)
