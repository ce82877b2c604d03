"""The app's shortcuts as data: the shipped table (assets/shortcuts.json), with user overrides."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from recorder_app import paths

log = logging.getLogger(__name__)

DEFAULT_TABLE = paths.asset("shortcuts.json")
MODIFIERS = ("Ctrl", "Shift", "Alt", "Meta")


@dataclass(frozen=True)
class Shortcut:
    """One app command and the key sequence that triggers it."""

    action: str
    """Stable id used in code and in the user's override file ("record", "pause"...)."""
    keys: str
    """Qt's portable key text, e.g. "Ctrl+R" ("" for none)."""
    text: str
    """Menu text (with & marking the mnemonic)."""
    help: str
    """One line for the Help dialog and the README."""

    @property
    def modifiers(self) -> tuple[str, ...]:
        """The modifier names in `keys` ("Ctrl", "Shift", ...)."""
        return tuple(part for part in _split(self.keys)[:-1])

    @property
    def key(self) -> str:
        """The non-modifier key in `keys` ("R", ".", "F1")."""
        parts = _split(self.keys)
        return parts[-1] if parts else ""


def config_dir() -> Path:
    """The user's config folder for this app (see `recorder_app.paths.user_config_dir`)."""
    return paths.user_config_dir()


def user_shortcuts_path() -> Path:
    """Where a user's overrides live: {"shortcuts": {"record": "Ctrl+Shift+R"}}."""
    return config_dir() / "shortcuts.json"


def load_shortcuts(
    table: Path = DEFAULT_TABLE, user_file: Path | None = None
) -> dict[str, Shortcut]:
    """Read the default table, then apply the user's overrides (a bad override is logged, skipped).

    Args:
        table: the default table (assets/shortcuts.json).
        user_file: overrides; defaults to `user_shortcuts_path()` (ignored when missing).

    Returns:
        Shortcuts by action id, in the table's order.

    Raises:
        ValueError: the default table is malformed or two actions share a key sequence.
    """
    rows = json.loads(table.read_text(encoding="utf-8"))["shortcuts"]
    shortcuts = {
        row["action"]: Shortcut(row["action"], row["keys"], row["text"], row["help"])
        for row in rows
    }
    path = user_shortcuts_path() if user_file is None else user_file
    for action, keys in _read_overrides(path).items():
        if action not in shortcuts:
            log.warning("%s: unknown shortcut action %r ignored", path, action)
            continue
        old = shortcuts[action]
        shortcuts[action] = Shortcut(action, keys, old.text, old.help)
    duplicates = _duplicates(shortcuts.values())
    if duplicates:
        raise ValueError(f"shortcuts share keys: {'; '.join(duplicates)}")
    return shortcuts


def collisions(shortcuts: Iterable[Shortcut], game_keys: Iterable[str]) -> list[str]:
    """List the shortcuts a game binding would shadow (empty when none).

    A shortcut collides when its key is bound without any modifier, or when one of its
    modifiers is itself a game key (holding it to play would also arm the shortcut).

    Args:
        shortcuts: the app's shortcuts.
        game_keys: key names a game binding uses ("Left", "A", "Space", "Ctrl"...).
    """
    bound = {_norm(k) for k in game_keys}
    found = []
    for sc in shortcuts:
        if not sc.keys:
            continue
        if not sc.modifiers and _norm(sc.key) in bound:
            found.append(f"{sc.keys} ({sc.action}) is a game key")
        for mod in sc.modifiers:
            if _norm(mod) in bound:
                found.append(f"{sc.keys} ({sc.action}): {mod} is a game key")
    return found


def _read_overrides(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
        overrides = data["shortcuts"]
        if not isinstance(overrides, dict) or not all(
            isinstance(v, str) for v in overrides.values()
        ):
            raise TypeError("'shortcuts' must map action ids to key text")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("ignoring %s: %s", path, exc)
        return {}
    return overrides


def _duplicates(shortcuts: Iterable[Shortcut]) -> list[str]:
    seen: dict[str, str] = {}
    clashes = []
    for sc in shortcuts:
        if not sc.keys:
            continue
        norm = "+".join(_norm(p) for p in _split(sc.keys))
        if norm in seen:
            clashes.append(f"{sc.keys} for {seen[norm]} and {sc.action}")
        seen[norm] = sc.action
    return clashes


def _split(keys: str) -> list[str]:
    """Split "Ctrl+Shift++" into ["Ctrl", "Shift", "+"]."""
    if not keys:
        return []
    parts = keys.split("+")
    if keys.endswith("+"):
        parts = [*parts[:-2], "+"]
    return [p.strip() for p in parts]


def _norm(name: str) -> str:
    lowered = name.strip().lower()
    return {"control": "ctrl", "lctrl": "ctrl", "rctrl": "ctrl", "escape": "esc"}.get(
        lowered, lowered
    )
