"""Hole 9: `check` is the contract. A file it passes loads, trains an epoch and replays; a file it
fails gets every problem listed. Proved by a property test over generated files."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bc
from bc.cli import main
from bc.replay import EpisodeReplay, policy_disagreement
from bc.train.policies import Policy

from .generated import DEFECTS, Spec, register_tiny_envs, write_dataset

register_tiny_envs()
CONTRACT_EXAMPLES = 25  # CI; bench/safety_cases.py runs many more


def _applicable(obs_kind: str, act_kind: str, with_meta: bool) -> list[str]:
    spec = Spec(obs_kind, act_kind, with_meta=with_meta)
    return [name for name in DEFECTS if spec.applicable(name)]


@st.composite
def specs(draw: st.DrawFn) -> Spec:
    """A file of any kind, with no defect half of the time and up to three otherwise."""
    obs_kind = draw(st.sampled_from(["vector", "discrete", "image"]))
    act_kind = draw(st.sampled_from(["discrete", "box"]))
    with_meta = draw(st.booleans())
    lengths = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    channels = draw(st.sampled_from([1, 3, 4]))
    pool = _applicable(obs_kind, act_kind, with_meta)
    defects = draw(
        st.one_of(st.just(()), st.lists(st.sampled_from(pool), max_size=3, unique=True).map(tuple))
    )
    seed = draw(st.integers(0, 2**16))
    return Spec(obs_kind, act_kind, lengths, with_meta, channels, defects, seed)


def expected_fragments(spec: Spec) -> list[str]:
    """What the report must contain: every defect of the first level the loader stops at."""
    for level in (2, 1):
        found = [DEFECTS[d].fragment for d in spec.defects if DEFECTS[d].stops_loading == level]
        if found:
            return found
    frags = [DEFECTS[d].fragment for d in spec.defects]
    if sum(spec.lengths) < 2:
        frags.append("training needs at least 2")
    return frags


def prove_contract(path: Path) -> None:
    """Load, train one epoch and replay every episode of a file that passed `check`."""
    from bc.envs import make_env

    data = bc.load(path)
    ds = bc.ExpertDataset(str(path), verbose=0, seed=0, sequential_preprocessing=True)
    try:
        policy = Policy(ds.observation_space, ds.action_space, hidden=(8,))
        history = bc.pretrain(policy, ds, n_epochs=1, seed=0, device="cpu")
        assert len(history.epochs) == 1
    finally:
        ds.close()
    env_id = data.metadata.get("env_id")
    for i in range(data.n_episodes):
        if data.is_image:
            replay = EpisodeReplay(data, i)
            assert all(replay.frame(j).dtype == np.uint8 for j in range(len(replay)))
        elif env_id:
            env = make_env(env_id, render_mode="rgb_array", trust_module=False)
            try:
                replay = EpisodeReplay(data, i, env)
                assert replay.frame(len(replay) - 1).ndim == 3
            finally:
                env.close()
        predicted, _ = policy_disagreement(lambda o: policy.predict(o)[0], data, i, ds.action_space)
        assert len(predicted) == int(data.episode_lengths[i])


@settings(
    max_examples=CONTRACT_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(spec=specs())
def test_check_is_the_contract(spec: Spec) -> None:
    from bc.data.checks import check_dataset

    torch.set_num_threads(1)
    folder = Path(tempfile.mkdtemp(prefix="bc-contract-")) / "d"
    folder.mkdir()
    try:
        path = write_dataset(folder, spec)
        report = check_dataset(path)
        wanted = expected_fragments(spec)
        for fragment in wanted:
            assert any(fragment in p for p in report.problems), (fragment, report.problems)
        if not wanted:
            assert report.ok, report.problems
        if report.ok:
            prove_contract(path)
    finally:
        shutil.rmtree(folder.parent, ignore_errors=True)


@pytest.mark.parametrize("defect", sorted(DEFECTS))
def test_check_command_lists_each_defect(tmp_path, capsys, defect):
    d = DEFECTS[defect]
    spec = Spec(d.obs_kinds[0], d.act_kinds[0], (3, 2), True, 3, (defect,))
    folder = tmp_path / "d"
    folder.mkdir()
    path = write_dataset(folder, spec)
    assert main(["check", str(path)]) == 1
    err = capsys.readouterr().err
    assert d.fragment in err and "Traceback" not in err


def test_every_problem_is_listed_at_once(tmp_path, capsys):
    defects = ("nan_reward", "bad_seed", "corrupt_png", "path_outside", "box_action_outside")
    folder = tmp_path / "d"
    folder.mkdir()
    path = write_dataset(folder, Spec("image", "box", (3, 3), True, 3, defects))
    assert main(["check", str(path)]) == 1
    err = capsys.readouterr().err
    for name in defects:
        assert DEFECTS[name].fragment in err
    assert f"{len(defects)} problem(s)" in err


def test_sb2_files_pass_the_contract(sb2_files):
    from bc.data.checks import check_dataset

    for path in sb2_files:
        report = check_dataset(path)
        assert report.ok, report.problems
        prove_contract(path)


@pytest.fixture
def sb2_files():
    data = Path(__file__).resolve().parents[1] / "data"
    return [data / "expert_cartpole.npz", data / "expert_pendulum.npz"]


def test_sb2_image_paths_relative_to_the_working_directory_pass_with_a_warning(
    tmp_path, monkeypatch
):
    from bc.data.checks import check_dataset

    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    folder = tmp_path / "data"
    path = write_dataset(folder, Spec("image", "discrete", (3, 2), False))
    (folder / "data_images").rename(tmp_path / "data_images")  # SB2: beside the CWD
    report = check_dataset(path)
    assert report.ok, report.problems
    assert any("working directory" in w for w in report.warnings)
    prove_contract(path)
