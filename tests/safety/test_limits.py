"""Hole 7: untrusted files must not exhaust memory or hang; each gets a clear error first.

Every hostile read runs in a child process under an address-space limit (tests/safety/bounded.py):
an unbounded allocation fails there instead of in the test process, and a hang is a timeout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import bc

from .bounded import run_bounded
from .files import huge_png, image_dataset, valid_arrays, with_metadata, zip_bomb_npz

GIB = 1 << 30


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory):
    """A 2 GiB-inflating .npz of a few MB."""
    return zip_bomb_npz(tmp_path_factory.mktemp("bomb") / "bomb.npz", 2 * GIB)


def test_zip_bomb_npz_is_refused_before_inflating(bomb):
    assert bomb.stat().st_size < 4 << 20  # small on disk
    out = run_bounded(f"import bc; bc.load({str(bomb)!r})")
    assert out.error_class == "LimitError", (out.returncode, out.stdout, out.stderr[-2000:])
    assert "inflates to 2.0 GiB" in out.result and "--max-bytes" in out.result


def test_forged_npy_header_is_refused_before_allocating(tmp_path):
    import zipfile

    from .files import npy_header

    path = tmp_path / "forged.npz"
    arrays = valid_arrays()
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("obs.npy", npy_header((10**12, 3)))  # declares 24 TB, holds nothing
        for key in ("actions", "rewards", "episode_returns", "episode_starts"):
            with zf.open(f"{key}.npy", "w") as fh:
                np.lib.format.write_array(fh, arrays[key])
    out = run_bounded(f"import bc; bc.load({str(path)!r})")
    assert out.error_class == "LimitError", (out.stdout, out.stderr[-2000:])
    assert "declares shape (1000000000000, 3)" in out.result


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_image_path_naming_a_device_is_refused(tmp_path, device):
    path = image_dataset(tmp_path, [device, device])
    out = run_bounded(
        f"import bc; bc.load({str(path)!r}, check_images=False).observation_space()",
        timeout=30,
    )
    assert out.returncode is not None, "hung reading a device"
    assert out.error_class in ("DatasetError", "MissingImagesError"), out.stderr[-2000:]
    assert "not a regular file" in out.result


def test_image_path_naming_a_fifo_does_not_hang(tmp_path):
    fifo = tmp_path / "frame.png"
    os.mkfifo(fifo)
    path = image_dataset(tmp_path, ["frame.png", "frame.png"])
    out = run_bounded(
        f"import bc; bc.load({str(path)!r}, check_images=False).observation_space()",
        timeout=30,
    )
    assert out.returncode is not None, "hung opening a FIFO"
    assert "not a regular file" in out.result, out.stderr[-2000:]


def test_huge_png_is_refused_from_its_header(tmp_path):
    folder = tmp_path / "recorded_images"
    folder.mkdir()
    huge_png(folder / "0.png", 16000, 16000)
    assert (folder / "0.png").stat().st_size < 4 << 20
    path = image_dataset(tmp_path, ["recorded_images/0.png", "recorded_images/0.png"])
    body = f"""
    import bc
    from bc.replay import EpisodeReplay
    data = bc.load({str(path)!r})
    EpisodeReplay(data, 0).frame(0)
    """
    out = run_bounded(body, mem_mib=1024)
    assert out.error_class == "LimitError", (out.stdout, out.stderr[-2000:])
    assert "16000x16000" in out.result and "--max-image-pixels" in out.result


def test_box_shape_of_ten_to_the_ten_in_metadata(tmp_path):
    meta = {
        "observation_space": {
            "type": "Box",
            "shape": [100000, 100000],
            "dtype": "float32",
            "low": "-inf",
            "high": "inf",
        }
    }
    np.savez(tmp_path / "box.npz", **with_metadata(valid_arrays(), meta))
    out = run_bounded(f"import bc; bc.ExpertDataset({str(tmp_path / 'box.npz')!r}, verbose=0)")
    assert out.error_class == "LimitError", (out.stdout, out.stderr[-2000:])
    assert "10000000000 elements" in out.result and "--max-space-size" in out.result


def test_sb2_integer_observation_of_a_billion_is_refused(tmp_path):
    from bc.errors import LimitError

    arrays = valid_arrays()
    arrays["obs"] = np.array([[0], [1], [10**9], [2], [3], [4]], dtype=np.int64)
    np.savez(tmp_path / "onehot.npz", **arrays)
    with pytest.raises(LimitError, match=r"n=1000000001, over the limit .*--max-space-size"):
        bc.ExpertDataset(str(tmp_path / "onehot.npz"), verbose=0)


def _mib_dataset(tmp_path):
    arrays = valid_arrays(n=50_000)  # 1.2 MB of observations
    np.savez(tmp_path / "mib.npz", **arrays)
    return tmp_path / "mib.npz"


def test_limits_are_raised_by_keyword_override_and_environment(tmp_path, monkeypatch):
    from bc import limits
    from bc.errors import LimitError, UsageError

    path = _mib_dataset(tmp_path)
    small = limits.Limits(max_bytes=100_000)
    with pytest.raises(LimitError, match="over the limit of 97.7 KiB"):
        bc.load(path, limits=small)
    assert bc.load(path).n_steps == 50_000  # the default allows it
    monkeypatch.setenv("BC_MAX_BYTES", "100K")
    with pytest.raises(LimitError, match="BC_MAX_BYTES"):
        bc.load(path)
    with limits.override(max_bytes=10 << 20):
        assert bc.load(path).n_steps == 50_000
    monkeypatch.setenv("BC_MAX_BYTES", "lots")
    with pytest.raises(UsageError, match="BC_MAX_BYTES"):
        bc.load(path)


def test_cli_flag_raises_the_limit(tmp_path):
    path = _mib_dataset(tmp_path)
    env = dict(os.environ, BC_MAX_BYTES="100K")
    run = [sys.executable, "-m", "bc"]
    refused = subprocess.run([*run, "info", str(path)], capture_output=True, text=True, env=env)
    assert refused.returncode == 1 and "--max-bytes" in refused.stderr
    assert refused.stderr.count("\n") == 1
    allowed = subprocess.run(
        [*run, "--max-bytes", "2M", "info", str(path), "--json"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert allowed.returncode == 0, allowed.stderr
    assert json.loads(allowed.stdout)["steps"] == 50_000
    bad = subprocess.run([*run, "--max-bytes", "-5", "info", str(path)], capture_output=True)
    assert bad.returncode == 2
