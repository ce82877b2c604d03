"""`ExpertDataset`: SB2's behaviour-cloning dataset on our validated loader, bugs fixed."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import gymnasium as gym
import numpy as np

from bc import sources
from bc.data.arrays import DatasetArrays
from bc.data.schema import EXTRA_KEYS, SB2_KEYS
from bc.data.validate import space_problems
from bc.dataloader import Batch, DataLoader, ImageCache
from bc.errors import BCError, DatasetError, InvalidArgumentError, SpaceMismatchError
from bc.selection import EpisodeSelection, as_selection
from bc.selection import apply as apply_selection
from bc.spaces import is_image_space
from bc.verbose import say

log = logging.getLogger(__name__)

Split = Literal["episode", "sample"]


class ExpertDataset:
    """Expert demonstrations for behaviour cloning, split into training and validation sets.

    SB2's signature and attributes. Differences (see docs/dataset.md):
    `traj_limitation=k` keeps exactly the first k whole episodes, and the return statistics
    cover those k; the split is by episode by default (`split="sample"` is SB2's) and seedable;
    observations keep their shape (SB2 flattened them); the files are validated on load, and
    bad input raises the `bc.errors` classes instead of asserting.

    Args:
        expert_path: the `.npz` archive, or several paths or glob patterns read as one dataset
            (checked to share spaces and env; each episode tagged with its file in
            `episode_source`). Mutually exclusive with `traj_data`.
        traj_data: a dict with the five SB2 keys (and optionally our extra keys).
        train_fraction: share of the data used for training, the rest for validation.
        batch_size: minibatch size of the loaders.
        traj_limitation: number of episodes to use (-1: all).
        randomize: shuffle the split and each epoch's order.
        verbose: 1 prints a summary on stdout (`log_info`), as SB2's did.
        sequential_preprocessing: build batches in the consumer's thread (no prefetch thread).
        split: "episode" keeps each episode on one side; "sample" splits steps (SB2's way).
        seed: seed of the split and the shuffling.
        n_workers: threads decoding images (default: 2 for image datasets).
        image_cache_bytes: keep decoded images in memory across epochs, up to this many bytes
            (default 1 GiB; frames beyond it are decoded every epoch; 0 decodes every epoch,
            as SB2 did).
        selection: which episodes to use (`bc.selection`: tags, flag, return, kind, first N);
            applied before `traj_limitation`.
        labels: which steps train (see `bc.labels`): "all", "demonstrations", or
            "demonstrations+interventions" (the default for files with `interventions`: the
            steps a policy controlled in a correction episode are not labels).

    Raises:
        DatasetError: missing/corrupt/foreign file, inconsistent arrays, or an empty split.
        MissingImagesError: image files are missing.
    """

    def __init__(
        self,
        expert_path: str | Path | Sequence[str | Path] | None = None,
        traj_data: Mapping[str, Any] | None = None,
        train_fraction: float = 0.7,
        batch_size: int = 64,
        traj_limitation: int = -1,
        randomize: bool = True,
        verbose: int = 1,
        sequential_preprocessing: bool = False,
        *,
        split: Split = "episode",
        seed: int | None = None,
        n_workers: int | None = None,
        image_cache_bytes: int = 1 << 30,
        selection: EpisodeSelection | None = None,
        labels: str | None = None,
    ) -> None:
        if traj_data is not None and expert_path is not None:
            raise InvalidArgumentError("give either expert_path or traj_data, not both")
        if traj_data is None and expert_path is None:
            raise InvalidArgumentError("give expert_path (an .npz file) or traj_data (a dict)")
        if not 0.0 < train_fraction <= 1.0:
            raise InvalidArgumentError(f"train_fraction must be in (0, 1], got {train_fraction}")
        if split not in ("episode", "sample"):
            raise InvalidArgumentError(f"split must be 'episode' or 'sample', got {split!r}")
        data = sources.load_many(expert_path) if expert_path is not None else _from_dict(traj_data)
        data = apply_selection(data, as_selection(selection))
        if traj_limitation > 0 and traj_limitation < data.n_episodes:
            data = data.select_episodes(range(traj_limitation))
        self.data = data
        from bc.labels import default_labels, label_mask

        self.labels = default_labels(data) if labels is None else labels
        self.label_mask = label_mask(data, self.labels)
        """True for each step that trains (validation too); the others are never batched."""
        self.num_labels = int(np.count_nonzero(self.label_mask))
        if self.num_labels == 0:
            raise DatasetError(data.path, [f"no step is a label under labels={self.labels!r}"])
        self.observations = data.obs
        self.actions = data.actions
        self.returns = data.episode_returns
        self.avg_ret = float(np.mean(self.returns)) if len(self.returns) else float("nan")
        self.std_ret = float(np.std(self.returns)) if len(self.returns) else float("nan")
        self.num_traj = data.n_episodes
        self.episode_source = data.episode_source
        """Per episode, the file it came from ("" for a single file without the key)."""
        self.num_transition = data.n_steps
        self.randomize = randomize
        self.verbose = verbose
        self.sequential_preprocessing = sequential_preprocessing
        self.batch_size = batch_size
        self.seed = seed
        self.is_image = data.is_image
        self.n_workers = n_workers if n_workers is not None else (2 if self.is_image else 1)
        self._rng = np.random.default_rng(seed)
        self._cache = ImageCache(data.n_steps, image_cache_bytes) if self.is_image else None
        self.split = split
        self.train_indices, self.val_indices = self._split(train_fraction, split)
        self.observation_space: gym.Space[Any] = data.observation_space()
        self.action_space: gym.Space[Any] = data.action_space()
        self.dataloader: DataLoader | None = None
        self.train_loader = self._loader(self.train_indices, batch_size, seed_offset=1)
        self.val_loader = (
            self._loader(self.val_indices, batch_size, seed_offset=2)
            if len(self.val_indices)
            else None
        )
        if verbose >= 1:
            self.log_info()

    # -- split ----------------------------------------------------------------------------

    def _split(self, fraction: float, split: Split) -> tuple[np.ndarray, np.ndarray]:
        n = self.num_transition
        if fraction >= 1.0:
            order = self._rng.permutation(n) if self.randomize else np.arange(n)
            return self._labelled(order).astype(np.int64), np.zeros(0, dtype=np.int64)
        if split == "episode" and self.num_traj < 2:
            log.warning(
                "one episode cannot be split by episode; splitting its steps instead (SB2's way)"
            )
            split = "sample"
            self.split = split
        if split == "sample":
            order = self._labelled(self._rng.permutation(n) if self.randomize else np.arange(n))
            cut = int(fraction * len(order))
            train, val = order[:cut], order[cut:]
        else:
            episodes = (
                self._rng.permutation(self.num_traj) if self.randomize else np.arange(self.num_traj)
            )
            n_train = min(max(1, round(fraction * self.num_traj)), self.num_traj - 1)
            rows = np.arange(n)
            parts = [rows[self.data.episode_slice(int(e))] for e in episodes]
            train = self._labelled(np.concatenate(parts[:n_train]))
            val = self._labelled(np.concatenate(parts[n_train:]))
        if len(train) == 0 or len(val) == 0:
            raise DatasetError(
                self.data.path,
                [
                    f"train_fraction={fraction} leaves {len(train)} training and {len(val)} "
                    f"validation samples out of {n}"
                ],
            )
        return train.astype(np.int64), val.astype(np.int64)

    def _labelled(self, rows: np.ndarray) -> np.ndarray:
        """Keep only the label steps among `rows` (order kept)."""
        kept: np.ndarray = rows[self.label_mask[rows]]
        return kept

    def _loader(self, indices: np.ndarray, batch_size: int, seed_offset: int) -> DataLoader:
        seed = None if self.seed is None else self.seed + seed_offset
        return DataLoader(
            indices,
            self.observations,
            self.actions,
            batch_size,
            n_workers=self.n_workers,
            shuffle=self.randomize,
            start_process=False,
            sequential=self.sequential_preprocessing,
            root=self.data.root,
            seed=seed,
            cache=self._cache,
        )

    # -- SB2 API --------------------------------------------------------------------------

    def init_dataloader(self, batch_size: int) -> None:
        """Create `dataloader` over the whole dataset (SB2 uses it for GAIL)."""
        if self.dataloader is not None:
            self.dataloader.close()
        order = (
            self._rng.permutation(self.num_transition)
            if self.randomize
            else np.arange(self.num_transition)
        )
        order = self._labelled(order)
        self.dataloader = self._loader(order.astype(np.int64), batch_size, seed_offset=3)

    def get_next_batch(self, split: str | None = None) -> Batch:
        """Return the next minibatch `(obs, actions)` of a split: None (all), 'train' or 'val'.

        Wraps around at the end of an epoch, as SB2 does.

        Raises:
            BCError: an unknown split, no validation set, or `init_dataloader` not called.
        """
        loaders = {None: self.dataloader, "train": self.train_loader, "val": self.val_loader}
        if split not in loaders:
            raise InvalidArgumentError(f"split must be None, 'train' or 'val', got {split!r}")
        loader = loaders[split]
        if loader is None:
            what = (
                "call init_dataloader(batch_size) first" if split is None else "no validation set"
            )
            raise BCError(f"no loader for split {split!r}: {what}")
        if loader.process is None:
            loader.start_process()
        try:
            return next(loader)
        except StopIteration:
            return next(iter(loader))

    def log_info(self) -> None:
        """Print the dataset's summary on stdout, as SB2's did (no logging set-up needed)."""
        say(f"Total trajectories: {self.num_traj}")
        say(f"Total transitions: {self.num_transition}")
        if self.num_labels != self.num_transition:
            say(f"Label steps ({self.labels}): {self.num_labels}")
        say(f"Average returns: {self.avg_ret}")
        say(f"Std for returns: {self.std_ret}")
        say(
            f"Split by {self.split}: {len(self.train_indices)} training, "
            f"{len(self.val_indices)} validation samples"
        )

    def plot(self, path: str | Path | None = None) -> None:
        """Show (or, with `path`, save as PNG) a histogram of the episode returns.

        Raises:
            BCError: matplotlib (the `plot` extra) is not installed.
        """
        if path is not None:
            from bc.plots import write_returns_histogram

            write_returns_histogram(self.data, Path(path))
            return
        try:
            import matplotlib.pyplot as plt
        except ImportError as exc:
            raise BCError("plotting needs matplotlib: pip install 'demo-recorder[plot]'") from exc
        plt.hist(self.returns)
        plt.show()

    # -- ours -----------------------------------------------------------------------------

    def check_env(self, env: gym.Env[Any, Any]) -> None:
        """Check that the dataset's rows fit an env's spaces.

        Raises:
            SpaceMismatchError: listing every problem.
        """
        problems = space_problems(self.data, env.observation_space, env.action_space)
        if problems:
            where = self.data.path or "trajectory data"
            raise SpaceMismatchError(f"{where} does not fit the env: " + "; ".join(problems))

    def source_summary(self) -> dict[str, tuple[int, int, float]]:
        """Per source file: (episodes, steps, mean return), in first-seen order."""
        out: dict[str, tuple[int, int, float]] = {}
        lengths = self.data.episode_lengths
        for name in dict.fromkeys(str(s) for s in self.episode_source):
            chosen = self.episode_source == name
            out[name] = (
                int(chosen.sum()),
                int(lengths[chosen].sum()),
                float(np.mean(self.returns[chosen])),
            )
        return out

    @property
    def obs_is_image(self) -> bool:
        """True when the observation space is an image space."""
        return is_image_space(self.observation_space)

    def close(self) -> None:
        """Stop every loader's threads."""
        for loader in (self.train_loader, self.val_loader, self.dataloader):
            if loader is not None:
                loader.close()

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        for key in ("train_loader", "val_loader", "dataloader"):
            state[key] = None
        if self._cache is not None:  # decoded frames are a cache: never pickle them
            state["_cache"] = ImageCache(self._cache.n_rows, self._cache.budget_bytes)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.train_loader = self._loader(self.train_indices, self.batch_size, seed_offset=1)
        self.val_loader = (
            self._loader(self.val_indices, self.batch_size, seed_offset=2)
            if len(self.val_indices)
            else None
        )


def _from_dict(traj_data: Mapping[str, Any] | None) -> DatasetArrays:
    """Build validated arrays from SB2's traj_data dict (or an opened .npz)."""
    assert traj_data is not None
    missing = [k for k in SB2_KEYS if k not in traj_data]
    if missing:
        raise DatasetError(None, [f"traj_data lacks key(s) {', '.join(missing)}"])
    fields: dict[str, Any] = {
        k: np.asarray(traj_data[k])
        for k in SB2_KEYS + EXTRA_KEYS
        if k in traj_data and k != "metadata"
    }
    meta = traj_data.get("metadata", {})
    if isinstance(meta, np.ndarray | str):
        try:
            meta = json.loads(str(meta))
        except json.JSONDecodeError as exc:
            raise DatasetError(None, [f"'metadata' is not valid JSON: {exc}"]) from exc
    return DatasetArrays(**fields, metadata=dict(meta))
