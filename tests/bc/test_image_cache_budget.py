"""An image set larger than the cache trains with memory bounded by the cache's budget."""

from __future__ import annotations

import numpy as np

import bc
from bc.data.images import read_image
from tests.tiny_envs import TinyEnv


def test_a_set_over_the_budget_keeps_frames_up_to_it_and_decodes_the_rest(tmp_path):
    env = TinyEnv("image3", "discrete")
    bc.generate_expert_traj(lambda obs: 1, tmp_path / "img", env, n_episodes=4, seed=0)
    frame_bytes = 6 * 8 * 3
    ds = bc.ExpertDataset(
        tmp_path / "img.npz",
        train_fraction=1.0,
        batch_size=4,
        verbose=0,
        seed=0,
        image_cache_bytes=5 * frame_bytes,
    )
    cache = ds._cache
    assert cache is not None and ds.num_transition > 10
    for _ in range(2):
        seen = 0
        for obs, _ in ds.train_loader:
            seen += len(obs)
        assert seen == ds.num_transition
    kept = [row for row, frame in enumerate(cache.frames) if frame is not None]
    assert len(kept) == 5 and cache.used_bytes == 5 * frame_bytes <= cache.budget_bytes
    # cached or not, every batch holds the frames on disk
    ds.close()
    ds2 = bc.ExpertDataset(
        tmp_path / "img.npz", train_fraction=1.0, batch_size=64, verbose=0, randomize=False,
        image_cache_bytes=5 * frame_bytes,
    )  # fmt: skip
    for _ in range(2):
        obs, _ = next(iter(ds2.train_loader))
        expected = np.stack([read_image(p) for p in ds2.data.image_paths()])
        np.testing.assert_array_equal(obs, expected[: len(obs)])
    ds2.close()
