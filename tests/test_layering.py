"""The layers hold: `bc` loads no Qt, the app's core loads no Qt, widgets never import workers."""

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    """Every module a source file imports (absolute names), at any depth of the file."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _offenders(folder: str, banned: tuple[str, ...]) -> dict[str, list[str]]:
    found = {}
    for path in sorted((ROOT / folder).rglob("*.py")):
        bad = sorted(n for n in _imports(path) if n.startswith(banned))
        if bad:
            found[str(path.relative_to(ROOT))] = bad
    return found


def test_no_qt_under_bc():
    assert _offenders("bc", ("PyQt", "pyqtgraph", "superqt", "recorder_app")) == {}


def test_widgets_never_import_workers_or_controllers():
    banned = ("recorder_app.workers", "recorder_app.controllers", "recorder_app.session")
    assert _offenders("recorder_app/widgets", banned) == {}


def test_the_app_core_and_state_are_qt_free():
    banned = ("PyQt", "pyqtgraph", "superqt", "recorder_app.workers", "recorder_app.widgets")
    assert _offenders("recorder_app/core", banned) == {}
    assert {k: v for k, v in _offenders("recorder_app", banned).items() if "state.py" in k} == {}


def test_workers_never_import_widgets():
    assert _offenders("recorder_app/workers", ("recorder_app.widgets",)) == {}


def _loaded_after(imports: str, prefixes: tuple[str, ...]) -> list[str]:
    """Modules starting with `prefixes` that a fresh interpreter holds after `imports`."""
    code = (
        f"import json, sys; {imports}; "
        f"print(json.dumps(sorted(m for m in sys.modules if m.startswith({prefixes!r}))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return list(json.loads(out.stdout))


def test_importing_bc_loads_no_qt():
    imports = (
        "import bc, bc.data.archive, bc.data.recorder, bc.record, bc.dataset, bc.dataloader, bc.cli, "
        "bc.train.policies, bc.train.loop, bc.evaluation, bc.train.model, bc.rollout"
    )
    assert _loaded_after(imports, ("PyQt", "pyqtgraph", "recorder_app")) == []


def test_the_app_core_runs_without_qt():
    imports = "import recorder_app.core.runner, recorder_app.core.loop, recorder_app.state"
    assert _loaded_after(imports, ("PyQt", "pyqtgraph", "superqt")) == []


def test_import_bc_does_not_load_torch():
    code = "import sys, bc, bc.data.archive, bc.record, bc.rollout; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr


def test_only_the_cli_imports_the_cli():
    offenders = _offenders("bc", ("bc.cli",)).items()
    found = {k: v for k, v in offenders if "/cli/" not in k and not k.endswith("__main__.py")}
    assert found == {}


# Old module paths kept as re-export shims for users' imports (docs/design.md, "Module paths").
SHIMS = ("bc.storage", "bc.checks", "bc.policies", "bc.trainer", "bc.model", "bc.sb3")


def test_nothing_in_the_project_imports_the_old_module_paths():
    found = {}
    for folder in ("bc", "recorder_app", "tests", "bench", "docs"):
        for name, mods in _offenders(folder, SHIMS).items():
            if name not in {f"bc/{m.split('.')[1]}.py" for m in SHIMS}:
                found[name] = mods
    assert found == {}


# Packages whose __init__ re-exports its modules' names for users: the project imports each
# name from the module that defines it (docs/design.md, "Module paths").
REEXPORTING_PACKAGES = ("bc.interactive",)


def test_the_project_imports_names_from_their_modules_not_the_reexporting_packages():
    found = {}
    for folder in ("bc", "recorder_app", "tests", "bench", "docs"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            bad = sorted(_imports(path) & set(REEXPORTING_PACKAGES))
            if bad and path.name != "__init__.py":
                found[str(path.relative_to(ROOT))] = bad
    assert found == {}


def test_the_reexporting_packages_reexport_every_public_name_of_their_modules():
    import importlib
    import inspect
    import pkgutil

    for name in REEXPORTING_PACKAGES:
        package = importlib.import_module(name)
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{name}.{info.name}")
            defined = {
                k
                for k, v in vars(module).items()
                if not k.startswith("_")
                and (inspect.isfunction(v) or inspect.isclass(v))
                and v.__module__ == module.__name__
            }
            assert defined <= set(package.__all__), (
                module.__name__,
                defined - set(package.__all__),
            )
            for k in package.__all__:
                if hasattr(module, k) and k in defined:
                    assert getattr(package, k) is getattr(module, k)


def test_the_old_module_paths_still_import_the_same_objects():
    import importlib

    import bc.data.archive
    import bc.data.arrays
    import bc.data.checks
    import bc.data.editing

    storage = importlib.import_module("bc.storage")
    assert storage.load is bc.data.archive.load
    assert storage.save is bc.data.archive.save
    assert storage.consolidate is bc.data.editing.consolidate
    assert storage.DatasetArrays is bc.data.arrays.DatasetArrays
    assert importlib.import_module("bc.checks").check_dataset is bc.data.checks.check_dataset


def test_bc_data_sits_below_the_rest_of_bc():
    below = {"data", "errors", "limits", "spaces", "envs", "__init__"}
    above = tuple(
        f"bc.{p.stem if p.is_file() else p.name}"
        for p in (ROOT / "bc").iterdir()
        if (p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists()))
        and p.stem not in below
    )
    assert _offenders("bc/data", above) == {}


def test_bc_data_modules_import_only_those_below_them():
    """The order of bc/data/__init__.py's docstring is an import order: no cycles possible."""
    doc = ast.get_docstring(ast.parse((ROOT / "bc/data/__init__.py").read_text("utf-8"))) or ""
    order = re.findall(r"`(\w+)`", doc.split("lowest first", 1)[1])
    files = {p.stem for p in (ROOT / "bc/data").glob("*.py")} - {"__init__"}
    assert sorted(order) == sorted(files)
    for i, name in enumerate(order):
        tree = ast.parse((ROOT / f"bc/data/{name}.py").read_text("utf-8"))
        for node in ast.walk(tree):  # type-only imports (if TYPE_CHECKING:) run never
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                node.body = []
        used = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "bc.data":
                used.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("bc.data."):
                used.add(node.module.split(".")[2])
        assert used <= set(order[:i]), (name, used - set(order[:i]))
