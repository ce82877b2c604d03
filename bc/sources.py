"""Many datasets as one: glob expansion, loading several files checked to match, and `merge`.

Episodes stay whole and in file order; each is tagged with the file it came from
(`episode_source`), so splits and statistics can be made per source. Files must share the
observation and action spaces and, when both name one, the env id.
"""

from __future__ import annotations

import glob
import os
import shutil
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from bc.data.archive import load, normalise_path, save
from bc.data.arrays import DatasetArrays
from bc.data.concat import concatenate
from bc.data.images import resolve_image_paths
from bc.errors import DatasetError, DatasetWriteError
from bc.spaces import describe_space, space_from_description

PathLike = str | Path


def expand(paths: PathLike | Sequence[PathLike]) -> list[Path]:
    """Paths in order, glob patterns expanded (sorted), duplicates dropped.

    Raises:
        DatasetError: a pattern matches no file, or nothing is given.
    """
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    out: list[Path] = []
    for item in items:
        text = os.fspath(item)
        if glob.has_magic(text):
            matches = sorted(glob.glob(text))
            if not matches:
                raise DatasetError(text, ["the pattern matches no file"])
            found = [Path(m) for m in matches]
        else:
            found = [Path(text)]
        for path in found:
            if path not in out:
                out.append(path)
    if not out:
        raise DatasetError(None, ["no dataset given"])
    return out


def _spaces(data: DatasetArrays) -> tuple[Any, Any]:
    return describe_space(data.observation_space()), describe_space(data.action_space())


def _show(desc: dict[str, Any]) -> str:
    """A space description as the space's own repr."""
    return repr(space_from_description(desc))


def load_many(paths: PathLike | Sequence[PathLike]) -> DatasetArrays:
    """Load one or several datasets as one, checked to match, episodes tagged with their source.

    A single file loads as it is. Image paths of several files are made absolute, so each
    frame still resolves against its own dataset's folder.

    Raises:
        DatasetError: unreadable files, or files whose spaces, env or kind differ.
    """
    files = expand(paths)
    if len(files) == 1:
        return load(files[0])
    parts = [load(f) for f in files]
    first = parts[0]
    problems = []
    want_spaces = _spaces(first)
    want_env = first.metadata.get("env_id")
    name0 = files[0].name
    for path, part in zip(files[1:], parts[1:], strict=True):
        if part.is_image != first.is_image:
            kind = "images" if part.is_image else "vectors"
            problems.append(f"{path} holds {kind}, {name0} does not")
            continue
        for role, have, want in zip(
            ("observation", "action"), _spaces(part), want_spaces, strict=True
        ):
            if have != want:
                problems.append(f"{path} has {role} space {_show(have)}, {name0} has {_show(want)}")
        env = part.metadata.get("env_id")
        if want_env and env and env != want_env:
            problems.append(f"{path} was recorded in {env}, {name0} in {want_env}")
    if problems:
        raise DatasetError(files[0], problems)
    tagged = []
    for path, part in zip(files, parts, strict=True):
        sources = part.episode_source if part.has_sources else np.full(part.n_episodes, path.name)
        obs, finals = part.obs, part.episode_final_obs
        if part.is_image:
            obs = np.array([str(p.resolve()) for p in part.image_paths()])
            if part.has_final_obs:
                finals = np.array(_final_paths(part))
        tagged.append(
            replace(part, obs=obs, episode_final_obs=finals, episode_source=sources.astype(str))
        )
    merged = concatenate(tagged)
    metadata = dict(first.metadata)
    metadata.pop("journal_merged", None)
    metadata["merged_from"] = [str(f) for f in files]
    return replace(merged, metadata=metadata, path=None, pending_episodes=0)


def merge(
    paths: PathLike | Sequence[PathLike], out: PathLike, *, link: bool = True
) -> DatasetArrays:
    """Write several datasets as one file with its own image folder `<stem>_images/`.

    Frames are hard-linked when `link` and the filesystem allow it, else copied; the source
    files are never moved or changed. Nothing is written when `out` already exists.

    Raises:
        DatasetError: the inputs do not match, or `out` exists / is one of the inputs.
        DatasetWriteError: the disk refused the write (a partial image folder is removed).
    """
    target = normalise_path(out)
    files = expand(paths)
    if target.exists() or target.is_dir():
        raise DatasetError(target, ["already exists; merge writes a new dataset only"])
    if any(f.resolve() == target.resolve() for f in files):
        raise DatasetError(target, ["is one of the inputs"])
    data = load_many(files)
    if not data.has_sources:
        data = replace(data, episode_source=np.full(data.n_episodes, files[0].name))
    if data.is_image:
        folder = target.with_name(f"{target.stem}_images")
        if folder.exists():
            raise DatasetError(target, [f"image folder {folder} already exists"])
        try:
            folder.mkdir(parents=True)
            names = []
            for row, source in enumerate(data.image_paths()):
                name = f"{row:08d}{source.suffix or '.png'}"
                _link_or_copy(source, folder / name, link)
                names.append(f"{folder.name}/{name}")
            finals = []
            for episode, final in enumerate(_final_paths(data)):
                name = f"final_{episode:06d}{Path(final).suffix or '.png'}"
                _link_or_copy(Path(final), folder / name, link)
                finals.append(f"{folder.name}/{name}")
        except OSError as exc:
            shutil.rmtree(folder, ignore_errors=True)
            raise DatasetWriteError(f"could not write {folder}: {exc.strerror or exc}") from exc
        data = replace(data, obs=np.array(names))
        if data.has_final_obs:
            data = replace(data, episode_final_obs=np.array(finals))
    data = replace(data, path=target)
    try:
        save(target, data)
    except DatasetWriteError:
        if data.is_image:
            shutil.rmtree(target.with_name(f"{target.stem}_images"), ignore_errors=True)
        raise
    return data


def _final_paths(data: DatasetArrays) -> list[str]:
    """Absolute paths of an image dataset's final-observation frames (none without the key)."""
    if not data.has_final_obs:
        return []
    stored = resolve_image_paths(data.episode_final_obs, data.root)
    return [str(Path(p).resolve()) for p in stored]


def _link_or_copy(source: Path, dest: Path, link: bool) -> None:
    """A hard link (no extra space) when possible, else a copy; the source stays where it is."""
    if not source.is_file():
        raise DatasetError(source, ["image file missing or not a regular file"])
    if link:
        try:
            os.link(source, dest)
            return
        except OSError:
            pass
    shutil.copy2(source, dest)
