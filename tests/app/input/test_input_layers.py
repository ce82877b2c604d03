"""The input package's layering: Qt only at the edge, no import cycles, no env on the GUI thread."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import pytest

INPUT = Path(__file__).resolve().parents[3] / "recorder_app" / "input"


def _imports(module: str) -> set[str]:
    tree = ast.parse((INPUT / f"{module}.py").read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
    return found


def test_importing_the_mapping_loads_neither_qt_nor_sdl():
    code = (
        "import sys, recorder_app.input.mapping, recorder_app.input.keymaps, "
        "recorder_app.input.human;"
        "print([m for m in sys.modules if m.startswith(('PyQt', 'pygame'))])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_no_module_of_the_package_imports_one_that_imports_it_back():
    modules = {p.stem for p in INPUT.glob("*.py") if p.stem != "__init__"}
    graph = {
        m: {i.rsplit(".", 1)[-1] for i in _imports(m) if i.startswith("recorder_app.input.")}
        for m in modules
    }

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(
            n == goal or (n not in seen and reaches(n, goal, seen | {n})) for n in graph[start]
        )

    cycles = sorted(m for m in modules if reaches(m, m, set()))
    assert cycles == []
    assert "recorder_app.input.atari" not in _imports("bindings")


def test_atari_key_maps_come_from_hints_without_making_an_env(monkeypatch):
    import ale_py

    from bc.envs import make_env
    from recorder_app.input.atari import key_hints
    from recorder_app.input.keymaps import load_bindings

    gym.register_envs(ale_py)
    env = make_env("ALE/Breakout-v5", render_mode=None)  # the runner's env, on its thread
    hints = key_hints(env)

    def no_env(*_args, **_kwargs):
        raise AssertionError("an env was made while loading key maps")

    monkeypatch.setattr(gym, "make", no_env)
    monkeypatch.setattr("bc.envs.make_env", no_env)
    bindings = load_bindings("ALE/Breakout-v5", env.action_space, hints)
    assert bindings.action_names == tuple(env.unwrapped.get_action_meanings())
    assert any(b.keys == ("Space",) for b in bindings.keys)
    with pytest.raises(AssertionError, match="an env was made"):
        gym.make("ALE/Breakout-v5")
