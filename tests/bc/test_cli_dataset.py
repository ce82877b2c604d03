"""The `demorec` command's dataset sub-commands, run as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from bc.cli import main


def test_record_info_check_plot(tmp_path, capsys):
    out = tmp_path / "cp.npz"
    assert (
        main(
            [
                "record",
                "--env",
                "CartPole-v1",
                "--expert",
                "bc.experts:cartpole_balance",
                "--episodes",
                "3",
                "--seed",
                "0",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert "recorded 3 episodes, 1500 steps, mean return 500.00" in capsys.readouterr().out
    assert main(["info", str(out), "--episodes"]) == 0
    text = capsys.readouterr().out
    assert "episodes           3" in text and "truncated" in text
    assert main(["info", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["steps"] == 1500 and summary["env_id"] == "CartPole-v1"
    assert main(["check", str(out), "--env", "CartPole-v1"]) == 0
    assert main(["plot", str(out)]) == 0
    png = tmp_path / "cp_returns.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    short = tmp_path / "short.npz"
    assert (
        main(
            [
                "record",
                "--env",
                "CartPole-v1",
                "--episodes",
                "2",
                "--seed",
                "0",
                "--out",
                str(short),
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["export", str(short), "--episode", "1", "--out", str(tmp_path / "ep1.gif")]) == 0
    n = int(
        np.load(short)["episode_starts"].size - np.flatnonzero(np.load(short)["episode_starts"])[1]
    )
    assert f"({n} frames)" in capsys.readouterr().out


def test_record_lunar_lander_heuristic_and_random(tmp_path, capsys):
    assert (
        main(
            [
                "record",
                "--env",
                "LunarLander-v3",
                "--expert",
                "bc.experts:lunar_lander_heuristic",
                "--episodes",
                "2",
                "--seed",
                "1",
                "--out",
                str(tmp_path / "ll"),
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "record",
                "--env",
                "LunarLander-v3",
                "--env-kwargs",
                '{"continuous": true}',
                "--expert",
                "bc.experts:lunar_lander_heuristic",
                "--episodes",
                "1",
                "--out",
                str(tmp_path / "llc"),
            ]
        )
        == 0
    )
    assert (
        main(["record", "--env", "Pendulum-v1", "--episodes", "1", "--out", str(tmp_path / "pe")])
        == 0
    )
    with np.load(tmp_path / "llc.npz") as npz:
        assert npz["actions"].shape[1:] == (2,)


def test_check_reports_problems_with_exit_1(tmp_path, capsys, sb2_cartpole):
    assert main(["check", str(sb2_cartpole), "--env", "Pendulum-v1"]) == 1
    err = capsys.readouterr().err
    assert "problem: observations are (4,), the env's are (3,)" in err
    np.savez(tmp_path / "bad.npz", obs=np.zeros((3, 2)))
    assert main(["check", str(tmp_path / "bad.npz")]) == 1
    assert "missing key(s) actions, rewards" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["info", "missing.npz"], 1, "demorec info: error: missing.npz: no such file"),
        (
            ["record", "--env", "NoSuchEnv-v9", "--out", "x"],
            1,
            "demorec record: error: unknown env id 'NoSuchEnv-v9'",
        ),
        (
            ["record", "--env", "CartPole-v1", "--expert", "os:nothing", "--out", "x"],
            1,
            "demorec record: error: module 'os' has no expert 'nothing'",
        ),
        (
            ["record", "--env", "CartPole-v1", "--expert", "noexpert", "--out", "x"],
            1,
            "demorec record: error: expert must be given as 'module:callable'",
        ),
        (
            ["record", "--env", "Blackjack-v1", "--out", "x"],
            1,
            "demorec record: error: unsupported observation space Tuple",
        ),
        (
            ["record", "--env", "CartPole-v1", "--env-kwargs", "[1]", "--out", "x"],
            2,
            "demorec record: error: argument --env-kwargs: must be a JSON object",
        ),
        (["record", "--out", "x"], 2, "demorec record: error: record needs an env: give --env"),
        (["info"], 2, "demorec info: error: the following arguments are required: dataset"),
        (["info", "x.npz", "--bogus"], 2, "demorec: error: unrecognized arguments: --bogus"),
    ],
)
def test_errors_are_one_line_with_their_exit_code(tmp_path, args, code, message):
    proc = subprocess.run(
        [sys.executable, "-m", "bc", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert proc.returncode == code, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), proc.stderr
    assert "Traceback" not in proc.stderr
