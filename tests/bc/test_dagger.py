"""Interactive imitation: storage keys, label selection, the DAgger/HG-DAgger loop and CLI."""

from __future__ import annotations

import json

import gymnasium as gym
import numpy as np
import pytest

import bc
from bc.cli import main
from bc.data.archive import normalise_path
from bc.data.concat import concatenate
from bc.data.editing import delete_episodes
from bc.data.recorder import Recorder
from bc.dataset import ExpertDataset
from bc.experts import cartpole_balance
from bc.interactive.collection import collect
from bc.interactive.gates import DisagreementGate
from bc.interactive.takeover import TakeoverExpert
from bc.labels import count_labels, intervention_counts, label_mask
from tests.bc.test_sb2_compat import sb2_load


def _record(path, n_steps=(4, 3), discrete=True):
    """A demonstration, then a correction episode with interventions on its middle steps."""
    obs_space = gym.spaces.Box(-1, 1, (2,), np.float32)
    act_space = gym.spaces.Discrete(3) if discrete else gym.spaces.Box(-1, 1, (2,), np.float32)
    act = 1 if discrete else np.array([0.5, -0.5], np.float32)
    with Recorder(path, obs_space, act_space) as rec:
        rec.episode_kind = "demonstration"
        for i in range(n_steps[0]):
            rec.add_step(np.full(2, 0.1 * i, np.float32), act, 1.0)
        rec.end_episode(terminated=True)
        rec.episode_kind, rec.episode_round = "correction", 1
        for i in range(n_steps[1]):
            took = i == 1
            rec.add_step(
                np.full(2, -0.1 * i, np.float32),
                act,
                0.5,
                intervention=took,
                policy_action=None if took else (2 if discrete else np.zeros(2, np.float32)),
            )
        rec.end_episode()
    return normalise_path(path)


@pytest.mark.parametrize("discrete", [True, False])
def test_interactive_keys_round_trip_and_sb2_reads_them(tmp_path, discrete):
    path = _record(tmp_path / "mix", discrete=discrete)
    data = bc.load(path)
    assert data.is_interactive
    np.testing.assert_array_equal(data.interventions, [False] * 4 + [False, True, False])
    assert list(data.episode_kind) == ["demonstration", "correction"]
    assert list(data.episode_round) == [0, 1]
    with np.load(path) as npz:
        assert npz["interventions"].dtype == bool
        assert npz["episode_round"].dtype == np.int64
        assert npz["episode_kind"].dtype.kind == "U"
    if discrete:
        np.testing.assert_array_equal(data.policy_actions[:, 0], [-1] * 4 + [2, -1, 2])
    else:
        assert np.isnan(data.policy_actions[:4]).all() and np.isnan(data.policy_actions[5]).all()
        np.testing.assert_array_equal(data.policy_actions[4], [0, 0])
    obs, actions, returns, n_traj = sb2_load(path)
    assert len(obs) == len(actions) == 7 and n_traj == 2 and len(returns) == 2
    # select/delete keep the keys aligned; an old file appended to fills them as demonstrations
    second = data.select_episodes([1])
    np.testing.assert_array_equal(second.interventions, [False, True, False])
    assert list(second.episode_kind) == ["correction"]
    kept = delete_episodes(path, [0])
    assert list(kept.episode_kind) == ["correction"] and len(kept.policy_actions) == 3
    assert intervention_counts(kept).tolist() == [1]


def test_plain_file_reads_without_interactive_keys_and_joins_as_demonstrations(tmp_path):
    plain = tmp_path / "plain.npz"
    obs_space = gym.spaces.Box(-1, 1, (2,), np.float32)
    with Recorder(plain, obs_space, gym.spaces.Discrete(3)) as rec:
        for _ in range(3):
            rec.add_step(np.zeros(2, np.float32), 0, 1.0)
    data = bc.load(plain)
    assert not data.is_interactive and "interventions" not in data.to_arrays()
    joined = concatenate([data, bc.load(_record(tmp_path / "mix"))])
    assert list(joined.episode_kind) == ["demonstration", "demonstration", "correction"]
    assert not joined.interventions[: data.n_steps].any()
    assert (joined.policy_actions[: data.n_steps] == -1).all()


def test_bad_interactive_keys_are_reported(tmp_path):
    path = _record(tmp_path / "mix")
    with np.load(path) as npz:
        arrays = dict(npz)
    arrays["episode_kind"] = np.array(["demonstration", "nonsense"])
    arrays["interventions"] = arrays["interventions"][:-1]
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(bc.DatasetError) as err:
        bc.load(tmp_path / "bad.npz")
    assert "nonsense" in str(err.value) and "interventions" in str(err.value)


def test_label_selection(tmp_path):
    data = bc.load(_record(tmp_path / "mix"))
    assert count_labels(data, "all") == 7
    assert count_labels(data, "demonstrations") == 4
    assert count_labels(data) == 5  # the default: demonstrations + the one intervention
    np.testing.assert_array_equal(label_mask(data), [True] * 4 + [False, True, False])
    with pytest.raises(bc.BCError):
        label_mask(data, "everything")


def test_aggregate_trains_only_on_labels(tmp_path):
    """Policy-controlled steps carry a wrong action: training must never see them."""
    obs_space = gym.spaces.Box(-1, 1, (1,), np.float32)
    path = tmp_path / "agg.npz"
    rng = np.random.default_rng(0)
    with Recorder(path, obs_space, gym.spaces.Discrete(2)) as rec:
        rec.episode_kind = "demonstration"
        for _ in range(40):
            rec.add_step(rng.uniform(-1, 1, 1).astype(np.float32), 1, 0.0)
        rec.end_episode()
        rec.episode_kind, rec.episode_round = "correction", 1
        for i in range(200):
            took = i % 4 == 0
            # The expert's steps say 1; the policy's (not labels) say 0.
            rec.add_step(
                rng.uniform(-1, 1, 1).astype(np.float32),
                1 if took else 0,
                0.0,
                intervention=took,
                policy_action=0,
            )
        rec.end_episode()
    ds = ExpertDataset(path, train_fraction=1.0, verbose=0, seed=0)
    assert ds.labels == "demonstrations+interventions" and ds.num_labels == 90
    assert len(ds.train_indices) == 90
    assert (ds.actions[ds.train_indices] == 1).all()
    split = ExpertDataset(path, train_fraction=0.5, verbose=0, seed=0, split="sample")
    both = np.concatenate([split.train_indices, split.val_indices])
    assert sorted(both) == sorted(np.flatnonzero(split.label_mask))
    model = bc.BC("MlpPolicy", seed=0, device="cpu").pretrain(ds, n_epochs=30)
    probe = np.linspace(-1, 1, 21, dtype=np.float32)[:, None]
    assert (model.predict(probe)[0] == 1).all()
    everything = ExpertDataset(path, train_fraction=1.0, verbose=0, labels="all")
    assert everything.num_labels == 240


def test_takeover_expert_gates_and_dagger_relabels():
    env = gym.make("CartPole-v1")
    wrong = lambda obs: 0  # noqa: E731  a policy that always pushes left
    hg = TakeoverExpert(wrong, cartpole_balance, env.action_space, "hg", DisagreementGate(2, 3))
    [ep] = collect(env, hg, [0], "correction", 1)
    assert ep.interventions.any() and not ep.interventions.all()
    assert (ep.policy_actions[:, 0] == 0).all()
    # where the expert drove, the stored action is the expert's; elsewhere the policy's
    expert_rows = ep.actions[ep.interventions, 0]
    expected = [cartpole_balance(o) for o in ep.obs[ep.interventions]]
    np.testing.assert_array_equal(expert_rows, expected)
    assert (ep.actions[~ep.interventions, 0] == 0).all()
    dg = TakeoverExpert(wrong, cartpole_balance, env.action_space, "dagger")
    [ep2] = collect(env, dg, [0], "correction", 1)
    assert ep2.interventions.all() and (ep2.policy_actions[:, 0] == 0).all()
    np.testing.assert_array_equal(ep2.actions[:, 0], [cartpole_balance(o) for o in ep2.obs])
    env.close()


@pytest.mark.parametrize("mode", ["hg", "dagger"])
def test_cli_runs_two_rounds_on_cartpole(tmp_path, capsys, mode):
    data, out = tmp_path / "dag.npz", tmp_path / "pol.zip"
    code = main(
        [
            "dagger",
            str(data),
            "--env",
            "CartPole-v1",
            "--expert",
            "bc.experts:cartpole_balance",
            "--rounds",
            "2",
            "--episodes-per-round",
            "1",
            "--out",
            str(out),
            "--mode",
            mode,
            "--demos",
            "1",
            "--epochs",
            "3",
            "--eval-episodes",
            "2",
            "--json",
        ]
    )
    assert code == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["round"] for line in lines] == [0, 1, 2]
    labels = [line["labels"] for line in lines]
    assert labels[0] > 0 and labels == sorted(labels)
    assert all(np.isfinite(line["mean_return"]) for line in lines)
    saved = bc.load(data)
    assert list(saved.episode_kind) == ["demonstration", "correction", "correction"]
    assert list(saved.episode_round) == [0, 1, 2]
    assert count_labels(saved) == labels[-1]
    if mode == "dagger":
        assert labels[-1] == saved.n_steps
    assert out.is_file() and bc.Policy.load(out) is not None
    # evaluation seeds are never data seeds
    assert all(s < 1_000_000 for s in saved.episode_seeds)


def test_cli_bad_expert_is_one_line(tmp_path, capsys):
    code = main(
        [
            "dagger",
            str(tmp_path / "d"),
            "--env",
            "CartPole-v1",
            "--expert",
            "nope",
            "--out",
            str(tmp_path / "p.zip"),
        ]
    )
    err = capsys.readouterr().err
    assert code != 0 and len(err.strip().splitlines()) == 1 and "expert" in err


def test_info_and_check_understand_the_keys(tmp_path, capsys):
    path = _record(tmp_path / "mix")
    assert main(["info", str(path), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["episode_kinds"] == "1 demonstration, 1 correction"
    assert summary["interventions"] == 1 and summary["labels"] == 5 and summary["rounds"] == 1
    assert main(["check", str(path)]) == 0
    assert "ok" in capsys.readouterr().out
    with np.load(path) as npz:
        arrays = dict(npz)
    arrays["interventions"] = np.zeros_like(arrays["interventions"])
    arrays["policy_actions"][4:] = -1
    np.savez(tmp_path / "odd.npz", **arrays)
    assert main(["check", str(tmp_path / "odd.npz")]) == 0
    out = capsys.readouterr().out
    assert "no intervention" in out and "no policy action" in out


def test_train_cli_takes_a_label_selection(tmp_path, capsys):
    """A file of policy-driven steps only has no label by default; --labels all trains."""
    path = tmp_path / "policy_only.npz"
    obs_space = gym.spaces.Box(-1, 1, (2,), np.float32)
    with Recorder(path, obs_space, gym.spaces.Discrete(3)) as rec:
        for _ in range(6):
            rec.add_step(np.zeros(2, np.float32), 1, 1.0, intervention=False, policy_action=1)
    out = str(tmp_path / "p.zip")
    common = ["--out", out, "--epochs", "1", "--train-fraction", "1.0"]
    assert main(["train", str(path), *common]) != 0
    assert "no step is a label" in capsys.readouterr().err
    assert main(["train", str(path), *common, "--labels", "all"]) == 0
    assert (tmp_path / "p.zip").is_file()


def test_cli_takes_the_shared_env_options(tmp_path, capsys):
    data, out = tmp_path / "grow.npz", tmp_path / "pol.zip"
    assert main(["record", "--env", "CartPole-v1", "--expert", "bc.experts:cartpole_balance",
                 "--episodes", "1", "--out", str(data)]) == 0  # fmt: skip
    capsys.readouterr()
    # no --env: the env the dataset was recorded in; --env-kwargs overrides its kwargs
    code = main(
        [
            "dagger",
            str(data),
            "--env-kwargs",
            '{"sutton_barto_reward": true}',
            "--trust-env-module",
            "--expert",
            "bc.experts:cartpole_balance",
            "--rounds",
            "0",
            "--out",
            str(out),
            "--epochs",
            "1",
            "--eval-episodes",
            "1",
            "--json",
        ]
    )
    assert code == 0
    (line,) = [json.loads(text) for text in capsys.readouterr().out.splitlines()]
    assert line["round"] == 0
    assert line["mean_return"] <= 0  # Sutton and Barto's reward: 0 per step, -1 at the fall


def test_cli_without_env_for_a_new_dataset_is_a_usage_error(tmp_path, capsys):
    code = main(
        ["dagger", str(tmp_path / "new"), "--expert", "bc.experts:cartpole_balance",
         "--out", str(tmp_path / "p.zip")]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "needs an env: give --env ID" in err
    assert not (tmp_path / "new.npz").exists()


@pytest.mark.parametrize(
    ("flag", "value", "named"),
    [("--epochs", "0", "epochs"), ("--batch-size", "-1", "batch_size"), ("--lr", "0", "learning")],
)
def test_cli_bad_training_setting_fails_before_recording(tmp_path, capsys, flag, value, named):
    """A bad number is a usage error before any demonstration is written (it used to record 2)."""
    data = tmp_path / "d.npz"
    code = main(
        [
            "dagger", str(data), "--env", "CartPole-v1", "--expert", "bc.experts:random_expert",
            "--rounds", "1", "--out", str(tmp_path / "p.zip"), flag, value,
        ]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and named in err
    assert not data.exists() and not normalise_path(data).with_name("d.npz.journal").exists()


def test_cli_a_wrong_env_expert_fails_before_round_0_trains(tmp_path, capsys):
    demos = tmp_path / "demos.npz"
    assert main(["record", "--env", "CartPole-v1", "--expert", "bc.experts:cartpole_balance",
                 "--episodes", "1", "--out", str(demos)]) == 0  # fmt: skip
    capsys.readouterr()
    code = main(["dagger", str(demos), "--expert", "bc.experts:lunar_lander_heuristic",
                 "--rounds", "1", "--out", str(tmp_path / "p.zip"), "--json"])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert "expert" in err and "(4,)" in err  # names what the expert was given
    assert out == ""  # found before round 0 trained and reported
    assert not (tmp_path / "p.zip").exists()
