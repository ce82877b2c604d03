"""Assets come from the installed package; the user's config folder from one place."""

from __future__ import annotations

import json
from pathlib import Path

import gymnasium as gym

import recorder_app
from recorder_app import paths
from recorder_app.input import load_bindings, save_user_bindings
from recorder_app.input.bindings import ASSETS
from recorder_app.shortcuts import DEFAULT_TABLE, load_shortcuts, user_shortcuts_path
from recorder_app.workers.env_list import cache_path


def test_assets_are_read_from_inside_the_package():
    package = Path(recorder_app.__file__).resolve().parent
    assert paths.assets_dir().resolve() == package / "assets"
    assert ASSETS.resolve() == package / "assets" / "bindings"
    assert DEFAULT_TABLE.resolve() == package / "assets" / "shortcuts.json"
    bindings = load_bindings("LunarLander-v3", gym.spaces.Discrete(4))
    assert Path(bindings.source).resolve().parent == package / "assets" / "bindings"
    right = next(entry.action for entry in bindings.keys if entry.keys == ("Right",))
    assert right == 3  # the shipped map (the generic map would say 1: the left engine)


def test_config_dir_follows_xdg_and_the_override_everywhere(tmp_path, monkeypatch):
    monkeypatch.delenv(paths.CONFIG_DIR_ENV, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert paths.user_config_dir() == tmp_path / "xdg" / "demo-recorder"
    override = tmp_path / "portable"
    monkeypatch.setenv(paths.CONFIG_DIR_ENV, str(override))
    assert paths.user_config_dir() == override
    # every user file lives under it: shortcuts, key maps, the env-list cache
    assert user_shortcuts_path().parent == override
    assert cache_path().parent == override
    space = gym.spaces.Discrete(2)
    saved = save_user_bindings("CartPole-v1", load_bindings("CartPole-v1", space), space)
    assert saved.parent == override / "bindings"
    user_shortcuts_path().write_text(json.dumps({"shortcuts": {"record": "Ctrl+Alt+R"}}))
    assert load_shortcuts()["record"].keys == "Ctrl+Alt+R"


def test_recorder_app_version():
    import subprocess
    import sys

    from bc import __version__

    result = subprocess.run(
        [sys.executable, "-m", "recorder_app", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"recorder-app {__version__}"
