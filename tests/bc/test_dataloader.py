"""DataLoader: batch counts, never an empty batch, epochs, shuffling, thread clean-up."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from bc.data.images import write_image
from bc.dataloader import DataLoader, ImageCache
from bc.errors import DatasetError, MissingImagesError


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


def _image_rows(tmp_path, n, shape=(6, 5, 3)):
    """n PNG files whose every pixel holds the row number, and their stored paths."""
    folder = tmp_path / "imgs"
    folder.mkdir()
    names = []
    for row in range(n):
        write_image(folder / f"{row}.png", np.full(shape, row, dtype=np.uint8))
        names.append(f"imgs/{row}.png")
    return np.array(names), np.arange(n, dtype=np.int64)


@pytest.mark.parametrize("cache", [False, True])
@pytest.mark.parametrize(
    ("n_workers", "sequential"), [(1, True), (1, False), (2, False), (3, False)]
)
def test_images_arrive_decoded_in_index_order_every_epoch(tmp_path, n_workers, sequential, cache):
    paths, actions = _image_rows(tmp_path, 50)
    loader = DataLoader(
        np.arange(50),
        paths,
        actions,
        8,
        n_workers=n_workers,
        shuffle=True,
        sequential=sequential,
        root=tmp_path,
        seed=3,
        cache=ImageCache(50, 1 << 20 if cache else 0),
    )
    reference = _loader(50, 8, shuffle=True, sequential=True, seed=3)  # same seed, no images
    for _ in range(2):  # the second epoch comes from the cache when it is on
        expected = np.concatenate([act for _, act in reference]).reshape(-1)
        seen = []
        for obs, act in loader:
            assert obs.shape[1:] == (6, 5, 3) and obs.dtype == np.uint8
            np.testing.assert_array_equal(obs[:, 0, 0, 0], act)  # image matches its action row
            assert (obs == obs[:, :1, :1, :1]).all()
            seen.extend(act.tolist())
        assert sorted(seen) == list(range(50)) and seen != sorted(seen)
        np.testing.assert_array_equal(seen, expected)  # shuffled as the seed says
    loader.close()


def test_a_batch_written_by_the_consumer_does_not_change_the_cache(tmp_path):
    paths, actions = _image_rows(tmp_path, 8)
    cache = ImageCache(8, 1 << 20)
    loader = DataLoader(np.arange(8), paths, actions, 8, root=tmp_path, cache=cache)
    obs, _ = next(iter(loader))
    obs[:] = 255
    obs, _ = next(iter(loader))
    np.testing.assert_array_equal(obs[:, 0, 0, 0], np.arange(8))
    loader.close()


def test_a_missing_image_raises_in_the_consumer_and_threads_stop(tmp_path):
    before = set(threading.enumerate())
    paths, actions = _image_rows(tmp_path, 40)
    (tmp_path / "imgs" / "33.png").unlink()
    loader = DataLoader(np.arange(40), paths, actions, 4, n_workers=2, root=tmp_path)
    with pytest.raises(MissingImagesError, match=r"imgs/33\.png \(step 33\)"):
        for _ in loader:
            pass
    loader.close()
    assert set(threading.enumerate()) <= before


def test_an_image_of_another_shape_is_named(tmp_path):
    paths, actions = _image_rows(tmp_path, 12)
    write_image(tmp_path / "imgs" / "7.png", np.zeros((4, 4, 3), dtype=np.uint8))
    loader = DataLoader(np.arange(12), paths, actions, 12, n_workers=2, root=tmp_path)
    with pytest.raises(DatasetError, match=r"imgs/7\.png \(step 7\) is \(4, 4, 3\)"):
        next(iter(loader))
    loader.close()
