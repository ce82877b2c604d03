"""The user's input settings (rumble on or off), a small JSON file in the config folder."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass

from recorder_app.input.bindings import user_config_dir

log = logging.getLogger(__name__)

FILE = "input.json"


@dataclass(frozen=True)
class InputSettings:
    """Input preferences that are not part of a key map."""

    rumble: bool = True
    """Rumble the pad (where it can) when recording starts and when an episode is saved."""


def load() -> InputSettings:
    """The saved settings; defaults when there is no file or it is unreadable (logged)."""
    path = user_config_dir() / FILE
    if not path.is_file():
        return InputSettings()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return InputSettings(rumble=bool(data.get("rumble", True)))
    except (OSError, ValueError, AttributeError) as exc:
        log.warning("ignoring unreadable %s: %s", path, exc)
        return InputSettings()


def save(values: InputSettings) -> None:
    """Save atomically; a failure is logged (a preference is not worth a dialog)."""
    path = user_config_dir() / FILE
    tmp = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(asdict(values)), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("cannot save %s: %s", path, exc)
