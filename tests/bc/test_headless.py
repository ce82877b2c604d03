"""The base install's promise: the library and `demorec` never load Qt, pygame or the app."""

from __future__ import annotations

import subprocess
import sys

GUI_MODULES = ("PyQt6", "pyqtgraph", "pygame", "platformdirs", "recorder_app")


def test_record_train_eval_load_no_gui_module(tmp_path):
    code = f"""
import sys
from bc.cli import main
data = {str(tmp_path / "cp.npz")!r}
assert main(["record", "--env", "CartPole-v1", "--expert", "bc.experts:cartpole_balance",
             "--episodes", "2", "--out", data]) == 0
assert main(["train", data, "--epochs", "1", "--eval-episodes", "1"]) == 0
assert main(["eval", data[:-4] + ".policy.zip", "--dataset", data, "--episodes", "1"]) == 0
assert main(["info", data]) == 0
print(sorted(m for m in sys.modules if m.split(".")[0] in {GUI_MODULES!r}))
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"
