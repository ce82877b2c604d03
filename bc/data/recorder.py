"""The recorder the app and `generate_expert_traj` drive: steps in, crash-safe SB2 datasets out."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from bc.data.archive import normalise_path
from bc.data.arrays import DatasetArrays
from bc.data.destination import Destination, open_destination
from bc.data.editing import merge_journal
from bc.data.images import resolve_image_path
from bc.data.open_episode import OpenEpisode
from bc.data.trajectory import EpisodeSummary
from bc.data.writer import EpisodeWriter, ErrorCallback, PendingEpisode, SavedCallback
from bc.errors import BCError, DatasetError
from bc.spaces import action_to_array, check_supported, is_image_space, obs_to_row

log = logging.getLogger(__name__)


class Recorder:
    """Record episodes step by step into an SB2 expert dataset that survives a crash.

    Each ended episode goes to a journal file beside the archive (one small write, whatever the
    dataset's size); `close()` folds the journal into the archive. After a crash, `bc.load`
    and the next `Recorder(..., append=True)` recover every ended episode.

    Args:
        save_path: the archive, with or without '.npz'.
        observation_space: the env's observation space (Box or Discrete).
        action_space: the env's action space (Box or Discrete).
        image_folder: for image observations, the folder (relative to the archive's folder, or
            absolute) that receives one PNG per step. None: the dataset's own folder,
            `<stem>_images` (or, on append, the folder the dataset already uses).
        append: add to an existing dataset (ours or SB2's) instead of replacing it. When False
            and a dataset exists, it is kept as `<name>.npz.bak` (its journal as
            `<name>.npz.bak.journal/`) until this recording has saved an episode; closing
            with nothing saved puts both back as they were.
        metadata: extra entries for the archive's metadata (env id and kwargs, fps, input...).
        on_error: called from the writer thread with a one-line message when a write fails.
        on_saved: called from the writer thread once an ended episode is safely on disk.

    The dataset's lock (`<name>.npz.lock`) is held from here until `close()`.

    Raises:
        UnsupportedSpaceError: a space other than Box or Discrete.
        SpaceMismatchError: `append` to a dataset whose rows do not fit these spaces.
        DatasetError: `append` to an unreadable dataset, or `save_path` is a folder.
        DatasetLockedError: another writer has the dataset open (names it).
        DatasetWriteError: the destination does not take writes (names the OS's reason).
        FolderInUseError: the image folder holds another dataset's frames.
    """

    def __init__(
        self,
        save_path: str | Path,
        observation_space: gym.Space[Any],
        action_space: gym.Space[Any],
        *,
        image_folder: str | Path | None = None,
        append: bool = False,
        metadata: dict[str, Any] | None = None,
        on_error: ErrorCallback | None = None,
        on_saved: SavedCallback | None = None,
    ) -> None:
        check_supported(observation_space, "observation")
        check_supported(action_space, "action")
        path = normalise_path(save_path).absolute()
        self.observation_space = observation_space
        self.action_space = action_space
        self.images = is_image_space(observation_space)
        if path.is_dir():
            raise DatasetError(path, ["is a folder, expected an .npz archive"])
        self._on_saved = on_saved
        self._open: OpenEpisode | None = None
        self._closed = False
        self._extra_metadata = dict(metadata or {})
        self.episode_kind = ""
        """Kind stored with the next ended episodes ("demonstration", "correction",
        "rollout"); "" stores interactive keys only when steps carry them (docs/dagger.md)."""
        self.episode_round = 0
        """DAgger round stored with the next ended episodes."""
        folder = Path(image_folder) if image_folder is not None else None
        self._use(self._open_destination(path, folder, append))
        self._writer = EpisodeWriter(self._dest, on_error, self._episode_saved)

    # -- destination ----------------------------------------------------------------------

    def _open_destination(self, path: Path, folder: Path | None, append: bool) -> Destination:
        return open_destination(
            path,
            self.observation_space,
            self.action_space,
            image_folder=folder,
            metadata=self._extra_metadata,
            append=append,
        )

    def _use(self, dest: Destination) -> None:
        """Record into `dest` from now on, counting on from what it holds."""
        self._dest = dest
        self.n_episodes = dest.n_episodes
        self.n_steps = dest.n_steps
        self._next_image = dest.next_image

    @property
    def path(self) -> Path:
        """The archive being recorded into (absolute, with '.npz')."""
        return self._dest.path

    @property
    def metadata(self) -> dict[str, Any]:
        """The metadata every saved episode carries (and the merged archive)."""
        return self._dest.metadata

    # -- state ----------------------------------------------------------------------------

    @property
    def episode_in_progress(self) -> bool:
        """True between the first step of an episode and its end or discard."""
        return self._open is not None and bool(self._open.rewards)

    @property
    def episode_length(self) -> int:
        """Steps recorded so far in the open episode."""
        return len(self._open.rewards) if self._open else 0

    @property
    def episode_return(self) -> float:
        """Sum of rewards so far in the open episode."""
        return float(sum(self._open.rewards)) if self._open else 0.0

    @property
    def errors(self) -> list[str]:
        """Write errors reported so far (cleared by `flush` once the retries succeed)."""
        return self._writer.errors

    # -- recording ------------------------------------------------------------------------

    def start_episode(self, seed: int | None = None) -> None:
        """Begin an episode; any open episode with steps is discarded first.

        Args:
            seed: the seed passed to the env's `reset()`, stored so the episode can be
                re-simulated; None stores -1.
        """
        self._check_open()
        if self.episode_in_progress:
            self.discard_episode()
        self._open = OpenEpisode(seed=-1 if seed is None else int(seed), started=time.monotonic())

    def add_step(
        self,
        obs: Any,
        action: Any,
        reward: float,
        t: float | None = None,
        latency: float | None = None,
        intervention: bool | None = None,
        policy_action: Any = None,
    ) -> None:
        """Record one step: the observation the action was chosen from, the action, its reward.

        Args:
            obs: as the env returned it.
            action: as given to `env.step` (coerced to the stored dtype and shape).
            reward: the reward `env.step` returned.
            t: seconds since the episode's start (measured here when None).
            latency: seconds from a new human input to this step (`step_latency`); None or
                NaN: no new input.
            intervention: True when a human (or gate) was in control of a policy-driven
                episode (`interventions`); None: not an interactive episode.
            policy_action: the policy's proposal at this step (`policy_actions`); None: none.

        Raises:
            SpaceMismatchError: obs or action do not fit the spaces.
        """
        self._check_open()
        if self._open is None:
            self.start_episode()
        ep = self._open
        assert ep is not None
        row = obs_to_row(self.observation_space, obs)
        action_row = action_to_array(self.action_space, action)
        ep.last_obs = row
        stored: Any = row
        if self.images:
            target = self._dest.frame(self._next_image + len(ep.rewards))
            self._writer.write_frame(target, row)
            stored = self._dest.stored_path(target)
        ep.add(
            stored,
            action_row,
            reward,
            t,
            latency,
            intervention,
            policy_action,
            lambda a: action_to_array(self.action_space, a),
        )

    def end_episode(self, terminated: bool = False, final_obs: Any = None) -> EpisodeSummary:
        """Close the open episode and hand it to the writer; returns at once.

        Args:
            terminated: True when the env said `terminated`; False for truncated or stopped.
            final_obs: the observation `env.step` returned with the episode's end, stored as
                `episode_final_obs` (image envs: a PNG). None keeps the last observation seen
                (that of the last step), for an episode stopped without one.

        Returns:
            The episode's index, length, return and end kind.

        Raises:
            BCError: there is no episode with at least one step.
        """
        self._check_open()
        ep = self._open
        if ep is None or not ep.rewards:
            raise BCError("no episode in progress to end")
        final_row = (
            ep.last_obs if final_obs is None else obs_to_row(self.observation_space, final_obs)
        )
        if self.images:
            target = self._dest.frame(self._next_image + len(ep.rewards) - 1, final=True)
            self._writer.write_frame(target, final_row)
            final_row = np.array(self._dest.stored_path(target), dtype=np.str_)
        episode = ep.finish(
            self._stack_obs(ep.obs), terminated, final_row, self.episode_kind, self.episode_round
        )
        self._open = None
        summary = EpisodeSummary(
            index=self.n_episodes,
            length=episode.length,
            ret=episode.ret,
            terminated=episode.terminated,
            seed=episode.seed,
        )
        self.n_episodes += 1
        self.n_steps += episode.length
        if self.images:
            self._next_image += episode.length
        self._writer.add(PendingEpisode(episode, summary))
        return summary

    def discard_episode(self) -> None:
        """Drop the open episode (and, for images, its files); the next step starts a new one."""
        ep = self._open
        self._open = None
        if ep is None or not self.images or not ep.obs:
            return
        paths = [resolve_image_path(str(p), self.path.parent) for p in ep.obs]
        self._writer.delete_files(paths)

    def flush(self) -> None:
        """Wait until every ended episode is on disk, retrying failed writes once.

        Raises:
            DatasetWriteError: some episodes still could not be written (they stay in memory).
        """
        self._writer.flush()

    def close(self, keep_partial: bool = True) -> DatasetArrays | None:
        """Finish: save an open episode (as truncated) or drop it, write everything, merge.

        Args:
            keep_partial: keep an open episode with steps as a truncated episode.

        Returns:
            The dataset as now on disk, or None when nothing was ever recorded.

        Raises:
            DatasetWriteError: the disk refused the final writes; `close` may be called again.
        """
        if self._closed:
            return None
        if self.episode_in_progress:
            if keep_partial:
                self.end_episode(terminated=False)
            else:
                self.discard_episode()
        self.flush()
        self._writer.close()
        self._closed = True
        dest = self._dest
        try:
            dest.finish(saved=self.n_episodes > 0)
            return merge_journal(self.path) if self.n_episodes else None
        finally:
            dest.lock.release()

    def relocate(self, save_path: str | Path) -> None:
        """Go on recording into another dataset: every episode not saved yet goes there.

        For a destination that refuses writes (a full disk, a read-only folder): episodes
        already saved stay in the old dataset; those still in memory, and the open episode,
        are written to `save_path` (appended when it exists), and so is everything after.

        Raises:
            DatasetLockedError, DatasetWriteError, SpaceMismatchError, FolderInUseError: the
                new destination cannot be used; this recorder goes on as before.
        """
        self._check_open()
        self._writer.wait()
        new = normalise_path(save_path).absolute()
        if new == self.path:
            raise BCError(f"{new} is the dataset being recorded; choose another location")
        old = self._dest
        self._use(self._open_destination(new, None, append=True))
        self._writer.destination = self._dest
        old.put_back()  # when the old destination saved nothing: its previous dataset returns
        old.lock.release()
        old_root = old.path.parent
        pending = self._writer.take_unsaved()
        for item in pending:
            episode = item.episode
            if self.images:
                episode = replace(episode, obs=self._rehome(list(episode.obs), old_root))
                if episode.final_obs is not None:
                    final = self._rehome_final(str(episode.final_obs), old_root)
                    episode = replace(episode, final_obs=final)
            item.episode = episode
            item.summary = replace(item.summary, index=self.n_episodes)
            self.n_episodes += 1
            self.n_steps += episode.length
        if self._open is not None and self.images and self._open.obs:
            self._open.obs = list(self._rehome(self._open.obs, old_root))
            self._next_image -= len(self._open.obs)  # add_step counts the open episode's own
        if pending:
            self._writer.commit_later(pending[-1])
        log.warning("recording goes on in %s (%d unsaved episode(s) moved)", new, len(pending))

    def _rehome(self, stored: list[Any], old_root: Path) -> np.ndarray:
        """Queue the frames of unsaved steps for the new image folder; returns their new paths."""
        out = []
        for text in stored:
            target = self._dest.frame(self._next_image)
            self._writer.move_frame(resolve_image_path(str(text), old_root), target)
            self._next_image += 1
            out.append(self._dest.stored_path(target))
        return np.array(out, dtype=np.str_)

    def _rehome_final(self, stored: str, old_root: Path) -> np.ndarray:
        """Queue an unsaved final-observation frame for the new image folder; its new path."""
        target = self._dest.frame(self._next_image - 1, final=True)
        self._writer.move_frame(resolve_image_path(stored, old_root), target)
        return np.array(self._dest.stored_path(target), dtype=np.str_)

    def abandon(self) -> int:
        """Stop without saving what the disk refused: drop unsaved episodes, let go of the lock.

        For a user who chose to give those episodes up (the app's "Discard unsaved").
        Episodes already on disk stay; a replaced dataset comes back if nothing was saved.

        Returns:
            How many ended episodes were dropped.
        """
        if self._closed:
            return 0
        self._open = None
        self._writer.close()
        self._closed = True
        dropped = self._writer.drop_unsaved()
        try:
            self._dest.put_back(if_unsaved=True)
        finally:
            self._dest.lock.release()
        return dropped

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(keep_partial=exc[0] is None)

    # -- internals ------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise BCError(f"recorder for {self.path} is closed")

    def _stack_obs(self, rows: list[Any]) -> np.ndarray:
        if self.images:
            return np.array(rows, dtype=np.str_)
        return np.stack(rows)

    def _episode_saved(self, summary: EpisodeSummary) -> None:
        """Called by the writer once an episode is on disk: the backup has served its purpose."""
        self._dest.episode_saved()
        if self._on_saved is not None:
            self._on_saved(summary)
