"""`demorec` conventions: --version, help everywhere, -v/-q anywhere, one env option, progress."""

from __future__ import annotations

import argparse
import io
import json
import logging
import subprocess
import sys
from importlib.metadata import entry_points, version

import numpy as np
import pytest

from bc.cli import build_parser, main
from bc.cli.options import log_level, progress, set_quiet
from tests.bc.conftest import SB2_DATA

SB2_CARTPOLE = SB2_DATA / "expert_cartpole.npz"


def _run(*args: str, cwd=None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bc", *args], capture_output=True, text=True, timeout=120, cwd=cwd
    )


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def test_version_comes_from_the_installed_metadata():
    result = _run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"demorec {version('demo-recorder')}"
    import bc

    assert bc.__version__ == version("demo-recorder")


def test_console_scripts_are_demorec_and_recorder_app_never_bc():
    ours = {
        ep.name
        for ep in entry_points(group="console_scripts")
        if ep.value.split(".")[0] in ("bc", "recorder_app")
    }
    assert ours == {"demorec", "recorder-app"}


def test_every_subcommand_is_registered_in_the_help_order():
    """build_parser skips a group module that is missing: a renamed one must not drop commands."""
    assert list(_subcommands()) == [
        *("record", "info", "check", "plot", "export", "delete"),
        *("train", "eval", "pretrain-sb3", "merge", "convert", "label", "dagger"),
    ]


def test_every_subcommand_has_a_description_and_help_on_every_option():
    commands = _subcommands()
    assert {"record", "info", "check", "plot", "export", "train", "eval", "pretrain-sb3"} <= set(
        commands
    )
    for name, parser in commands.items():
        assert parser.description and len(parser.description) > 20, name
        for action in parser._actions:
            assert action.help and action.help != argparse.SUPPRESS, (name, action.dest)
        formatter = parser._get_formatter()
        for action in parser._actions:
            if action.option_strings and action.nargs != 0 and action.default is not None:
                # every option that takes a value shows its default
                assert "(default" in formatter._get_help_string(action), (name, action.dest)


def test_help_shows_defaults(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["train", "--help"])
    assert stop.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    from bc.train.config import DEFAULT_EPOCHS

    assert f"passes over the training set (default: {DEFAULT_EPOCHS})" in text
    assert "(default: the env the dataset was recorded in)" in text


@pytest.mark.parametrize(
    ("argv", "level"),
    [
        (["info", "x.npz"], logging.WARNING),
        (["info", "x.npz", "-v"], logging.INFO),
        (["info", "x.npz", "-vv"], logging.DEBUG),
        (["-v", "info", "x.npz"], logging.INFO),
        (["info", "x.npz", "-q"], logging.ERROR),
        (["-q", "train", "x.npz"], logging.ERROR),
        (["train", "x.npz", "--quiet", "--epochs", "1"], logging.ERROR),
    ],
)
def test_verbosity_works_before_and_after_the_subcommand(argv, level):
    assert log_level(build_parser().parse_args(argv)) == level


def test_progress_bars_only_on_a_terminal_and_never_with_quiet():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    real = sys.stderr
    try:
        for is_terminal, quiet, drawn in (
            (True, False, True),
            (False, False, False),
            (True, True, False),
        ):
            sys.stderr = Terminal() if is_terminal else io.StringIO()
            set_quiet(quiet)
            with progress(3, "ep", "testing") as bar:
                bar.update(3)
            assert bool(sys.stderr.getvalue()) == drawn, (is_terminal, quiet)
    finally:
        sys.stderr = real
        set_quiet(False)


def test_commands_are_silent_on_stderr_when_not_a_terminal(tmp_path):
    out = tmp_path / "cp.npz"
    result = _run(
        "record", "--env", "CartPole-v1", "--expert", "bc.experts:cartpole_balance",
        "--episodes", "2", "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0 and result.stderr == ""
    assert "recorded 2 episodes" in result.stdout


@pytest.fixture
def llc(tmp_path):
    """A continuous LunarLander recording: the env id and its kwargs are in the metadata."""
    path = tmp_path / "llc.npz"
    code = main(
        [
            "record", "--env", "LunarLander-v3", "--env-kwargs", '{"continuous": true}',
            "--expert", "bc.experts:lunar_lander_heuristic", "--episodes", "2", "--seed", "3",
            "--out", str(path),
        ]
    )  # fmt: skip
    assert code == 0
    return path


def test_train_without_env_uses_the_recorded_env_and_kwargs(llc, capsys):
    capsys.readouterr()
    assert main(["train", str(llc), "--epochs", "2", "--eval-episodes", "1"]) == 0
    out = capsys.readouterr().out
    assert 'LunarLander-v3 {"continuous": true}: mean return' in out
    policy = llc.with_name("llc.policy.zip")
    assert policy.is_file() and f"-> {policy}" in out
    # check (no --env) checks the spaces against the recorded env, eval takes it from --dataset
    assert main(["check", str(llc)]) == 0
    assert main(["eval", str(policy), "--dataset", str(llc), "--episodes", "1"]) == 0
    assert 'LunarLander-v3 {"continuous": true}: mean return' in capsys.readouterr().out
    # an explicit env overrides the metadata: the discrete lander does not fit
    assert main(["check", str(llc), "--env-kwargs", '{"continuous": false}']) == 1


def test_record_append_without_env_continues_in_the_recorded_env(llc, capsys):
    assert main(["record", "--out", str(llc), "--append", "--episodes", "1", "--seed", "9"]) == 0
    from bc.data.archive import load

    data = load(llc)
    assert data.n_episodes == 3 and data.actions.shape[1:] == (2,)
    assert data.metadata["env_kwargs"] == {"continuous": True}


def test_pretrain_sb3_without_env_uses_the_recorded_env(tmp_path, sb2_cartpole):
    path = tmp_path / "cp.npz"
    assert (
        main(
            ["record", "--env", "CartPole-v1", "--episodes", "2", "--seed", "0", "--out", str(path)]
        )
        == 0
    )
    out = tmp_path / "a2c.zip"
    args = ["pretrain-sb3", str(path), "--algo", "a2c", "--epochs", "1", "--learn-steps", "20"]
    assert main([*args, "--eval-episodes", "1", "--out", str(out)]) == 0
    assert out.is_file()
    # SB2's own files name no env: a usage error that says what to give
    result = _run("pretrain-sb3", str(sb2_cartpole), "--out", str(out))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "demorec pretrain-sb3: error: pretrain-sb3 needs an env: give --env ID "
        "(the dataset's metadata names none, as in SB2's files)"
    )


def test_old_forms_still_work_with_a_deprecation_note(tmp_path, sb2_cartpole):
    out = tmp_path / "old.npz"
    result = _run("record", "CartPole-v1", "--episodes", "1", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == (
        "demorec: deprecated: the env as a positional argument; use --env CartPole-v1"
    )
    result = _run(
        "train", str(sb2_cartpole), "--traj-limitation", "2", "--epochs", "1",
        "--eval-env", "CartPole-v1", "--eval-episodes", "1", "--out", str(tmp_path / "p.zip"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "deprecated: --eval-env; use --env CartPole-v1" in result.stderr
    assert "CartPole-v1: mean return" in result.stdout


def test_eval_without_any_env_is_a_usage_error(tmp_path, sb2_cartpole):
    policy = tmp_path / "p.zip"
    args = ["train", str(sb2_cartpole), "--traj-limitation", "2", "--epochs", "1"]
    assert main([*args, "--out", str(policy)]) == 0
    result = _run("eval", str(policy))
    assert result.returncode == 2
    assert "eval needs an env: give --env ID" in result.stderr


def test_info_json_of_recorded_metadata(llc, capsys):
    capsys.readouterr()
    assert main(["info", str(llc), "--json", "-q"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["env_id"] == "LunarLander-v3"
    assert np.isfinite(summary["return_mean"])


def test_train_goes_on_when_the_recorded_env_cannot_be_made_here(tmp_path, capsys):
    from dataclasses import replace

    from bc.data.archive import load, save

    path = tmp_path / "cp.npz"
    assert main(["record", "--env", "CartPole-v1", "--episodes", "2", "--out", str(path)]) == 0
    data = load(path)
    # as a recording of an env whose package this machine lacks
    save(path, replace(data, metadata={**data.metadata, "env_id": "NotInstalled-v0"}))
    capsys.readouterr()
    assert main(["train", str(path), "--epochs", "1", "--out", str(tmp_path / "p.zip")]) == 0
    captured = capsys.readouterr()
    assert "not evaluating in the recorded env: unknown env id 'NotInstalled-v0'" in captured.err
    assert (tmp_path / "p.zip").is_file() and "mean return" not in captured.out
    # named explicitly, the env must work: exit 1
    code = main(["train", str(path), "--epochs", "1", "--env", "NotInstalled-v0"])
    assert code == 1
    # and SB2's own files name no env: trained, not evaluated, said so
    assert main(["train", str(SB2_CARTPOLE), "--traj-limitation", "2", "--epochs", "1",
                 "--out", str(tmp_path / "q.zip")]) == 0  # fmt: skip
    assert "not evaluating: the dataset names no env" in capsys.readouterr().err


def test_a_closed_pipe_is_not_reported_as_an_error(tmp_path, sb2_cartpole):
    """`demorec info x | head` where head has exited: no 'Broken pipe' line, no traceback."""
    import os

    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first write
    try:
        result = subprocess.run(
            [sys.executable, "-m", "bc", "info", str(sb2_cartpole), "--episodes"],
            stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120,
        )  # fmt: skip
    finally:
        os.close(write_end)
    assert result.stderr == "" and result.returncode == 1
