"""The core library stays Qt-free and light to import."""

import subprocess
import sys


def test_importing_bc_loads_no_qt():
    code = (
        "import sys, bc, bc.storage, bc.recorder, bc.record, bc.dataset, bc.dataloader, bc.cli;"
        "import bc.train.policies, bc.train.loop, bc.evaluation, bc.train.model;"
        "bad = [m for m in sys.modules if m.startswith(('PyQt', 'pyqtgraph', 'recorder_app'))];"
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_import_bc_does_not_load_torch():
    code = "import sys, bc, bc.storage, bc.record; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr
