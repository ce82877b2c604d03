"""generate_expert_traj and Recorder: round trips over every space kind, SB2 semantics."""

from __future__ import annotations

import json

import numpy as np
import pytest

import bc
from bc.data.archive import load
from bc.data.images import read_image
from bc.data.recorder import Recorder
from bc.errors import BCError, ExpertError, SpaceMismatchError, UnsupportedSpaceError
from tests.tiny_envs import ACT_KINDS, OBS_KINDS, TinyEnv, constant_expert


@pytest.mark.parametrize("act_kind", ACT_KINDS)
@pytest.mark.parametrize("obs_kind", OBS_KINDS)
def test_round_trip_every_space_kind(tmp_path, obs_kind, act_kind):
    env = TinyEnv(obs_kind, act_kind)
    out = bc.generate_expert_traj(constant_expert(env), tmp_path / "ds", env, n_episodes=4, seed=0)

    # the return value is SB2's: exactly the five keys
    assert set(out) == {"obs", "actions", "rewards", "episode_returns", "episode_starts"}
    lengths = [3, 4, 5, 6]  # seeds 0..3
    n = sum(lengths)
    assert out["rewards"].shape == (n,) and out["rewards"].dtype == np.float64
    assert out["episode_starts"].dtype == bool
    assert list(np.flatnonzero(out["episode_starts"])) == [0, 3, 7, 12]
    np.testing.assert_allclose(
        out["episode_returns"], [2.0 * k if act_kind == "discrete" else 1.5 * k for k in lengths]
    )

    data = bc.load(tmp_path / "ds.npz")
    # the file holds the same arrays, loadable without pickle
    with np.load(tmp_path / "ds.npz", allow_pickle=False) as npz:
        for key, value in out.items():
            np.testing.assert_array_equal(npz[key], value)
        meta = json.loads(str(npz["metadata"]))
    assert meta["format_version"] == 1
    if act_kind == "discrete":
        assert data.actions.shape == (n, 1) and data.actions.dtype == np.int64
    else:
        assert data.actions.shape == (n, 2) and data.actions.dtype == np.float32
    np.testing.assert_array_equal(data.episode_seeds, [0, 1, 2, 3])
    np.testing.assert_array_equal(data.episode_terminated, [True, False, True, False])
    assert data.observation_space() == env.observation_space
    assert data.action_space() == env.action_space

    if obs_kind == "vector":
        assert data.obs.shape == (n, 3) and data.obs.dtype == np.float32
        np.testing.assert_array_equal(data.obs[3], [1, 0, 10])  # episode 1, step 0
    elif obs_kind == "discrete":
        assert data.obs.shape == (n, 1) and data.obs.dtype == np.int64
        assert data.obs[4, 0] == 8  # seed 1, step 1
    else:
        assert data.obs.shape == (n,) and data.obs.dtype.kind == "U"
        assert data.obs[5] == "ds_images/5.png"
        # every stored frame reads back exactly as the env produced it
        replay = TinyEnv(obs_kind, act_kind)
        frame, _ = replay.reset(seed=1)
        assert np.array_equal(read_image(data.image_path(3)), frame)
        frame, *_ = replay.step(1)
        assert np.array_equal(read_image(data.image_path(4)), frame)


def test_sb2_default_save_path_without_extension(tmp_path):
    env = TinyEnv()
    bc.generate_expert_traj(constant_expert(env), str(tmp_path / "expert_tiny"), env, n_episodes=1)
    assert (tmp_path / "expert_tiny.npz").is_file()
    assert not (tmp_path / "expert_tiny.npz.journal").exists()


def test_expert_with_predict_and_learn(tmp_path):
    class Model:
        learned = 0

        def learn(self, n):
            self.learned = n

        def predict(self, obs):
            return 2, None

        def get_env(self):
            return TinyEnv()

    model = Model()
    out = bc.generate_expert_traj(model, tmp_path / "m", n_timesteps=7, n_episodes=2, seed=4)
    assert model.learned == 7
    assert set(out["actions"].reshape(-1)) == {2}


def test_env_id_string_and_in_memory_images():
    out = bc.generate_expert_traj(lambda obs: 0, None, "CartPole-v1", n_episodes=2, seed=1)
    assert out["obs"].shape[1:] == (4,)
    env = TinyEnv("image3")
    out = bc.generate_expert_traj(constant_expert(env), None, env, n_episodes=1, seed=0)
    assert out["obs"].shape == (3, 6, 8, 3) and out["obs"].dtype == np.uint8


def test_same_seed_gives_same_dataset(tmp_path):
    a = bc.generate_expert_traj(lambda o: 0, tmp_path / "a", "CartPole-v1", n_episodes=3, seed=5)
    b = bc.generate_expert_traj(lambda o: 0, tmp_path / "b", "CartPole-v1", n_episodes=3, seed=5)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])


def test_callback_stops_early(tmp_path):
    seen = []
    out = bc.generate_expert_traj(
        lambda o: 0,
        tmp_path / "c",
        TinyEnv(),
        n_episodes=10,
        callback=lambda s: seen.append(s) or len(seen) < 2,
    )
    assert len(seen) == 2 and len(out["episode_returns"]) == 2
    assert bc.load(tmp_path / "c").n_episodes == 2


def test_append_continues_numbering_and_keeps_old_episodes(tmp_path):
    env = TinyEnv("image3")
    bc.generate_expert_traj(constant_expert(env), tmp_path / "d", env, n_episodes=2, seed=0)
    bc.generate_expert_traj(
        constant_expert(env), tmp_path / "d", env, n_episodes=1, seed=2, append=True
    )
    data = bc.load(tmp_path / "d")
    assert data.n_episodes == 3 and data.n_steps == 3 + 4 + 5
    assert data.obs[-1] == f"d_images/{data.n_steps - 1}.png"
    np.testing.assert_array_equal(data.episode_seeds, [0, 1, 2])


def test_append_to_real_sb2_file(tmp_path, sb2_cartpole):
    target = tmp_path / "expert_cartpole.npz"
    target.write_bytes(sb2_cartpole.read_bytes())
    bc.generate_expert_traj(lambda o: 0, target, "CartPole-v1", n_episodes=2, seed=0, append=True)
    data = bc.load(target)
    assert data.n_episodes == 102 and data.n_steps > 49_527
    assert data.episode_seeds[0] == -1 and data.episode_seeds[-1] == 1
    # the SB2 part is unchanged
    with np.load(sb2_cartpole) as original:
        np.testing.assert_array_equal(data.obs[:49_527], original["obs"])


def test_append_with_mismatched_spaces_is_refused(tmp_path, sb2_cartpole):
    target = tmp_path / "cp.npz"
    target.write_bytes(sb2_cartpole.read_bytes())
    with pytest.raises(
        SpaceMismatchError,
        match=r"cannot append to .*cp\.npz: observations are \(4,\), the env's are \(3,\)",
    ):
        bc.generate_expert_traj(lambda o: [0.0], target, "Pendulum-v1", n_episodes=1, append=True)


def test_new_recording_keeps_old_file_as_backup_until_it_ends(tmp_path):
    env = TinyEnv()
    bc.generate_expert_traj(lambda o: 0, tmp_path / "e", env, n_episodes=2)
    rec = Recorder(tmp_path / "e", env.observation_space, env.action_space)
    assert (tmp_path / "e.npz.bak").exists()
    rec.close()  # nothing recorded: the old dataset comes back
    assert bc.load(tmp_path / "e").n_episodes == 2


def test_unsupported_spaces_and_bad_experts(tmp_path):
    with pytest.raises(
        UnsupportedSpaceError,
        match=r"unsupported observation space Tuple.*supported: Box or Discrete",
    ):
        bc.generate_expert_traj(lambda o: 0, tmp_path / "f", "Blackjack-v1", n_episodes=1)
    with pytest.raises(ExpertError, match="expert failed or returned an invalid action"):
        bc.generate_expert_traj(lambda o: [0, 1, 2], tmp_path / "g", TinyEnv(), n_episodes=1)
    with pytest.raises(ExpertError, match="outside Discrete"):
        bc.generate_expert_traj(lambda o: 7, tmp_path / "g", TinyEnv(), n_episodes=1)
    with pytest.raises(ExpertError, match="pass env="):
        bc.generate_expert_traj(lambda o: 0, tmp_path / "h")
    with pytest.raises(ExpertError, match="n_timesteps > 0 needs a model with learn"):
        bc.generate_expert_traj(lambda o: 0, tmp_path / "h", TinyEnv(), n_timesteps=5)
    with pytest.raises(ExpertError, match="callable obs -> action"):
        bc.generate_expert_traj(42, tmp_path / "h", TinyEnv())
    assert not (tmp_path / "g.npz").exists()


def test_recorder_discard_end_early_and_partial(tmp_path):
    env = TinyEnv("image1")
    rec = Recorder(tmp_path / "r", env.observation_space, env.action_space)
    obs, _ = env.reset(seed=0)
    for _ in range(2):
        rec.add_step(obs, 1, 1.0)
    assert rec.episode_in_progress and rec.episode_length == 2 and rec.episode_return == 2.0
    rec.discard_episode()
    assert not rec.episode_in_progress
    rec.start_episode(seed=3)
    for _ in range(3):
        rec.add_step(obs, 2, 0.5)
    summary = rec.end_episode(terminated=False)
    assert (summary.index, summary.length, summary.ret, summary.terminated) == (0, 3, 1.5, False)
    rec.add_step(obs, 0, 1.0)  # an open episode at close is kept as truncated
    data = rec.close()
    assert data is not None
    assert data.n_episodes == 2
    np.testing.assert_array_equal(data.episode_lengths, [3, 1])
    np.testing.assert_array_equal(data.episode_seeds, [3, -1])
    assert list(data.obs) == [f"r_images/{i}.png" for i in range(4)]
    # the discarded episode's two images were overwritten by the kept one; none is left over
    # (each episode's final observation is `<last step>_final.png`)
    assert sorted(p.name for p in (tmp_path / "r_images").glob("*.png")) == sorted(
        [f"{i}.png" for i in range(4)] + ["2_final.png", "3_final.png"]
    )
    assert list(data.episode_final_obs) == [
        "r_images/2_final.png",
        "r_images/3_final.png",
    ]
    with pytest.raises(BCError, match="is closed"):
        rec.add_step(obs, 0, 1.0)


def test_recorder_close_without_partial_and_end_without_steps(tmp_path):
    env = TinyEnv()
    rec = Recorder(tmp_path / "p", env.observation_space, env.action_space)
    with pytest.raises(BCError, match="no episode in progress"):
        rec.end_episode()
    obs, _ = env.reset(seed=0)
    rec.add_step(obs, 0, 1.0)
    rec.end_episode(terminated=True)
    rec.add_step(obs, 0, 1.0)
    data = rec.close(keep_partial=False)
    assert data is not None and data.n_episodes == 1


def test_recorder_refuses_wrong_shapes(tmp_path):
    env = TinyEnv("vector", "box")
    rec = Recorder(tmp_path / "s", env.observation_space, env.action_space)
    with pytest.raises(
        SpaceMismatchError, match=r"observation has shape \(2,\), the observation space \(3,\)"
    ):
        rec.add_step(np.zeros(2), [0, 0], 0.0)
    with pytest.raises(SpaceMismatchError, match=r"expected an action of shape \(2,\)"):
        rec.add_step(np.zeros(3), [0, 0, 0], 0.0)
    rec.add_step(np.zeros(3), [5.0, -5.0], 0.0)  # clipped into the space
    data = rec.close()
    assert data is not None
    np.testing.assert_array_equal(data.actions, [[1.0, -1.0]])


def test_episode_save_cost_does_not_depend_on_dataset_size(tmp_path):
    """Each ended episode writes one journal file of its own size, not the whole dataset."""
    env = TinyEnv()
    rec = Recorder(tmp_path / "j", env.observation_space, env.action_space)
    obs, _ = env.reset(seed=0)
    sizes = []
    for _ in range(5):
        for _ in range(3):
            rec.add_step(obs, 0, 1.0)
        rec.end_episode()
        rec.flush()
        parts = sorted((tmp_path / "j.npz.journal").iterdir())
        sizes.append(parts[-1].stat().st_size)
    assert len(parts) == 5 and not (tmp_path / "j.npz").exists()
    assert max(sizes) == min(sizes)
    assert load(tmp_path / "j").n_episodes == 5  # readable before close
    rec.close()
    assert not (tmp_path / "j.npz.journal").exists()
