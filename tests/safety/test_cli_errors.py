"""Hole 11 (dataset commands): bad input gets one line on stderr, exit 2 for usage, 1 otherwise."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from bc.cli import main

from .files import valid_arrays


def _nan_forbidden(text: str) -> None:
    raise AssertionError(f"--json printed {text}")


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A folder (the CWD) with a valid dataset `ok.npz` and a few broken ones."""
    monkeypatch.chdir(tmp_path)
    arrays = valid_arrays()
    np.savez(tmp_path / "ok.npz", **arrays)
    zero_d = dict(arrays, obs=np.array(1.0), episode_starts=np.array(True))
    np.savez(tmp_path / "zero_d.npz", **zero_d)
    inf = dict(arrays, episode_returns=np.array([np.inf, 3.0]))
    np.savez(tmp_path / "inf.npz", **inf)
    nan = dict(arrays, episode_returns=np.array([np.nan, np.nan]))
    np.savez(tmp_path / "nan.npz", **nan)
    return tmp_path


def _exit_code(args):
    """main()'s exit code; argparse's own usage errors exit (code 2) as they do in the shell."""
    try:
        return main(args)
    except SystemExit as stop:
        return stop.code


def _one_line_error(capsys, code, expected_code, fragment):
    captured = capsys.readouterr()
    assert code == expected_code, captured.err
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert fragment in lines[0], lines[0]
    assert "Traceback" not in captured.err


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (["info", "zero_d.npz"], 1, "'obs' is a 0-d array"),
        (["plot", "zero_d.npz"], 1, "'episode_starts' is a 0-d array"),
        (["info", "."], 1, "is a folder"),
        (["info", "missing"], 1, "missing.npz: no such file"),
        (["info", "a" * 300], 1, "File name too long"),
        (["export", "ok.npz", "--out", "x.gif", "--fps", "0"], 2, "--fps must be a positive"),
        (["export", "ok.npz", "--out", "x.gif", "--fps", "nan"], 2, "--fps must be a positive"),
        (["export", "ok.npz", "--out", "x.gif", "--episode", "7"], 1, "no episode 7"),
        (["record", "CartPole-v1", "--out", "r.npz", "--seed", "-1"], 2, "--seed must be"),
        (
            ["record", "CartPole-v1", "--out", "r.npz", "--seed", str(2**63 - 1)],
            2,
            "--seed must be between 0 and 9223372036854775797",
        ),
        (["record", "CartPole-v1", "--out", "r.npz", "--episodes", "0"], 2, "--episodes must be"),
        (["check", "ok.npz", "--env", "CartPole-v1", "--env-kwargs", "{"], 2, "not valid JSON"),
        (["export", "ok.npz", "--out", "x.mp4", "--fps", "1e308"], 2, "up to 1000"),
        (["export", "ok.npz", "--out", "."], 2, "--out . is a folder"),
        (["plot", "ok.npz", "--out", "."], 2, "--out . is a folder"),
        (["record", "CartPole-v1", "--out", "ok.npz/x"], 2, "ok.npz is a file, not a folder"),
    ],
)
def test_bad_input_is_one_line(data_dir, capsys, args, code, fragment):
    _one_line_error(capsys, _exit_code(args), code, fragment)


def test_bad_record_numbers_leave_no_files(data_dir, capsys):
    for seed in ("-1", str(2**63 - 1)):
        assert main(["record", "CartPole-v1", "--out", "r.npz", "--seed", seed]) == 2
    assert sorted(p.name for p in data_dir.iterdir() if p.name.startswith("r")) == []


def test_plot_with_an_infinite_return_skips_it(data_dir, capsys):
    assert main(["plot", "inf.npz", "--out", "p.png"]) == 0, capsys.readouterr().err
    assert (data_dir / "p.png").stat().st_size > 0


def test_plot_with_no_finite_return_is_one_line(data_dir, capsys):
    _one_line_error(capsys, main(["plot", "nan.npz"]), 1, "no episode has a finite return")


@pytest.mark.parametrize("name", ["nan.npz", "inf.npz"])
def test_json_never_prints_nan(data_dir, capsys, name):
    assert main(["info", name, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out, parse_constant=_nan_forbidden)
    assert summary["return_mean"] is None


def test_usage_errors_exit_2_from_the_real_program(data_dir):
    run = [sys.executable, "-m", "bc"]
    usage = (["no-such-command"], ["info"], ["export", "ok.npz", "--out", "x.gif", "--fps", "0"])
    for args in usage:
        proc = subprocess.run([*run, *args], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 2, (args, proc.stderr)
        assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("seed", [-1, 2**63 - 1])
def test_api_refuses_bad_seeds_before_recording(tmp_path, seed):
    import gymnasium as gym

    import bc
    from bc.errors import UsageError

    env = gym.make("CartPole-v1")
    with pytest.raises(UsageError, match="seed must be between 0 and"):
        bc.generate_expert_traj(lambda o: 0, str(tmp_path / "s"), env, n_episodes=2, seed=seed)
    env.close()
    assert list(tmp_path.iterdir()) == []
