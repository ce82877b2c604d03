"""The recorder the app and `generate_expert_traj` drive: steps in, crash-safe SB2 datasets out."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from bc import __version__, journal, recovery, storage
from bc.errors import BCError, DatasetError, DatasetWriteError, SpaceMismatchError
from bc.images import (
    IMAGE_EXTENSION,
    claim_folder,
    default_image_folder,
    frame_numbers,
    read_image,
    resolve_image_path,
    write_image,
)
from bc.lock import DatasetLock
from bc.spaces import (
    action_to_array,
    check_supported,
    describe_space,
    is_image_space,
    obs_to_row,
)
from bc.trajectory import Episode, EpisodeSummary

log = logging.getLogger(__name__)

ErrorCallback = Callable[[str], None]
SavedCallback = Callable[[EpisodeSummary], None]


@dataclass
class _OpenEpisode:
    """The episode being recorded: rows so far, and the image files it wrote."""

    seed: int
    started: float
    obs: list[Any] = field(default_factory=list)
    actions: list[np.ndarray] = field(default_factory=list)
    rewards: list[float] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    last_obs: Any = None
    """The last observation seen, as given to `add_step` (the final one's stand-in)."""
    latency: list[float] = field(default_factory=list)
    interventions: list[bool] = field(default_factory=list)
    """Per step: a human/gate was in control (only kept when some step said so or not)."""
    policy_actions: list[np.ndarray | None] = field(default_factory=list)
    interactive: bool = False
    """True once a step was given `intervention` or `policy_action` (docs/dagger.md)."""


_DESTINATION_STATE = (
    "path",
    "_file_lock",
    "_image_folder",
    "n_episodes",
    "n_steps",
    "_next_image",
    "metadata",
    "_backup_pending",
)
"""What `Recorder.relocate` changes, and puts back when the new destination fails."""


@dataclass(eq=False)
class _PendingEpisode:
    """An ended episode on its way to the journal; kept until its file is safely written."""

    episode: Episode
    summary: EpisodeSummary


class _Writer:
    """One FIFO thread that writes image files and commits episodes, in submission order.

    The queue is bounded, so a recorder outrunning the disk slows down instead of filling memory.
    """

    def __init__(self, maxsize: int = 512) -> None:
        self._queue: queue.Queue[Callable[[], None] | None] = queue.Queue(maxsize)
        self._thread = threading.Thread(target=self._run, name="bc-recorder-writer", daemon=True)
        self._thread.start()

    def submit(self, task: Callable[[], None]) -> None:
        """Queue a task; blocks while the queue is full."""
        self._queue.put(task)

    def flush(self) -> None:
        """Wait until every queued task has run."""
        self._queue.join()

    def close(self) -> None:
        """Run what is queued, then stop the thread."""
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        while True:
            task = self._queue.get()
            try:
                if task is None:
                    return
                task()
            except Exception:  # tasks report their own errors; never die
                log.exception("recorder writer task failed")
            finally:
                self._queue.task_done()


class Recorder:
    """Record episodes step by step into an SB2 expert dataset that survives a crash.

    Each ended episode goes to a journal file beside the archive (one small write, whatever the
    dataset's size); `close()` folds the journal into the archive. After a crash, `storage.load`
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
        self.path = storage.normalise_path(save_path).absolute()
        self.observation_space = observation_space
        self.action_space = action_space
        self.images = is_image_space(observation_space)
        if self.path.is_dir():
            raise DatasetError(self.path, ["is a folder, expected an .npz archive"])
        self._image_folder = Path(image_folder) if image_folder is not None else None
        self._on_error = on_error
        self._on_saved = on_saved
        self._lock = threading.Lock()
        self._errors: list[str] = []
        self._pending: list[_PendingEpisode] = []
        self._commit_lock = threading.Lock()  # one writer of journal parts at a time
        self._failed_frames: dict[Path, np.ndarray] = {}
        self._crcs: dict[Path, int] = {}
        self._backup_pending = False
        self._open: _OpenEpisode | None = None
        self._closed = False
        self._extra_metadata = dict(metadata or {})
        self.n_episodes = 0
        self.n_steps = 0
        self._next_image = 0
        self.episode_kind = ""
        """Kind stored with the next ended episodes ("demonstration", "correction",
        "rollout"); "" stores interactive keys only when steps carry them (docs/dagger.md)."""
        self.episode_round = 0
        """DAgger round stored with the next ended episodes."""
        self._file_lock = DatasetLock(self.path, "recording").acquire()
        try:
            self._set_up(append)
        except BaseException:
            self._file_lock.release()
            raise
        self._writer = _Writer()

    # -- set-up ---------------------------------------------------------------------------

    def _set_up(self, append: bool) -> None:
        """Set up the destination (lock held): repair, check writes, open or replace, claim."""
        storage.check_writable(self.path.parent)
        recovery.repair(self.path)
        existing = self.path.exists() or bool(journal.all_parts(self.path))
        stored = recovery.stored_image_paths([self.path, *journal.all_parts(self.path)])
        if self.images and self._image_folder is None:
            inherited = stored if append else []
            self._image_folder = Path(self._default_folder(inherited))
        self.metadata = self._build_metadata(self._extra_metadata)
        if append and existing:
            self._open_existing()
        else:
            self._start_new()
        if self.images:
            folder = self._image_dir()
            if folder != self.path.parent:
                storage.check_writable(folder)
            own = any(resolve_image_path(p, self.path.parent).parent == folder for p in stored[:1])
            claim_folder(folder, self.path, own_frames=own)
            numbers = frame_numbers(folder)
            self._next_image = max(self._next_image, max(numbers) + 1 if numbers else 0)

    def _default_folder(self, stored: list[str]) -> str:
        """The dataset's image folder: the one its frames are in, else `<stem>_images`."""
        if stored:
            parent = Path(stored[0]).parent
            if not parent.is_absolute() and len(parent.parts) == 1 and parent.parts[0] != "..":
                return str(parent)
        return default_image_folder(self.path)

    def _build_metadata(self, extra: dict[str, Any] | None) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "format_version": storage.FORMAT_VERSION,
            "observation_space": describe_space(self.observation_space),
            "action_space": describe_space(self.action_space),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "writer": f"demo-recorder {__version__}",
        }
        if self.images:
            meta["image_folder"] = str(self._image_folder)
            meta["image_format"] = "png"
        meta.update(extra or {})
        return meta

    def _start_new(self) -> None:
        """Begin a fresh dataset; an existing one (and its journal) is set aside as .bak."""
        if recovery.move_to_backup(self.path):
            self._backup_pending = True
            log.warning(
                "%s existed; kept as %s until this recording saves an episode",
                self.path,
                recovery.backup_path(self.path),
            )

    def _open_existing(self) -> None:
        """Continue an existing dataset: recover its journal, check its spaces fit."""
        data = storage.merge_journal(self.path)
        problems = storage.space_problems(data, self.observation_space, self.action_space)
        if problems:
            raise SpaceMismatchError(f"cannot append to {self.path}: " + "; ".join(problems))
        merged = {k: v for k, v in data.metadata.items() if k != "journal_merged"}
        merged.update({k: v for k, v in self.metadata.items() if k not in ("created",)})
        self.metadata = merged
        self.n_episodes = data.n_episodes
        self.n_steps = data.n_steps
        self._next_image = max(self.n_steps, _highest_number(data.obs) + 1) if data.is_image else 0

    def _image_dir(self) -> Path:
        folder = self._image_folder or Path(default_image_folder(self.path))
        return folder if folder.is_absolute() else self.path.parent / folder

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
        with self._lock:
            return list(self._errors)

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
        self._open = _OpenEpisode(seed=-1 if seed is None else int(seed), started=time.monotonic())

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
        if self.images:
            step = self._next_image + len(ep.rewards)
            target = self._image_dir() / f"{step}{IMAGE_EXTENSION}"
            self._writer.submit(_ImageTask(self, target, row))
            ep.obs.append(self._stored_image_path(target))
        else:
            ep.obs.append(row)
        ep.actions.append(action_row)
        ep.rewards.append(float(reward))
        ep.times.append(time.monotonic() - ep.started if t is None else float(t))
        ep.latency.append(float("nan") if latency is None else float(latency))
        ep.interventions.append(bool(intervention))
        ep.policy_actions.append(
            None if policy_action is None else action_to_array(self.action_space, policy_action)
        )
        if intervention is not None or policy_action is not None:
            ep.interactive = True

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
            last_step = self._next_image + len(ep.rewards) - 1
            target = self._image_dir() / f"{last_step}_final{IMAGE_EXTENSION}"
            self._writer.submit(_ImageTask(self, target, final_row))
            final_row = np.array(self._stored_image_path(target), dtype=np.str_)
        episode = Episode(
            obs=self._stack_obs(ep.obs),
            actions=np.stack(ep.actions),
            rewards=np.asarray(ep.rewards, dtype=np.float64),
            terminated=bool(terminated),
            seed=ep.seed,
            step_times=np.asarray(ep.times, dtype=np.float64),
            step_latency=np.asarray(ep.latency, dtype=np.float64),
            created=time.time(),
            final_obs=final_row,
            **self._interactive_fields(ep),
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
        pending = _PendingEpisode(episode, summary)
        with self._lock:
            self._pending.append(pending)
        self._writer.submit(lambda: self._commit(pending))
        return summary

    def discard_episode(self) -> None:
        """Drop the open episode (and, for images, its files); the next step starts a new one."""
        ep = self._open
        self._open = None
        if ep is None or not self.images or not ep.obs:
            return
        paths = [resolve_image_path(str(p), self.path.parent) for p in ep.obs]
        self._writer.submit(lambda: _unlink_all(paths))

    def flush(self) -> None:
        """Wait until every ended episode is on disk, retrying failed writes once.

        Raises:
            DatasetWriteError: some episodes still could not be written (they stay in memory).
        """
        self._writer.flush()
        with self._lock:
            retry = list(self._pending)
        if retry:
            self._commit(retry[-1])  # writes them all, oldest first
        with self._lock:
            left = len(self._pending)
            if not left:
                self._errors.clear()
            message = self._errors[-1] if self._errors else ""
        if left:
            raise DatasetWriteError(f"{left} episode(s) not saved yet: {message}")

    def close(self, keep_partial: bool = True) -> storage.DatasetArrays | None:
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
        try:
            if self.n_episodes == 0:
                if self._backup_pending:
                    recovery.restore_backup(self.path)
                    self._backup_pending = False
                return None
            if self._backup_pending:  # the episodes are durable: the backup has served
                recovery.drop_backup(self.path)
                self._backup_pending = False
            return storage.merge_journal(self.path)
        finally:
            self._file_lock.release()

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
        self._writer.flush()
        new = storage.normalise_path(save_path).absolute()
        if new == self.path:
            raise BCError(f"{new} is the dataset being recorded; choose another location")
        saved = {name: getattr(self, name) for name in _DESTINATION_STATE}
        old_root = self.path.parent
        self.path = new
        self._image_folder = None
        self.n_episodes = self.n_steps = self._next_image = 0
        self._backup_pending = False
        self._file_lock = DatasetLock(new, "recording")
        try:
            self._file_lock.acquire()
            self._set_up(append=True)
        except BaseException:
            self._file_lock.release()
            for name, value in saved.items():
                setattr(self, name, value)
            raise
        old_path, old_lock = saved["path"], saved["_file_lock"]
        old_backup = saved["_backup_pending"]
        if old_backup:  # the old destination saved nothing: put its previous dataset back
            try:
                recovery.restore_backup(old_path)
            except OSError as exc:
                log.warning("could not restore the backup of %s yet: %s", old_path, exc)
        old_lock.release()
        with self._lock:
            pending = list(self._pending)
            self._errors.clear()
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
            last = pending[-1]
            self._writer.submit(lambda: self._commit(last))
        log.warning("recording goes on in %s (%d unsaved episode(s) moved)", new, len(pending))

    def _rehome(self, stored: list[Any], old_root: Path) -> np.ndarray:
        """Queue the frames of unsaved steps for the new image folder; returns their new paths."""
        out = []
        for text in stored:
            old = resolve_image_path(str(text), old_root)
            frame = self._failed_frames.pop(old, None)
            if frame is None:
                frame = read_image(old)
            if frame is None:
                raise DatasetWriteError(f"frame {old} was lost before it could be moved")
            target = self._image_dir() / f"{self._next_image}{IMAGE_EXTENSION}"
            self._next_image += 1
            self._writer.submit(_ImageTask(self, target, frame))
            out.append(self._stored_image_path(target))
        return np.array(out, dtype=np.str_)

    def _rehome_final(self, stored: str, old_root: Path) -> np.ndarray:
        """Queue an unsaved final-observation frame for the new image folder; its new path."""
        old = resolve_image_path(stored, old_root)
        frame = self._failed_frames.pop(old, None)
        if frame is None:
            frame = read_image(old)
        if frame is None:
            raise DatasetWriteError(f"frame {old} was lost before it could be moved")
        target = self._image_dir() / f"{self._next_image - 1}_final{IMAGE_EXTENSION}"
        self._writer.submit(_ImageTask(self, target, frame))
        return np.array(self._stored_image_path(target), dtype=np.str_)

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
        with self._lock:
            dropped = len(self._pending)
            self._pending.clear()
        self._failed_frames.clear()
        try:
            if self._backup_pending and not journal.all_parts(self.path):
                recovery.restore_backup(self.path)
        except OSError as exc:
            log.warning("could not restore the backup of %s: %s", self.path, exc)
        finally:
            self._file_lock.release()
        return dropped

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(keep_partial=exc[0] is None)

    # -- internals ------------------------------------------------------------------------

    def _interactive_fields(self, ep: _OpenEpisode) -> dict[str, Any]:
        """The episode's interactive-imitation fields ({} for a plain demonstration)."""
        if not ep.interactive and not self.episode_kind:
            return {}
        template = ep.actions[0]
        none = storage.no_policy_action(template[None], 1)[0]
        proposals = [none if p is None else p.astype(none.dtype) for p in ep.policy_actions]
        return {
            "interventions": np.asarray(ep.interventions, dtype=bool),
            "policy_actions": np.stack(proposals),
            "kind": self.episode_kind or "correction",
            "round": int(self.episode_round),
        }

    def _check_open(self) -> None:
        if self._closed:
            raise BCError(f"recorder for {self.path} is closed")

    def _stored_image_path(self, target: Path) -> str:
        try:
            return str(target.relative_to(self.path.parent))
        except ValueError:
            return str(target)

    def _stack_obs(self, rows: list[Any]) -> np.ndarray:
        if self.images:
            return np.array(rows, dtype=np.str_)
        return np.stack(rows)

    def _report(self, message: str) -> None:
        with self._lock:
            self._errors.append(message)
        log.error("%s", message)
        if self._on_error is not None:
            self._on_error(message)

    def _image_failed(self, target: Path, frame: np.ndarray, exc: OSError) -> None:
        """Keep a frame the disk refused; its episode's commit retries it first."""
        self._failed_frames[target] = frame
        self._report(f"could not write image {target}: {exc.strerror or exc}")

    def _commit(self, pending: _PendingEpisode) -> None:
        """Write the journal files of every ended episode up to this one, oldest first.

        Episodes reach the journal in the order they ended: when an earlier one could not be
        written (a full disk), it is retried first and later ones wait behind it in memory.
        """
        with self._commit_lock:
            with self._lock:
                if pending not in self._pending:
                    return
                queue = self._pending[: self._pending.index(pending) + 1]
            for item in queue:
                if not self._write_part(item):
                    return

    def _write_part(self, pending: _PendingEpisode) -> bool:
        """Write one episode's journal file (its images first); False when the disk refused."""
        episode = pending.episode
        try:
            if self.images:
                self._retry_images(episode)
            part = storage.DatasetArrays.from_episodes([episode], self.metadata)
            if self.images:
                part = replace(
                    part,
                    image_crc32=self._part_crcs(list(episode.obs)),
                    episode_final_crc32=self._part_crcs(
                        [] if episode.final_obs is None else [episode.final_obs]
                    ),
                )
            target = journal.next_part_path(self.path)
            storage.atomic_savez(target, part.to_arrays())
        except (OSError, DatasetWriteError) as exc:
            self._report(f"episode not saved yet (will retry): {exc}")
            return False
        with self._lock:
            if pending in self._pending:
                self._pending.remove(pending)
        if self.images:
            finals = [] if episode.final_obs is None else [episode.final_obs]
            for stored in [*episode.obs, *finals]:
                self._crcs.pop(resolve_image_path(str(stored), self.path.parent), None)
        if self._backup_pending:
            self._backup_pending = False
            try:
                recovery.drop_backup(self.path)
            except OSError as exc:  # the next open finishes it (see bc.recovery)
                log.warning("could not remove the backup of %s yet: %s", self.path, exc)
        if self._on_saved is not None:
            self._on_saved(pending.summary)
        return True

    def _part_crcs(self, stored_paths: list[Any]) -> np.ndarray:
        """CRC-32 of each of these frame files as written (empty when one is unknown)."""
        crcs = [
            self._crcs.get(resolve_image_path(str(stored), self.path.parent))
            for stored in stored_paths
        ]
        if not crcs or any(c is None for c in crcs):
            return np.zeros(0, dtype=np.uint32)
        return np.asarray(crcs, dtype=np.uint32)

    def _retry_images(self, episode: Episode) -> None:
        failed = self._failed_frames
        if not failed:
            return
        stored_paths = list(episode.obs)
        if episode.final_obs is not None:
            stored_paths.append(episode.final_obs)
        for stored in stored_paths:
            target = resolve_image_path(str(stored), self.path.parent)
            frame = failed.get(target)
            if frame is not None:
                self._crcs[target] = write_image(target, frame, exclusive=True)
                del failed[target]


class _ImageTask:
    """Write one frame; on failure keep it for the retry (a callable, so the queue stays FIFO)."""

    __slots__ = ("frame", "recorder", "target")

    def __init__(self, recorder: Recorder, target: Path, frame: np.ndarray) -> None:
        self.recorder = recorder
        self.target = target
        self.frame = frame

    def __call__(self) -> None:
        try:
            self.recorder._crcs[self.target] = write_image(self.target, self.frame, exclusive=True)
        except OSError as exc:
            self.recorder._image_failed(self.target, self.frame, exc)


def _unlink_all(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def _highest_number(stored_paths: np.ndarray) -> int:
    """Highest numeric file stem among stored image paths (-1 when none is numeric)."""
    best = -1
    for p in stored_paths:
        stem = Path(str(p)).stem
        if stem.isdigit():
            best = max(best, int(stem))
    return best
