"""Convert datasets between our `.npz`, SB2's, Minari and Hugging Face `datasets` (imitation).

The format is chosen by the name: `*.npz` is our archive (SB2's files read too, and ours are
SB2's), `minari:DATASET_ID` a Minari dataset under `MINARI_DATASETS_PATH`, and a folder whose
name ends in `.hf` a Hugging Face dataset in imitation's trajectory layout. Every conversion
goes through `EpisodeSet` (whole episodes with N+1 observations).
"""

from __future__ import annotations

import logging
import sys
import types
from dataclasses import replace
from pathlib import Path
from typing import Any

import gymnasium as gym

from bc.convert.episodes import EpisodeSet, FullEpisode
from bc.errors import ConversionError

log = logging.getLogger(__name__)

MINARI_PREFIX = "minari:"
HF_SUFFIX = ".hf"

__all__ = ["EpisodeSet", "FullEpisode", "convert", "format_of", "read", "write"]


def format_of(name: str | Path) -> str:
    """Return the format a name stands for: "npz", "minari" or "hf".

    Raises:
        ConversionError: the name matches none of the formats.
    """
    text = str(name)
    if text.startswith(MINARI_PREFIX):
        if not text[len(MINARI_PREFIX) :]:
            raise ConversionError(f"{text!r}: give a dataset id after 'minari:'")
        return "minari"
    stripped = text.rstrip("/\\")
    if stripped.endswith(HF_SUFFIX) and len(Path(stripped).name) > len(HF_SUFFIX):
        return "hf"
    if Path(text).suffix == ".npz":
        return "npz"
    raise ConversionError(
        f"cannot tell the format of {text!r}: use a name ending in .npz (ours or SB2's), "
        "minari:DATASET_ID (Minari) or a folder ending in .hf (Hugging Face datasets, "
        "imitation's layout)"
    )


def read(source: str | Path, env: gym.Env[Any, Any] | None = None) -> EpisodeSet:
    """Read any supported dataset as an `EpisodeSet` (see `format_of` for the names).

    Args:
        source: the dataset's name.
        env: for `.npz` files without final observations, an env to re-simulate them in
            (default: the env id and kwargs in the file's metadata).
    """
    kind = format_of(source)
    if kind == "npz":
        from bc.convert import npz

        return npz.read(source, env=env)
    if kind == "minari":
        from bc.convert import minari_dataset

        return minari_dataset.read(str(source)[len(MINARI_PREFIX) :])
    from bc.convert import hf

    return hf.read(source)


def write(episodes: EpisodeSet, target: str | Path, *, overwrite: bool = False) -> str:
    """Write an `EpisodeSet` in the format its name says; returns where it went.

    Raises:
        ConversionError: the target exists (and `overwrite` is False), or its extra is missing.
    """
    kind = format_of(target)
    if kind == "npz":
        from bc.convert import npz

        return str(npz.write(episodes, target, overwrite=overwrite))
    if kind == "minari":
        from bc.convert import minari_dataset

        dataset_id = str(target)[len(MINARI_PREFIX) :]
        return MINARI_PREFIX + minari_dataset.write(episodes, dataset_id, overwrite=overwrite)
    from bc.convert import hf

    return str(hf.write(episodes, target, overwrite=overwrite))


def convert(
    src: str | Path,
    dst: str | Path,
    *,
    env: gym.Env[Any, Any] | None = None,
    overwrite: bool = False,
) -> EpisodeSet:
    """Convert the dataset `src` into `dst`, each format chosen by its name.

    Spaces, env id and kwargs, seeds, terminated/truncated and each episode's final observation
    are carried across; image observations travel as arrays (Minari, Hugging Face) and as PNG
    files beside our archives. Our metadata goes along where the target format has room for it.

    Args:
        src: `*.npz`, `minari:DATASET_ID` or `*.hf`.
        dst: the same choice of names.
        env: see `read`.
        overwrite: replace an existing target.

    Returns:
        The episodes as converted.

    Raises:
        ConversionError: an unknown name, a missing extra, or an existing target.
        DatasetError: the source is unreadable.
    """
    episodes = read(src, env=env)
    if format_of(src) == format_of(dst) == "npz" and _same_file(src, dst) and not overwrite:
        raise ConversionError(
            f"{dst} is the source; to convert it in place pass "
            "overwrite=True (demorec convert --force)"
        )
    metadata = dict(episodes.metadata)
    metadata["converted_from"] = str(src)
    episodes = replace(episodes, metadata=metadata)
    written = write(episodes, dst, overwrite=overwrite)
    log.info("converted %d episodes: %s -> %s", len(episodes.episodes), src, written)
    return episodes


def _same_file(a: str | Path, b: str | Path) -> bool:
    from bc.data.archive import normalise_path

    return normalise_path(a).resolve() == normalise_path(b).resolve()


class _CallableModule(types.ModuleType):
    """The package, callable as `bc.convert(src, dst)`.

    `bc.convert` names both this package and its main function: once a submodule is imported,
    Python binds the package to `bc.convert`, so the package itself must answer the call.
    """

    def __call__(
        self,
        src: str | Path,
        dst: str | Path,
        *,
        env: gym.Env[Any, Any] | None = None,
        overwrite: bool = False,
    ) -> EpisodeSet:
        return convert(src, dst, env=env, overwrite=overwrite)


sys.modules[__name__].__class__ = _CallableModule
