"""Where a training run's batches come from: tensors end to end for vectors, the loader for images.

Vector datasets are converted once (normalised, one-hot, scaled targets) into two tensors on the
training device; an epoch is one `randperm` and slices of it, with no numpy, no thread and no
per-batch conversion (the same work as a minimal hand-written loop). Image datasets stream
through `bc.DataLoader`'s decoding threads and reach the device through pinned memory.

Under torchrun each process trains on its own share of episodes (`shard_rows`), reshuffled each
epoch, all shares cut to the same length so every process takes the same number of steps.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import torch

from bc.dataloader import DataLoader

if TYPE_CHECKING:
    from bc.dataset import ExpertDataset

Batch = tuple[torch.Tensor, torch.Tensor]
VAL_CHUNK = 4096


class Adapter(Protocol):
    """What the data side needs from a model family: network inputs and training targets."""

    device: torch.device

    def inputs(self, obs: np.ndarray) -> torch.Tensor:
        """Raw observations -> network input on the device."""

    def targets(self, actions: np.ndarray) -> torch.Tensor:
        """Stored actions -> loss targets on the device."""


@dataclass(frozen=True)
class Shard:
    """The place of one process among the training processes."""

    rank: int
    world_size: int


def episode_groups(dataset: ExpertDataset, rows: np.ndarray) -> list[np.ndarray]:
    """Positions into `rows` grouped by the episode each row belongs to (episodes in order)."""
    lengths = dataset.data.episode_lengths
    episode_of_row = np.repeat(np.arange(len(lengths)), lengths)
    episodes = episode_of_row[rows]
    order = np.argsort(episodes, kind="stable")
    cuts = np.flatnonzero(np.diff(episodes[order])) + 1
    return [g for g in np.split(order, cuts) if len(g)]


def shard_rows(groups: list[np.ndarray], epoch: int, seed: int, shard: Shard) -> np.ndarray:
    """One process's positions for one epoch: its share of episodes, shuffled, cut to length.

    Every share is cut to the shortest, so that every process runs the same number of steps.
    The episodes are dealt out from one permutation drawn with (seed, epoch), so the shares
    change each epoch and never overlap; rows are then shuffled within the share.
    """
    rng = np.random.default_rng([seed, epoch])
    order = rng.permutation(len(groups))
    shares = [order[r :: shard.world_size] for r in range(shard.world_size)]
    sizes = [sum(len(groups[e]) for e in share) for share in shares]
    mine = shares[shard.rank]
    rows = np.concatenate([groups[e] for e in mine]) if len(mine) else np.zeros(0, dtype=np.int64)
    rows = rows[np.random.default_rng([seed, epoch, shard.rank]).permutation(len(rows))]
    return rows[: min(sizes)].astype(np.int64)


def val_share(groups: list[np.ndarray], shard: Shard | None) -> np.ndarray:
    """Validation positions of this process: every world_size-th episode (all when alone)."""
    if shard is None or not groups:
        return np.concatenate(groups) if groups else np.zeros(0, dtype=np.int64)
    mine = groups[shard.rank :: shard.world_size]
    return np.concatenate(mine) if mine else np.zeros(0, dtype=np.int64)


class VectorData:
    """A vector dataset as tensors on the device: one `randperm` per epoch, slices for batches."""

    def __init__(
        self,
        dataset: ExpertDataset,
        adapter: Adapter,
        batch_size: int,
        seed: int | None,
        shard: Shard | None = None,
    ) -> None:
        self.batch_size = batch_size
        self.seed = 0 if seed is None else seed
        self.shard = shard
        train = dataset.train_indices
        self.x = adapter.inputs(dataset.observations[train])
        self.y = adapter.targets(dataset.actions[train])
        self.groups = episode_groups(dataset, train) if shard is not None else []
        self._generator = torch.Generator()
        if seed is not None:
            self._generator.manual_seed(seed)
        else:
            self._generator.seed()
        val = dataset.val_indices
        if shard is not None and len(val):
            val = val[val_share(episode_groups(dataset, val), shard)]
        self.val_x = adapter.inputs(dataset.observations[val]) if len(val) else None
        self.val_y = adapter.targets(dataset.actions[val]) if len(val) else None
        self.has_val = len(dataset.val_indices) > 0
        rows = len(self.y) if shard is None else len(shard_rows(self.groups, 1, self.seed, shard))
        self.n_train_batches = max(1, -(-rows // batch_size))

    def _order(self, epoch: int) -> torch.Tensor:
        if self.shard is None:
            return torch.randperm(len(self.y), generator=self._generator)
        return torch.from_numpy(shard_rows(self.groups, epoch, self.seed, self.shard))

    def train_batches(self, epoch: int) -> Iterator[Batch]:
        """One epoch of `(inputs, targets)` batches."""
        order = self._order(epoch).to(self.x.device)
        x, y, size = self.x, self.y, self.batch_size
        for start in range(0, len(order), size):
            rows = order[start : start + size]
            yield x[rows], y[rows]

    def val_batches(self) -> Iterator[Batch]:
        """The validation set in large chunks."""
        if self.val_x is None or self.val_y is None:
            return
        for start in range(0, len(self.val_y), VAL_CHUNK):
            yield self.val_x[start : start + VAL_CHUNK], self.val_y[start : start + VAL_CHUNK]

    def close(self) -> None:
        """Nothing to stop."""


class ImageData:
    """An image dataset through the decoding loader; batches reach the device via pinned memory."""

    def __init__(
        self,
        dataset: ExpertDataset,
        adapter: Adapter,
        batch_size: int,
        seed: int | None,
        shard: Shard | None = None,
    ) -> None:
        self.dataset = dataset
        self.adapter = adapter
        self.batch_size = batch_size
        self.seed = 0 if seed is None else seed
        self.shard = shard
        self.has_val = dataset.val_loader is not None
        self._loader: DataLoader | None = None
        if shard is None:
            self.n_train_batches = len(dataset.train_loader)
        else:
            self.groups = episode_groups(dataset, dataset.train_indices)
            rows = shard_rows(self.groups, 1, self.seed, shard)
            self.n_train_batches = max(1, -(-len(rows) // batch_size))

    def _make_loader(self, rows: np.ndarray, shuffle: bool, seed: int) -> DataLoader:
        ds = self.dataset
        return DataLoader(
            rows,
            ds.observations,
            ds.actions,
            self.batch_size,
            n_workers=ds.n_workers,
            infinite_loop=False,
            shuffle=shuffle,
            root=ds.data.root,
            seed=seed,
            cache=ds._cache,
        )

    def _convert(self, batches: Any) -> Iterator[Batch]:
        for obs, actions in batches:
            yield self.adapter.inputs(obs), self.adapter.targets(actions)

    def train_batches(self, epoch: int) -> Iterator[Batch]:
        """One epoch of `(inputs, targets)` batches, decoded ahead on the loader's threads."""
        if self.shard is None:
            yield from self._convert(self.dataset.train_loader)
            return
        positions = shard_rows(self.groups, epoch, self.seed, self.shard)
        rows = self.dataset.train_indices[positions]
        self.close()
        self._loader = self._make_loader(rows, shuffle=False, seed=self.seed)
        yield from self._convert(self._loader)

    def val_batches(self) -> Iterator[Batch]:
        """The validation set (this process's share of its episodes under torchrun)."""
        ds = self.dataset
        if ds.val_loader is None:
            return
        if self.shard is None:
            yield from self._convert(ds.val_loader)
            return
        positions = val_share(episode_groups(ds, ds.val_indices), self.shard)
        if len(positions) == 0:
            return
        with self._make_loader(ds.val_indices[positions], False, self.seed) as loader:
            yield from self._convert(loader)

    def close(self) -> None:
        """Stop this run's own loader threads (the dataset's loaders belong to the dataset)."""
        if self._loader is not None:
            self._loader.close()
            self._loader = None


def make_data(
    dataset: ExpertDataset,
    adapter: Adapter,
    batch_size: int,
    seed: int | None,
    shard: Shard | None = None,
) -> VectorData | ImageData:
    """Tensors for vector datasets, the streaming loader for image datasets."""
    if dataset.is_image:
        return ImageData(dataset, adapter, batch_size, seed, shard)
    return VectorData(dataset, adapter, batch_size, seed, shard)
