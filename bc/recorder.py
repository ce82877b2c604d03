"""The recorder the app and `generate_expert_traj` drive: steps in, crash-safe SB2 datasets out."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from bc import __version__, journal, storage
from bc.errors import BCError, DatasetWriteError, SpaceMismatchError
from bc.images import IMAGE_EXTENSION, resolve_image_path, write_image
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
            absolute) that receives one PNG per step.
        append: add to an existing dataset (ours or SB2's) instead of replacing it. When False
            and a dataset exists, it is kept as `<name>.npz.bak` until this recording ends.
        metadata: extra entries for the archive's metadata (env id and kwargs, fps, input...).
        on_error: called from the writer thread with a one-line message when a write fails.
        on_saved: called from the writer thread once an ended episode is safely on disk.

    Raises:
        UnsupportedSpaceError: a space other than Box or Discrete.
        SpaceMismatchError: `append` to a dataset whose rows do not fit these spaces.
        DatasetError: `append` to an unreadable dataset.
    """

    def __init__(
        self,
        save_path: str | Path,
        observation_space: gym.Space[Any],
        action_space: gym.Space[Any],
        *,
        image_folder: str | Path = "recorded_images",
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
        self._image_folder = Path(image_folder)
        self._on_error = on_error
        self._on_saved = on_saved
        self._lock = threading.Lock()
        self._errors: list[str] = []
        self._pending: list[_PendingEpisode] = []
        self._commit_lock = threading.Lock()  # one writer of journal parts at a time
        self._failed_frames: dict[Path, np.ndarray] = {}
        self._open: _OpenEpisode | None = None
        self._closed = False
        self.metadata = self._build_metadata(metadata)
        self.n_episodes = 0
        self.n_steps = 0
        self._next_image = 0
        self.episode_kind = ""
        """Kind stored with the next ended episodes ("demonstration", "correction",
        "rollout"); "" stores interactive keys only when steps carry them (docs/dagger.md)."""
        self.episode_round = 0
        """DAgger round stored with the next ended episodes."""
        if append and (self.path.exists() or journal.all_parts(self.path)):
            self._open_existing()
        else:
            self._start_new()
        self._writer = _Writer()

    # -- set-up ---------------------------------------------------------------------------

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
        """Begin a fresh dataset; an existing one is kept aside as .bak, never silently lost."""
        journal.discard_all(self.path)
        if self.path.exists():
            backup = self.path.with_name(self.path.name + ".bak")
            self.path.replace(backup)
            log.warning("%s existed; kept as %s", self.path, backup)
        if self.images:
            folder = self._image_dir()
            if folder.is_dir() and any(folder.glob(f"*{IMAGE_EXTENSION}")):
                log.warning(
                    "image folder %s already holds images; they will be overwritten", folder
                )

    def _open_existing(self) -> None:
        """Continue an existing dataset: recover its journal, check its spaces fit."""
        data = storage.consolidate(self.path)
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
        folder = self._image_folder
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
            if step == self._next_image:
                target.parent.mkdir(parents=True, exist_ok=True)
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
        if self.n_episodes == 0:
            self._restore_backup()
            return None
        data = storage.consolidate(self.path)
        self.path.with_name(self.path.name + ".bak").unlink(missing_ok=True)
        return data

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

    def _restore_backup(self) -> None:
        backup = self.path.with_name(self.path.name + ".bak")
        if backup.exists() and not self.path.exists():
            backup.replace(self.path)

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
            target = journal.next_part_path(self.path)
            storage.atomic_savez(target, part.to_arrays())
        except (OSError, DatasetWriteError) as exc:
            self._report(f"episode not saved yet (will retry): {exc}")
            return False
        with self._lock:
            if pending in self._pending:
                self._pending.remove(pending)
        if self._on_saved is not None:
            self._on_saved(pending.summary)
        return True

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
                write_image(target, frame)
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
            write_image(self.target, self.frame)
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
