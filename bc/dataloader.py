"""`DataLoader`: SB2's minibatch loader, decoding images on threads, with bounded prefetch."""

from __future__ import annotations

import logging
import queue
import threading
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from bc.data.images import read_image, resolve_image_paths
from bc.errors import DatasetError, MissingImagesError

log = logging.getLogger(__name__)

Batch = tuple[np.ndarray, np.ndarray]


class _EpochEnd:
    """Marks the end of one epoch in the prefetch queue."""

    def __init__(self, epoch: int) -> None:
        self.epoch = epoch


class ImageCache:
    """Decoded frames kept in memory across epochs, up to a byte budget.

    When the whole set does not fit, the frames decoded first are kept until the budget is
    spent and the rest are decoded every epoch: memory stays bounded by the budget, not by the
    dataset, and a set slightly over the budget still saves most of its decoding.

    Shared by a dataset's loaders. Rows are filled as they are first decoded; later epochs copy
    instead of decoding. The decoded arrays themselves are kept (a reference, no copy), so
    filling the cache costs the first epoch nothing; batches are always copies, so a consumer
    that writes into a batch cannot change the cache.
    """

    def __init__(self, n_rows: int, budget_bytes: int) -> None:
        self.n_rows = n_rows
        self.budget_bytes = budget_bytes
        self.frames: list[np.ndarray | None] = [None] * n_rows
        self.used_bytes = 0
        self._lock = threading.Lock()
        self._full = budget_bytes <= 0

    def get(self, row: int) -> np.ndarray | None:
        """Return the cached frame of `row`, or None."""
        return self.frames[row]

    def put(self, row: int, image: np.ndarray) -> None:
        """Keep a decoded frame while the budget allows (frames over it are not kept)."""
        if self._full or self.frames[row] is not None:
            return
        with self._lock:
            if self.used_bytes + image.nbytes > self.budget_bytes:
                self._full = True
                log.info(
                    "image cache full at %d MB; later frames are decoded each epoch",
                    self.used_bytes >> 20,
                )
                return
            self.used_bytes += image.nbytes
            self.frames[row] = image


class DataLoader:
    """Iterate minibatches `(obs, actions)` over `indices`, one epoch per `iter()`.

    SB2's signature and meaning. Differences: a background *thread* prefetches up to
    `max_queue_len` batches (SB2 used a subprocess, which breaks under the spawn start method);
    images are decoded by `n_workers` threads into one preallocated array; a batch is never
    empty; `infinite_loop=False` yields exactly one epoch, after which iterating gives nothing
    (SB2 blocked forever); `close()` (or the context manager) stops the threads.

    Args:
        indices: rows of `observations`/`actions` to draw from.
        observations: the observation rows, or image paths (then images are loaded).
        actions: the action rows.
        batch_size: samples per minibatch.
        n_workers: threads decoding images.
        infinite_loop: keep producing epochs (True) or stop after one.
        max_queue_len: batches prepared ahead of the consumer.
        shuffle: reshuffle `indices` at each epoch.
        start_process: start the prefetch thread now (else on first use or `start_process()`).
        backend: accepted for SB2 compatibility; decoding always uses threads.
        sequential: no prefetch thread; batches are built when asked for.
        partial_minibatch: yield the last, smaller batch of an epoch.
        root: folder that relative image paths are resolved against (the archive's folder).
        seed: seed of the shuffling.
        cache: decoded frames shared across epochs (see `ImageCache`); None decodes every time.

    Raises:
        DatasetError: no indices, or a batch size below 1.
    """

    def __init__(
        self,
        indices: np.ndarray,
        observations: np.ndarray,
        actions: np.ndarray,
        batch_size: int,
        n_workers: int = 1,
        infinite_loop: bool = True,
        max_queue_len: int = 1,
        shuffle: bool = False,
        start_process: bool = True,
        backend: str = "threading",
        sequential: bool = False,
        partial_minibatch: bool = True,
        *,
        root: str | Path | None = None,
        seed: int | None = None,
        cache: ImageCache | None = None,
    ) -> None:
        if batch_size < 1:
            raise DatasetError(None, [f"batch_size must be at least 1, got {batch_size}"])
        self.original_indices = np.asarray(indices, dtype=np.int64).copy()
        if len(self.original_indices) == 0:
            raise DatasetError(None, ["a DataLoader needs at least one index"])
        self.indices = self.original_indices.copy()
        self.observations = observations
        self.actions = actions
        self.batch_size = int(batch_size)
        self.n_workers = max(1, int(n_workers))
        self.infinite_loop = infinite_loop
        self.max_queue_len = max(1, int(max_queue_len))
        self.shuffle = shuffle
        self.sequential = sequential
        self.partial_minibatch = partial_minibatch
        if backend not in ("threading", "sequential"):
            log.info("backend %r requested; this DataLoader always decodes on threads", backend)
        self.backend = backend
        self.load_images = observations.dtype.kind in "US"
        self.root = Path.cwd() if root is None else Path(root)
        self._paths: list[str] | None = None
        self._cache = cache
        self._rng = np.random.default_rng(seed)
        n = len(self.indices)
        self.n_minibatches = n // self.batch_size
        if (partial_minibatch and n % self.batch_size) or self.n_minibatches == 0:
            # never zero batches: a set smaller than one batch still gives one (partial) batch
            self.n_minibatches += 1
        self._image_shape: tuple[int, ...] | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._queue: queue.Queue[Any] = queue.Queue(self.max_queue_len)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._epoch = 0  # epoch the consumer reads
        self._produced_epochs = 0
        self._batch_in_epoch = 0
        self._exhausted = False
        self.start_idx = 0
        if start_process:
            self.start_process()

    # -- SB2 API --------------------------------------------------------------------------

    @property
    def process(self) -> threading.Thread | None:
        """The prefetch thread (SB2's attribute name), None until started."""
        return self._thread

    def start_process(self) -> None:
        """Start the prefetch thread (no-op in sequential mode or when already running)."""
        if self.sequential or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._produce, name="bc-dataloader", daemon=True)
        self._thread.start()

    def __len__(self) -> int:
        return self.n_minibatches

    def __iter__(self) -> DataLoader:
        if self._batch_in_epoch:
            # an epoch was abandoned part-way: skip the rest of it
            self._epoch += 1
            self._batch_in_epoch = 0
        self.start_idx = 0
        return self

    def __next__(self) -> Batch:
        if self.sequential:
            return self._sequential_next()
        if self._thread is None:
            self.start_process()
        while True:
            if self._exhausted:
                raise StopIteration
            item = self._queue.get()
            if isinstance(item, BaseException):
                self._exhausted = True
                raise item
            epoch, payload = item
            if epoch < self._epoch:
                continue  # left over from an abandoned epoch
            if isinstance(payload, _EpochEnd):
                self._epoch += 1
                self._batch_in_epoch = 0
                if not self.infinite_loop:
                    self._exhausted = True
                raise StopIteration
            self._batch_in_epoch += 1
            self.start_idx = self._batch_in_epoch * self.batch_size
            return payload  # type: ignore[no-any-return]

    # -- shutdown -------------------------------------------------------------------------

    def close(self) -> None:
        """Stop the prefetch thread and the decoding threads; safe to call twice."""
        self._stop.set()
        thread = self._thread
        if thread is not None:
            while thread.is_alive():
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    thread.join(timeout=0.05)
            self._thread = None
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def __enter__(self) -> DataLoader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown: nothing left to release
            pass

    # -- batches --------------------------------------------------------------------------

    def _epoch_order(self) -> np.ndarray:
        order = self.original_indices.copy()
        if self.shuffle:
            self._rng.shuffle(order)
        return order

    def _batches_of(self, order: np.ndarray) -> list[np.ndarray]:
        return [
            order[i * self.batch_size : (i + 1) * self.batch_size]
            for i in range(self.n_minibatches)
        ]

    def _sequential_next(self) -> Batch:
        if self._exhausted:
            raise StopIteration
        if self._batch_in_epoch == 0:
            self.indices = self._epoch_order()
        if self._batch_in_epoch >= self.n_minibatches:
            self._batch_in_epoch = 0
            if not self.infinite_loop:
                self._exhausted = True
            raise StopIteration
        rows = self._batches_of(self.indices)[self._batch_in_epoch]
        self._batch_in_epoch += 1
        self.start_idx = self._batch_in_epoch * self.batch_size
        return self._make_batch(rows)

    def _produce(self) -> None:
        """Prefetch thread: build batches epoch after epoch into the bounded queue."""
        try:
            while not self._stop.is_set():
                epoch = self._produced_epochs
                order = self._epoch_order()
                self.indices = order
                batches = self._batches_of(order)
                if self.load_images and self.n_workers > 1:
                    if not self._produce_pipelined(epoch, batches):
                        return
                else:
                    for rows in batches:
                        if self._stop.is_set():
                            return
                        self._put((epoch, self._make_batch(rows)))
                self._put((epoch, _EpochEnd(epoch)))
                self._produced_epochs += 1
                if not self.infinite_loop:
                    return
        except BaseException as exc:  # handed to the consumer, raised in its thread
            self._put(exc)

    def _produce_pipelined(self, epoch: int, batches: list[np.ndarray]) -> bool:
        """Decode whole batches on the worker threads, two per worker in flight, in order.

        Each worker decodes a batch of its own, so no worker waits for another at the end of
        a batch (splitting every batch across the workers left them idle at each join), and a
        second batch per worker is queued so none waits for this thread to hand it work.
        Returns False when stopped.
        """
        pool = self._decode_pool()
        pending: deque[Future[Batch]] = deque()
        for rows in batches:
            if self._stop.is_set():
                return False
            pending.append(pool.submit(self._decode_batch, rows))
            if len(pending) >= 2 * self.n_workers:
                self._put((epoch, pending.popleft().result()))
        while pending:
            if self._stop.is_set():
                return False
            self._put((epoch, pending.popleft().result()))
        return True

    def _decode_batch(self, rows: np.ndarray) -> Batch:
        """One batch decoded on the calling thread."""
        return self._load_images(rows, split=False), self.actions[rows]

    def _decode_pool(self) -> ThreadPoolExecutor:
        """The decoding threads, started on first use."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.n_workers, thread_name_prefix="bc-decode")
        return self._pool

    def _put(self, item: Any) -> None:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def _make_batch(self, rows: np.ndarray) -> Batch:
        actions = self.actions[rows]
        if not self.load_images:
            return self.observations[rows], actions
        return self._load_images(rows), actions

    def _load_images(self, rows: np.ndarray, split: bool = True) -> np.ndarray:
        """Decode a batch; with `split`, its rows are shared out to the decoding threads."""
        if self._image_shape is None:
            self._image_shape = self._read(int(rows[0])).shape
        out = np.empty((len(rows), *self._image_shape), dtype=np.uint8)
        if not split or self.n_workers == 1 or len(rows) < 2 * self.n_workers:
            self._fill(out, rows, 0)
            return out
        pool = self._decode_pool()
        chunks = np.array_split(np.arange(len(rows)), self.n_workers)
        futures = [pool.submit(self._fill, out, rows[c], int(c[0])) for c in chunks if len(c)]
        for future in futures:
            future.result()
        return out

    def _fill(self, out: np.ndarray, rows: np.ndarray, offset: int) -> None:
        for k, row in enumerate(rows):
            image = self._read(int(row))
            if image.shape != out.shape[1:]:
                raise DatasetError(
                    None,
                    [
                        f"image {self.observations[row]} (step {row}) is {image.shape}, "
                        f"the others {out.shape[1:]}"
                    ],
                )
            out[offset + k] = image

    def _read(self, row: int) -> np.ndarray:
        cache = self._cache
        if cache is not None:
            cached = cache.get(row)
            if cached is not None:
                return cached
        if self._paths is None:
            # resolve every path once: a stat per image per epoch would cost as much as decoding
            self._paths = resolve_image_paths(self.observations, self.root)
        image = read_image(self._paths[row])
        if image is None:
            raise MissingImagesError(
                None, [f"image {self.observations[row]} (step {row}) is missing or unreadable"]
            )
        if cache is not None:
            cache.put(row, image)
        return image
