"""Hole 8: an env id stored in a file must not import code without the user's consent."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

MODULE = textwrap.dedent(
    """
    import pathlib
    import gymnasium as gym
    import numpy as np

    pathlib.Path("IMPORTED").write_text("the module's code ran")

    class Line(gym.Env):
        metadata = {"render_modes": ["rgb_array"], "render_fps": 30}

        def __init__(self, render_mode=None):
            self.observation_space = gym.spaces.Box(-10, 10, shape=(1,), dtype=np.float32)
            self.action_space = gym.spaces.Discrete(2)
            self.render_mode = render_mode
            self.t = 0

        def reset(self, *, seed=None, options=None):
            super().reset(seed=seed)
            self.t = 0
            return np.zeros(1, dtype=np.float32), {}

        def step(self, action):
            self.t += 1
            return np.full(1, self.t, dtype=np.float32), 1.0, self.t >= 3, False, {}

        def render(self):
            return np.full((8, 8, 3), 40 * self.t, dtype=np.uint8)

    gym.register("Line-v0", entry_point=Line)
    """
)


@pytest.fixture
def planted(tmp_path):
    """A dataset whose metadata names `plantedmod:Line-v0`, and that module on the path."""
    (tmp_path / "plantedmod.py").write_text(MODULE)
    n = 3
    np.savez(
        tmp_path / "d.npz",
        obs=np.zeros((n, 1), dtype=np.float32),
        actions=np.zeros((n, 1), dtype=np.int64),
        rewards=np.ones(n),
        episode_returns=np.array([3.0]),
        episode_starts=np.array([True, False, False]),
        episode_seeds=np.array([0]),
        metadata=np.array(json.dumps({"env_id": "plantedmod:Line-v0", "env_kwargs": {}})),
    )
    return tmp_path


def _bc(folder, *args):
    path = os.pathsep.join(p for p in (str(folder), os.environ.get("PYTHONPATH")) if p)
    env = dict(os.environ, PYTHONPATH=path)
    return subprocess.run(
        [sys.executable, "-m", "bc", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_export_refuses_an_env_id_that_imports_a_module(planted):
    proc = _bc(planted, "export", "d.npz", "--out", "e.gif")
    assert not (planted / "IMPORTED").exists(), "the file's env module was imported"
    assert proc.returncode == 1
    assert "would import module 'plantedmod'" in proc.stderr
    assert "--trust-env-module" in proc.stderr and proc.stderr.count("\n") == 1


def test_trust_flag_lets_the_file_import_its_module(planted):
    proc = _bc(planted, "export", "d.npz", "--out", "e.gif", "--trust-env-module")
    assert proc.returncode == 0, proc.stderr
    assert (planted / "IMPORTED").exists() and (planted / "e.gif").stat().st_size > 0


def test_an_id_the_user_types_is_trusted(planted):
    proc = _bc(planted, "check", "d.npz", "--env", "plantedmod:Line-v0")
    assert (planted / "IMPORTED").exists()
    assert proc.returncode == 0, proc.stderr


def test_check_warns_that_replay_needs_the_flag(planted):
    proc = _bc(planted, "check", "d.npz")
    assert proc.returncode == 0, proc.stderr
    assert "imports module 'plantedmod'" in proc.stdout
    assert not (planted / "IMPORTED").exists()


def test_api_refuses_untrusted_module_and_allows_imported_ones():
    from bc.envs import check_env_id_trusted, make_env, untrusted_module
    from bc.errors import UntrustedEnvModuleError

    with pytest.raises(UntrustedEnvModuleError, match="would import module 'no_such_mod_x'"):
        make_env("no_such_mod_x:Env-v0", trust_module=False)
    assert untrusted_module("CartPole-v1") is None
    assert untrusted_module("ALE/Pong-v5") is None
    assert untrusted_module("json:Env-v0") is None  # already imported: importing runs nothing
    check_env_id_trusted("gymnasium:CartPole-v1", trust_module=False)
    make_env("gymnasium:CartPole-v1", render_mode=None, trust_module=False).close()


def test_convert_does_not_import_the_files_env_module(planted):
    """Converting an older file re-simulates it in the recorded env: never one that imports code."""
    proc = _bc(planted, "convert", "d.npz", "out.npz")
    assert not (planted / "IMPORTED").exists(), "the file's env module was imported"
    assert proc.returncode == 0, proc.stderr
    assert "would import module 'plantedmod'" in proc.stderr  # why the last step was dropped


def test_train_and_eval_from_the_metadata_need_the_flag(planted):
    """`train` evaluates in the env the dataset names; an id that imports code needs consent."""
    proc = _bc(planted, "train", "d.npz", "--epochs", "1", "--train-fraction", "1")
    assert not (planted / "IMPORTED").exists(), "the file's env module was imported"
    assert "would import module 'plantedmod'" in proc.stderr
