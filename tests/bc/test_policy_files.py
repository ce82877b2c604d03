"""Policy zips are untrusted input: bad versions and inflating members get one clear error.

Issue 8, hole 7's policy-zip part (a JSON member inflating to 1.5 GiB is refused before it is
decompressed) and hole 11's bad `format_version`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile

import pytest
from gymnasium import spaces

from bc.errors import PolicyFileError
from bc.train.policies import MAX_SPEC_BYTES, Policy


def _saved(tmp_path):
    return Policy(spaces.Box(-1, 1, shape=(3,)), spaces.Discrete(2), hidden=(8,)).save(
        tmp_path / "p.zip"
    )


def _rewrite_spec(path, change):
    with zipfile.ZipFile(path) as zf:
        spec = json.loads(zf.read("spec.json"))
        weights = zf.read("weights.pt")
    change(spec)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("spec.json", json.dumps(spec))
        zf.writestr("weights.pt", weights)


@pytest.mark.parametrize("version", ["abc", 1.5, None, -1, [1], True])
def test_a_bad_format_version_is_one_clear_error(tmp_path, version):
    path = _saved(tmp_path)
    _rewrite_spec(path, lambda spec: spec.__setitem__("format_version", version))
    with pytest.raises(PolicyFileError, match="format_version must be a whole number"):
        Policy.load(path)
    proc = subprocess.run(
        [sys.executable, "-m", "bc", "eval", str(path), "--env", "CartPole-v1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1, proc.stderr
    assert "format_version" in proc.stderr


def test_a_newer_format_version_names_the_version(tmp_path):
    path = _saved(tmp_path)
    _rewrite_spec(path, lambda spec: spec.__setitem__("format_version", 99))
    with pytest.raises(PolicyFileError, match="policy format 99 is newer"):
        Policy.load(path)


def _bomb(path, member, size):
    """A zip whose `member` inflates to `size` bytes of spaces (a few MB compressed)."""
    chunk = b" " * (1 << 20)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        with zf.open(member, "w", force_zip64=True) as fh:
            fh.write(b'{"format": "demo-recorder policy"')
            for _ in range(size >> 20):
                fh.write(chunk)
            fh.write(b"}")
        if member != "weights.pt":
            zf.writestr("weights.pt", b"")


def test_a_spec_that_inflates_to_gigabytes_is_refused_before_decompressing(tmp_path):
    path = tmp_path / "bomb.zip"
    _bomb(path, "spec.json", 3 << 29)  # 1.5 GiB inflated
    assert path.stat().st_size < 10 << 20
    code = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"  # 1 GiB address space
        "from bc.train.policies import Policy\n"
        "from bc.errors import PolicyFileError\n"
        "try:\n"
        f"    Policy.load({str(path)!r})\n"
        "except PolicyFileError as exc:\n"
        "    print(exc)\n"
        "    sys.exit(3)\n"
    )
    # the child process holds at most 1 GiB of address space: reading the member would fail
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 3, proc.stderr
    assert "spec.json inflates to 1536 MiB" in proc.stdout
    assert MAX_SPEC_BYTES <= 1 << 20


def test_weights_over_the_limit_are_refused_and_the_limit_can_be_raised(tmp_path):
    path = _saved(tmp_path)
    with pytest.raises(PolicyFileError, match=r"weights.pt inflates to .* over the 0 MiB limit"):
        Policy.load(path, max_bytes=100)
    assert Policy.load(path, max_bytes=1 << 20).hidden == (8,)
