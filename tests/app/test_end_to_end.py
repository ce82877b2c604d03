"""End to end: the real program (`python -m recorder_app`) records a valid dataset and exits.

Under Xvfb when `xvfb-run` is installed (a real X11 window), else on offscreen Qt. The app is
driven by its `--script` test hook: key events go through the same path as a user's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

from bc.data.archive import load

TIMEOUT_S = 120


def run_app(tmp_path: Path, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the app on CartPole (5-step episodes, 200 fps) with a script; return the result."""
    (tmp_path / "script.txt").write_text(script)
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path / "config"), SDL_VIDEODRIVER="dummy")
    command = [
        sys.executable, "-m", "recorder_app", "--env", "CartPole-v1",
        "--env-kwargs", '{"max_episode_steps": 5}', "--dataset", str(tmp_path / "e2e.npz"),
        "--fps", "200", "--countdown", "0", "--seed", "7", "--no-gamepad",
        "--script", str(tmp_path / "script.txt"), *args,
    ]  # fmt: skip
    if shutil.which("xvfb-run"):
        env["QT_QPA_PLATFORM"] = "xcb"
        command = ["xvfb-run", "-a", "-s", "-screen 0 1280x720x24", *command]
    else:
        env["QT_QPA_PLATFORM"] = "offscreen"
    return subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=TIMEOUT_S
    )


def test_the_program_records_two_episodes_and_exits_cleanly(tmp_path):
    script = """
        wait ready
        press Right
        trigger record
        wait recording on
        wait saved 2
        release Right
        trigger record
        wait recording off
        close keep
    """
    result = run_app(tmp_path, script)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    data = load(tmp_path / "e2e.npz")
    assert data.n_episodes >= 2
    assert list(data.episode_lengths[:2]) == [5, 5]
    assert np.all(data.actions[:10] == 1)
    assert list(data.episode_seeds[:2]) == [7, 8]  # --seed 7, however long practice ran
    assert data.metadata["env_id"] == "CartPole-v1"
    assert not (tmp_path / "e2e.npz.journal").exists()  # merged on stop
    with np.load(tmp_path / "e2e.npz", allow_pickle=False) as f:
        assert {"obs", "actions", "rewards", "episode_returns", "episode_starts"} <= set(f.files)


def test_sigterm_mid_episode_saves_everything_and_exits(tmp_path):
    script = """
        wait ready
        trigger record
        wait saved 1
        signal TERM
    """
    result = run_app(tmp_path, script)
    assert result.returncode == 0, result.stderr
    data = load(tmp_path / "e2e.npz")
    assert data.n_episodes >= 1
    assert not (tmp_path / "e2e.npz.journal").exists()
