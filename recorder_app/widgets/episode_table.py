"""The dataset panel's table: columns, one row's texts, the filters, the totals line."""

from __future__ import annotations

import math
import time

from recorder_app.input.latency import summarise as summarise_latency
from recorder_app.state import DatasetSummary, EpisodeRow

COLUMNS = (
    "#",
    "Flag",
    "Length",
    "Return",
    "End",
    "When",
    "Seed",
    "Tags",
    "Note",
    "Kind",
    "Took over",
)
NUMERIC = (0, 2, 3)
FLAG_TEXT = {1: "✔ good", -1: "✘ bad", 0: ""}
FLAG_FILTERS = ("any flag", "good", "bad", "unset")
KIND_FILTERS = ("all kinds", "demonstration", "correction", "rollout")
"""The kind filter's choices: every episode, or one `episode_kind` (docs/dagger.md)."""
PLOT_COLORS = ("#1e88e5", "#e53935", "#43a047", "#fb8c00", "#8e24aa", "#00897b")
NPZ_FILTER = "Expert datasets (*.npz);;All files (*)"


def row_cells(row: EpisodeRow) -> tuple[str, ...]:
    """An episode's texts, in `COLUMNS` order."""
    when = "-" if math.isnan(row.created) else _when(row.created)
    return (
        str(row.index),
        "undone" if row.undone else FLAG_TEXT.get(row.flag, ""),
        str(row.length),
        f"{row.ret:.2f}",
        "term." if row.terminated else "trunc.",
        when,
        "-" if row.seed < 0 else str(row.seed),
        ", ".join(row.tags),
        row.note.replace("\n", " "),
        *interactive_cells(row),
    )


def row_matches(row: EpisodeRow, text: str, flag_filter: str, kind_filter: str = "") -> bool:
    """True when a row passes the panel's filters: text in its tags or note, flag and kind."""
    wanted = {"good": 1, "bad": -1, "unset": 0}.get(flag_filter)
    if wanted is not None and row.flag != wanted:
        return False
    if kind_filter in KIND_FILTERS[1:] and (row.kind or "demonstration") != kind_filter:
        return False
    text = text.strip().lower()
    if not text:
        return True
    return any(text in t.lower() for t in row.tags) or text in row.note.lower()


def interactive_cells(row: EpisodeRow) -> tuple[str, str]:
    """Kind (with its DAgger round) and intervention count; "-" where nobody took over."""
    if not row.kind:
        return "-", "-"
    kind = row.kind if row.kind == "demonstration" else f"{row.kind} r{row.round}"
    taken = "-" if row.kind == "demonstration" else f"{row.interventions} steps"
    return kind, taken


def episode_rows(data: DatasetSummary) -> list[EpisodeRow]:
    """One row per episode of a dataset."""
    return list(data.rows)


def totals_text(data: DatasetSummary | None) -> str:
    """One line: episodes, steps, mean and spread of the returns."""
    if data is None or data.n_episodes == 0:
        return "No episodes yet: press Ctrl+R to record into this file."
    returns = data.episode_returns
    kind = "image" if data.is_image else "vector"
    latency = summarise_latency(data.step_latency)
    return (
        f"{data.n_episodes} episodes · {data.n_steps:,} steps ({kind} obs) · return "
        f"{returns.mean():.2f} ± {returns.std():.2f} (min {returns.min():.2f}, "
        f"max {returns.max():.2f})" + (f" · {latency.text()}" if latency else "")
    )


def _when(created: float) -> str:
    """Time of day for today's episodes, the date and time for older ones."""
    if time.strftime("%Y%m%d", time.localtime(created)) == time.strftime("%Y%m%d"):
        return time.strftime("%H:%M:%S", time.localtime(created))
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(created))
