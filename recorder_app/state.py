"""Value types the widgets display: env info, the heads-up status, frames, dataset views.

Plain frozen dataclasses, no Qt and no threads: the core runner makes them, signals carry them,
widgets read them. Nothing here imports a worker or a widget.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gymnasium as gym
import numpy as np

from bc.data.trajectory import EpisodeSummary
from bc.labels import intervention_counts
from bc.selection import EpisodeSelection, episode_kinds
from bc.spaces import is_image_space

if TYPE_CHECKING:
    from bc.train.loop import History
    from bc.train.policies import Policy

# What the env runner is doing on a tick; shown in the heads-up line.
IDLE, RUNNING, PAUSED, COUNTDOWN, WAITING = "idle", "running", "paused", "countdown", "waiting"


@dataclass(frozen=True)
class EnvInfo:
    """An env the runner opened: what the GUI needs to build input and controls for it."""

    env_id: str
    kwargs: dict[str, Any]
    observation_space: gym.Space[Any]
    action_space: gym.Space[Any]
    render_fps: float | None
    """The env's `metadata["render_fps"]` (its native speed), None when it has none."""
    key_hints: Any = None
    """The env's own key table (`recorder_app.input.atari.KeyHints`), read by the runner."""

    @property
    def is_image(self) -> bool:
        """True when observations are recorded as image files."""
        return is_image_space(self.observation_space)

    @property
    def discrete(self) -> bool:
        """True when actions are Discrete (no `low`/`high` bounds)."""
        return not hasattr(self.action_space, "low")


@dataclass(frozen=True)
class HudStatus:
    """Everything the heads-up line shows, as of one tick."""

    env_id: str = ""
    episode: int = 0
    """Index of the current episode: in the dataset while recording, else in this session."""
    step: int = 0
    ret: float = 0.0
    target_fps: float = 0.0
    actual_fps: float = 0.0
    recording: bool = False
    phase: str = IDLE
    countdown: float = 0.0
    """Seconds left before the episode starts (phase COUNTDOWN)."""
    pause_reason: str = ""
    device: str = ""
    """Who plays ("keyboard", "gamepad: <name>", "policy"); filled in on the GUI thread."""
    action: str = ""
    wait_for_input: bool = False
    control: str = ""
    """Who controls a policy-driven episode: "policy", "human" (took over), "" (no policy)."""
    takeover_runs: tuple[tuple[int, int], ...] = ()
    """The open episode's steps the human drove, as half-open (start, end) step ranges."""


@dataclass(frozen=True)
class Frame:
    """The newest picture of the env and the status that goes with it."""

    image: np.ndarray | None
    status: HudStatus


@dataclass(frozen=True)
class RecordingRequest:
    """Where and how to record: the arguments of `bc.data.recorder.Recorder`."""

    path: Path
    append: bool = True
    metadata: dict[str, Any] = field(default_factory=dict)
    image_folder: str | None = None
    keep_partial: bool = True
    """When this request stops recording: keep the open episode (truncated) or drop it."""


@dataclass(frozen=True)
class EpisodeRow:
    """One episode as the dataset panel lists it."""

    index: int
    length: int
    ret: float
    terminated: bool
    created: float
    """Unix time the episode ended (NaN when unknown)."""
    seed: int
    # -- curation (bc.curation) --
    tags: tuple[str, ...] = ()
    note: str = ""
    flag: int = 0
    """1 good, -1 bad, 0 unset."""
    undone: bool = False
    """Undone while recording: removed from the file when recording stops."""
    kind: str = "demonstration"
    """`episode_kind` (demonstration, correction, rollout); files without it: demonstration."""
    interventions: int = 0
    """Steps a human controlled in a policy-driven episode (docs/dagger.md)."""
    round: int = 0
    """DAgger round of the episode (0 for plain demonstrations)."""

    @property
    def is_demonstration(self) -> bool:
        """True for the human's own episode (not driven by a policy)."""
        return self.kind in ("", "demonstration")


@dataclass(frozen=True)
class DatasetSummary:
    """What the panels show of a dataset: one row per episode and every action, no observations.

    Small enough to rebuild on the GUI thread: a new episode is appended (`with_episode`)
    instead of loading the whole file again.
    """

    rows: tuple[EpisodeRow, ...]
    actions: np.ndarray
    """Every recorded action, in step order (for the actions histogram)."""
    is_image: bool
    step_latency: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """Input latency of every step, in step order (NaN where no new input; docs/format.md)."""

    @property
    def n_episodes(self) -> int:
        """Number of episodes."""
        return len(self.rows)

    @property
    def n_steps(self) -> int:
        """Number of steps."""
        return int(sum(r.length for r in self.rows))

    @property
    def episode_returns(self) -> np.ndarray:
        """Return of each episode."""
        return np.array([r.ret for r in self.rows], dtype=np.float64)

    @property
    def episode_lengths(self) -> np.ndarray:
        """Length of each episode."""
        return np.array([r.length for r in self.rows], dtype=np.int64)

    @classmethod
    def of(cls, data: Any) -> DatasetSummary:
        """Summarise a loaded `bc.data.arrays.DatasetArrays`."""
        lengths = data.episode_lengths
        kinds = episode_kinds(data)
        counts = intervention_counts(data)
        rows = tuple(
            EpisodeRow(
                index=i,
                length=int(lengths[i]),
                ret=float(data.episode_returns[i]),
                terminated=bool(data.episode_terminated[i]),
                created=float(data.episode_created[i]),
                seed=int(data.episode_seeds[i]),
                tags=tuple(json.loads(str(data.episode_tags[i]))),
                note=str(data.episode_notes[i]),
                flag=int(data.episode_flag[i]),
                kind=str(kinds[i]),
                **_interactive_row(data, i, counts),
            )
            for i in range(data.n_episodes)
        )
        return cls(
            rows,
            np.asarray(data.actions),
            bool(data.is_image),
            np.asarray(data.step_latency, dtype=np.float64),
        )

    def with_rows(self, rows: tuple[EpisodeRow, ...]) -> DatasetSummary:
        """A copy with other rows (labels changed in the view before the file is)."""
        return dataclasses.replace(self, rows=rows)

    def with_episode(self, episode: SavedEpisode) -> DatasetSummary:
        """A copy of the summary with one more episode at its end."""
        s = episode.summary
        row = EpisodeRow(
            s.index,
            s.length,
            s.ret,
            s.terminated,
            episode.created,
            s.seed,
            kind=episode.kind or "demonstration",
            interventions=episode.interventions,
            round=episode.round,
        )
        actions = episode.actions.reshape((-1, *self.actions.shape[1:]))
        if self.actions.size:
            actions = np.concatenate([self.actions, actions.astype(self.actions.dtype)])
        latency = np.concatenate([self.step_latency, episode.latency.astype(np.float64)])
        return DatasetSummary((*self.rows, row), actions, self.is_image, latency)


@dataclass(frozen=True)
class SavedEpisode:
    """A recorded episode that is on disk: its summary and its actions (copied)."""

    summary: EpisodeSummary
    actions: np.ndarray
    created: float = float("nan")
    latency: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """Input latency of each step (NaN where none was measured)."""
    kind: str = ""
    """The episode's kind when it has the interactive keys ("correction"), else ""."""
    interventions: int = 0
    """Steps the human controlled (a correction episode)."""
    round: int = 0


@dataclass(frozen=True)
class DatasetView:
    """What the dataset panel shows: a path, its contents (None: no file yet), a warning."""

    path: Path
    data: DatasetSummary | None
    warning: str = ""
    usable: bool = False
    """True when the dataset has episodes and fits the open env (training may use it)."""


@dataclass(frozen=True)
class TrainSettings:
    """What the Train panel asks for; the defaults make one click on Pretrain just work."""

    dataset: Path
    env_id: str
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    preset: str = "auto"
    """"auto" (CNN for image observations, else MLP), "mlp" or "cnn"."""
    n_epochs: int = 30
    learning_rate: float = 1e-3
    batch_size: int = 64
    train_fraction: float = 0.8
    split: str = "episode"
    seed: int = 0
    eval_episodes: int = 5
    """Episodes the trained policy plays to be scored (0: no evaluation)."""
    device: str = "auto"
    """"auto" (a GPU when present), "cpu" or "cuda"."""
    selection: EpisodeSelection | None = None
    """Which episodes to train on (`bc.selection`; None: all)."""


@dataclass(frozen=True)
class TrainResult:
    """A finished (or cancelled) training run."""

    policy: Policy
    path: Path
    history: History
    cancelled: bool


def policy_path_for(dataset: Path) -> Path:
    """Where the policy trained on `dataset` is saved: `<name>.policy.zip` beside it."""
    return dataset.with_name(dataset.stem + ".policy.zip")


# -- curation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelChange:
    """One label edit of some episodes (None/empty fields leave that label alone)."""

    indices: tuple[int, ...]
    flag: int | None = None
    add_tags: tuple[str, ...] = ()
    remove_tags: tuple[str, ...] = ()
    note: str | None = None

    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments of `bc.curation.label_episodes`."""
        return {
            "flag": self.flag,
            "add_tags": self.add_tags,
            "remove_tags": self.remove_tags,
            "note": self.note,
        }

    def on_row(self, row: EpisodeRow) -> EpisodeRow:
        """The row with this change applied (what the panel shows before the file changes)."""
        if row.index not in self.indices:
            return row
        removed = set(self.remove_tags)
        tags = [t for t in row.tags if t not in removed]
        tags += [t for t in self.add_tags if t not in tags and t not in removed]
        return dataclasses.replace(
            row,
            tags=tuple(tags),
            flag=row.flag if self.flag is None else self.flag,
            note=row.note if self.note is None else self.note,
        )


def _interactive_row(data: Any, i: int, counts: np.ndarray) -> dict[str, Any]:
    """Episode `i`'s intervention count and round ({} for a file without them; kind: `of`)."""
    if not data.is_interactive:
        return {}
    return {
        "interventions": int(counts[i]),
        "round": int(data.episode_round[i]),
    }
