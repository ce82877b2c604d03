"""The wheel: it holds every asset, both packages whole, the licence, and the right scripts.

The wheel is built from a copy of the project's files (pip, no build isolation, no index), so
the test needs no network and leaves no build folders in the tree. CI (.ci/run) also installs a
wheel into a clean venv outside the tree and runs the app from it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from importlib.metadata import version
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bc", "recorder_app")
HEADLESS_FORBIDDEN = ("pyqt6", "pyqtgraph", "pygame-ce", "pygame", "platformdirs")


def build_wheel(src_root: Path, out: Path) -> Path:
    """Build the project's wheel from a copy of its files; returns the .whl path."""
    src = out / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(src_root / name, src / name)
    for package in PACKAGES:
        shutil.copytree(
            src_root / package, src / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    dist = out / "dist"
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    result = subprocess.run(
        [*command, "--no-index", "--quiet", "-w", str(dist), str(src)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    (wheel,) = dist.glob("demo_recorder-*.whl")
    return wheel


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    path = build_wheel(ROOT, tmp_path_factory.mktemp("wheel"))
    with zipfile.ZipFile(path) as zf:
        yield zf


def _dist_info(wheel: zipfile.ZipFile, name: str) -> str:
    (found,) = [n for n in wheel.namelist() if re.fullmatch(rf"[^/]+\.dist-info/{name}", n)]
    return wheel.read(found).decode()


def test_wheel_holds_every_asset(wheel):
    names = set(wheel.namelist())
    assets = [p for p in (ROOT / "recorder_app" / "assets").rglob("*") if p.is_file()]
    assert len([p for p in assets if p.suffix == ".json"]) >= 9  # shortcuts + 8 key maps
    for path in assets:
        assert path.relative_to(ROOT).as_posix() in names, path


def test_wheel_holds_both_packages_whole_and_no_tests(wheel):
    names = set(wheel.namelist())
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            assert path.relative_to(ROOT).as_posix() in names, path
        assert f"{package}/py.typed" in names
    assert not any(n.startswith(("tests/", "bench/", "docs/")) for n in names)


def test_wheel_metadata_version_licence_and_scripts(wheel):
    meta = Parser().parsestr(_dist_info(wheel, "METADATA"))
    assert meta["Name"] == "demo-recorder"
    assert meta["Version"] == version("demo-recorder")  # one version source
    assert meta["License-Expression"] == "MIT"
    assert "MIT License" in _dist_info(wheel, "licenses/LICENSE")
    scripts = _dist_info(wheel, "entry_points.txt")
    assert "demorec = bc.cli:main" in scripts
    assert "recorder-app = recorder_app.app:main" in scripts
    assert not re.search(r"^bc\s*=", scripts, re.MULTILINE)  # never shadow the calculator


def test_base_install_is_headless_and_the_app_extra_adds_the_gui(wheel):
    meta = Parser().parsestr(_dist_info(wheel, "METADATA"))
    requires = meta.get_all("Requires-Dist")
    base = [r for r in requires if "extra ==" not in r]
    app = [r for r in requires if re.search(r"extra == ['\"]app['\"]", r)]

    def names(reqs: list[str]) -> set[str]:
        return {re.split(r"[\s\[<>=!;~]", r, maxsplit=1)[0].lower() for r in reqs}

    assert not names(base) & set(HEADLESS_FORBIDDEN), base
    assert not any("classic-control" in r or "box2d" in r for r in base), base
    assert {"numpy", "gymnasium", "torch", "tqdm"} <= names(base)
    assert {"pyqt6", "pyqtgraph", "pygame-ce", "platformdirs"} <= names(app)
