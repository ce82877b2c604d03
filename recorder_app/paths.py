"""Where the app's files live: the assets shipped inside the package, and the user's config folder.

Both come from here and nowhere else. Assets are found with `importlib.resources`, so they are
read from the installed package (a wheel, an editable install or a source checkout alike), never
from the current directory. The config folder is `$DEMO_RECORDER_CONFIG_DIR` when set, else the
platform's own (platformdirs: `$XDG_CONFIG_HOME/demo-recorder` or `~/.config/demo-recorder` on
Linux, `~/Library/Application Support/demo-recorder` on macOS, `%APPDATA%/demo-recorder` on
Windows).
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import platformdirs

APP_NAME = "demo-recorder"
CONFIG_DIR_ENV = "DEMO_RECORDER_CONFIG_DIR"
"""The environment variable that overrides the user's config folder (tests, portable setups)."""


def assets_dir() -> Path:
    """The `assets/` folder shipped inside the `recorder_app` package.

    Raises:
        FileNotFoundError: the package was installed without its assets (a broken build).
    """
    root = resources.files("recorder_app").joinpath("assets")
    # pip installs wheels (and editable checkouts) as real files, so the Traversable is a folder
    # on disk; a zip import would not be, and is not supported.
    path = Path(str(root))
    if not path.is_dir():
        raise FileNotFoundError(f"the app's assets are missing from the installed package: {path}")
    return path


def asset(*parts: str) -> Path:
    """One shipped asset file, e.g. `asset("bindings", "CartPole-v1.discrete.json")`."""
    return assets_dir().joinpath(*parts)


def user_config_dir() -> Path:
    """The user's config folder: `$DEMO_RECORDER_CONFIG_DIR`, else the platform's config folder."""
    explicit = os.environ.get(CONFIG_DIR_ENV)
    if explicit:
        return Path(explicit).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False, roaming=True))
