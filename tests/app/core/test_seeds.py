"""Episode seeds: practice and recordings never share one."""

from __future__ import annotations

from recorder_app.core.seeds import EpisodeSeeds


def test_practice_never_shares_a_seed_with_recordings():
    seeds = EpisodeSeeds(5)
    practice = [seeds.take(recording=False) for _ in range(3)]
    recorded = [seeds.take(recording=True) for _ in range(3)]
    assert recorded == [5, 6, 7]
    assert not set(practice) & set(recorded)
