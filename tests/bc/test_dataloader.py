"""DataLoader: batch counts, never an empty batch, epochs, shuffling, thread clean-up."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from bc.dataloader import DataLoader
from bc.errors import DatasetError


def _loader(n, batch_size, **kw):
    obs = np.arange(n, dtype=np.float32).reshape(n, 1)
    return DataLoader(np.arange(n), obs, obs.astype(np.int64), batch_size, **kw)


@pytest.mark.parametrize("sequential", [False, True])
@pytest.mark.parametrize(
    ("n", "bs", "partial", "expected"),
    [(10, 4, True, [4, 4, 2]), (10, 4, False, [4, 4]), (3, 8, False, [3]), (8, 4, True, [4, 4])],
)
def test_batch_counts(sequential, n, bs, partial, expected):
    with _loader(n, bs, partial_minibatch=partial, sequential=sequential) as loader:
        assert len(loader) == len(expected)
        for _ in range(2):  # two epochs, same shape
            assert [len(o) for o, _ in loader] == expected


@pytest.mark.parametrize("sequential", [False, True])
def test_shuffle_changes_order_per_epoch_and_covers_all(sequential):
    with _loader(50, 50, shuffle=True, seed=0, sequential=sequential) as loader:
        first = next(iter(loader))[0].ravel()
        second = next(iter(loader))[0].ravel()
    assert sorted(first) == sorted(second) == list(range(50))
    assert not np.array_equal(first, second)


def test_unshuffled_order_is_the_indices():
    obs = np.arange(6, dtype=np.float32).reshape(6, 1)
    with DataLoader(np.array([5, 3, 1]), obs, obs, 2) as loader:
        assert [o.ravel().tolist() for o, _ in loader] == [[5.0, 3.0], [1.0]]


@pytest.mark.parametrize("sequential", [False, True])
def test_single_epoch_when_not_infinite(sequential):
    with _loader(6, 4, infinite_loop=False, sequential=sequential) as loader:
        assert len(list(loader)) == 2
        assert list(loader) == []


def test_next_without_iter_and_abandoned_epochs():
    with _loader(12, 4, start_process=False) as loader:
        assert loader.process is None
        first = next(loader)[0].ravel().tolist()
        assert first == [0, 1, 2, 3] and loader.process is not None
        # abandoning the epoch part-way: the next iteration is a whole new epoch
        assert [o.ravel().tolist()[0] for o, _ in loader] == [0, 4, 8]


def test_bounded_prefetch_and_clean_shutdown():
    before = set(threading.enumerate())
    loader = _loader(1000, 10, max_queue_len=2)
    next(loader)
    assert loader._queue.maxsize == 2
    loader.close()
    loader.close()
    assert set(threading.enumerate()) <= before


def test_bad_arguments():
    with pytest.raises(DatasetError, match="at least one index"):
        _loader(0, 4)
    with pytest.raises(DatasetError, match="batch_size must be at least 1"):
        _loader(4, 0)
