"""Our `.npz` archives (and SB2's) as `EpisodeSet`s: read with final observations, write back."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from bc.convert.episodes import EpisodeSet, FullEpisode
from bc.convert.final_obs import Resimulated, resimulate_all
from bc.data.archive import load, normalise_path, save
from bc.data.arrays import DatasetArrays
from bc.data.images import IMAGE_EXTENSION, read_image, resolve_image_path, write_image
from bc.data.trajectory import Episode
from bc.errors import BCError, ConversionError, DatasetWriteError, MissingImagesError
from bc.spaces import describe_space, is_image_space

log = logging.getLogger(__name__)

_DROPPED_KEYS = ("journal_merged",)


def read(path: str | Path, env: gym.Env[Any, Any] | None = None) -> EpisodeSet:
    """Read an archive (ours or SB2's) with every episode's final observation.

    A file without `episode_final_obs` (SB2's, or ours from before the key) is re-simulated
    from its stored seeds and actions in `env` (default: made from the env id and kwargs in
    its metadata), checking each observation against the stored one. An episode that cannot be
    re-simulated loses its last transition, whose observation becomes the final one; a warning
    says how many and why.

    Args:
        path: the archive.
        env: an env to re-simulate in, for files whose metadata names none.

    Raises:
        DatasetError: the file is unreadable (see `bc.load`).
        ConversionError: no episode is left after dropping last transitions.
    """
    data = load(path)
    frame = _frame_loader(data)
    metadata = {k: v for k, v in data.metadata.items() if k not in _DROPPED_KEYS}
    metadata.setdefault("observation_space", describe_space(data.observation_space()))
    metadata.setdefault("action_space", describe_space(data.action_space()))
    if data.has_final_obs:
        finals = [Resimulated(_final_row(data, i)) for i in range(data.n_episodes)]
    else:
        owned = env is None
        why = ""
        if env is None:
            env, why = _make_env(metadata)
        try:
            finals = resimulate_all(data, env, frame, why)
        finally:
            if owned and env is not None:
                env.close()
    episodes = _full_episodes(data, finals, frame)
    return EpisodeSet(episodes, metadata)


def _full_episodes(data: DatasetArrays, finals: list[Resimulated], frame: Any) -> list[FullEpisode]:
    episodes: list[FullEpisode] = []
    given_up = [(i, r.reason) for i, r in enumerate(finals) if r.final_obs is None]
    for i, result in enumerate(finals):
        sl = data.episode_slice(i)
        rows = np.stack([frame(s) for s in range(sl.start, sl.stop)])
        seed, created = int(data.episode_seeds[i]), float(data.episode_created[i])
        if result.final_obs is not None:
            episodes.append(
                FullEpisode(
                    obs=np.concatenate([rows, result.final_obs[np.newaxis]]),
                    actions=data.actions[sl],
                    rewards=data.rewards[sl],
                    terminated=bool(data.episode_terminated[i]),
                    truncated=not bool(data.episode_terminated[i]),
                    step_times=data.step_times[sl],
                    seed=seed,
                    created=created,
                )
            )
        elif sl.stop - sl.start > 1:
            # The last stored observation becomes the final one: the episode now ends early.
            episodes.append(
                FullEpisode(
                    obs=rows,
                    actions=data.actions[sl][:-1],
                    rewards=data.rewards[sl][:-1],
                    terminated=False,
                    truncated=True,
                    step_times=data.step_times[sl][:-1],
                    seed=seed,
                    created=created,
                )
            )
    if given_up:
        first, reason = given_up[0]
        short = sum(1 for i, _ in given_up if data.episode_lengths[i] == 1)
        gone = f"; {short} one-step episode(s) are left out" if short else ""
        log.warning(
            "%s has no final observations and %d of %d episode(s) could not be re-simulated "
            "(episode %d: %s): their last transition is dropped, marked truncated%s",
            data.path,
            len(given_up),
            data.n_episodes,
            first,
            reason,
            gone,
        )
    if not episodes:
        raise ConversionError(f"{data.path}: no episode left after dropping last transitions")
    return episodes


def _frame_loader(data: DatasetArrays) -> Any:
    if not data.is_image:
        return lambda step: data.obs[step]

    def frame(step: int) -> np.ndarray:
        image = read_image(data.image_path(step))
        if image is None:
            raise MissingImagesError(data.path, [f"cannot read {data.obs[step]} (step {step})"])
        return image

    return frame


def _final_row(data: DatasetArrays, index: int) -> np.ndarray:
    stored = data.episode_final_obs[index]
    if not data.is_image:
        return np.asarray(stored)
    path = resolve_image_path(str(stored), data.root)
    image = read_image(path)
    if image is None:
        raise MissingImagesError(
            data.path, [f"cannot read final observation {stored} (episode {index})"]
        )
    return image


def _make_env(metadata: dict[str, Any]) -> tuple[gym.Env[Any, Any] | None, str]:
    """Make the recorded env without rendering; (None, why) when the metadata allows none."""
    from bc.envs import make_env

    env_id = metadata.get("env_id")
    if not env_id:
        return None, "the file names no env id"
    kwargs = metadata.get("env_kwargs") or {}
    if not isinstance(kwargs, dict):
        return None, f"the file's env_kwargs is not an object: {kwargs!r:.60}"
    try:
        # an id read from the file may not import a module (issue: untrusted files); pass the
        # env to `convert(env=...)` to re-simulate in one made by hand
        return make_env(str(env_id), render_mode=None, trust_module=False, **kwargs), ""
    except BCError as exc:
        return None, f"cannot make {env_id}: {exc}"


def write(episodes: EpisodeSet, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write episodes as our archive (SB2 reads it), with `episode_final_obs`.

    Image observations become PNG files in `<stem>_images/` beside the archive (final
    observations as `<last step>_final.png`); paths in the archive are relative to its folder.

    Raises:
        ConversionError: the archive exists and `overwrite` is False.
        DatasetWriteError: the disk refused a write.
    """
    path = normalise_path(path)
    if path.exists() and not overwrite:
        raise ConversionError(
            f"{path} exists; choose another name or replace it "
            "(overwrite=True, demorec convert --force)"
        )
    space = episodes.observation_space
    metadata = dict(episodes.metadata)
    images = is_image_space(space)
    folder_name = f"{path.stem}_images"
    if images:
        (path.parent / folder_name).mkdir(parents=True, exist_ok=True)
        metadata["image_folder"] = folder_name
        metadata["image_format"] = "png"
    out: list[Episode] = []
    step = 0
    for ep in episodes.episodes:
        obs: np.ndarray = ep.obs[:-1]
        final: np.ndarray = ep.obs[-1]
        if images:
            names = [f"{folder_name}/{step + t}{IMAGE_EXTENSION}" for t in range(ep.length)]
            final_name = f"{folder_name}/{step + ep.length - 1}_final{IMAGE_EXTENSION}"
            for name, frame in zip([*names, final_name], ep.obs, strict=True):
                try:
                    write_image(path.parent / name, frame)
                except OSError as exc:
                    raise DatasetWriteError(f"could not write {name}: {exc}") from exc
            obs = np.array(names, dtype=np.str_)
            final = np.array(final_name, dtype=np.str_)
        out.append(
            Episode(
                obs=obs,
                actions=ep.actions,
                rewards=ep.rewards,
                terminated=ep.terminated,
                seed=ep.seed,
                step_times=ep.step_times,
                created=ep.created,
                final_obs=final,
            )
        )
        step += ep.length
    return save(path, DatasetArrays.from_episodes(out, metadata))
