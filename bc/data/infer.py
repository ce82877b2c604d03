"""A dataset's spaces: from its metadata, else inferred from its arrays (SB2 files carry none)."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from bc.data.images import read_image
from bc.errors import DatasetError, MissingImagesError, UnsupportedSpaceError
from bc.spaces import discrete_space, space_from_description

if TYPE_CHECKING:
    from bc.data.arrays import DatasetArrays


def observation_space(d: DatasetArrays) -> gym.Space[Any]:
    """The observation space: from the metadata, else inferred from the arrays (SB2 files)."""
    desc = d.metadata.get("observation_space")
    if isinstance(desc, dict):
        return space_from_description(desc)
    if d.is_image:
        first = first_image_shape(d)
        return spaces.Box(0, 255, shape=first, dtype=np.uint8)
    if d.obs.ndim == 2 and d.obs.shape[1] == 1 and d.obs.dtype.kind in "iu":
        if d.n_steps == 0:
            raise DatasetError(d.path, ["no steps to infer the observation space from"])
        return discrete_space(int(d.obs.max()) + 1, 0, "inferred observation")
    dtype = d.obs.dtype
    if dtype.kind == "f":
        low, high = -np.inf, np.inf
    elif dtype.kind == "b":
        low, high = 0, 1
    else:
        info = np.iinfo(dtype) if dtype.kind in "iu" else np.iinfo(np.uint8)
        low, high = info.min, info.max
    try:
        return spaces.Box(low, high, shape=d.obs.shape[1:], dtype=dtype)  # type: ignore[arg-type]
    except (ValueError, TypeError, AssertionError) as exc:
        raise UnsupportedSpaceError(
            f"cannot infer an observation space from {dtype} {d.obs.shape[1:]}: {exc}"
        ) from exc


def action_space(d: DatasetArrays) -> gym.Space[Any]:
    """The action space: from the metadata, else inferred from the arrays (SB2 files).

    SB2 files do not record Box bounds: they are taken from the data's own min and max.
    """
    desc = d.metadata.get("action_space")
    if isinstance(desc, dict):
        return space_from_description(desc)
    acts = d.actions
    if d.n_steps == 0:
        raise DatasetError(d.path, ["no steps to infer the action space from"])
    if acts.dtype.kind in "iu" and acts.ndim == 2 and acts.shape[1] == 1:
        return discrete_space(int(acts.max()) + 1, 0, "inferred action")
    if acts.dtype.kind != "f":
        raise UnsupportedSpaceError(f"cannot infer an action space from {acts.dtype} actions")
    with warnings.catch_warnings():  # an all-NaN column: unbounded (check reports it)
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = np.nanmin(acts, axis=0), np.nanmax(acts, axis=0)
    low = np.where(np.isfinite(low), low, -np.inf)
    high = np.where(np.isfinite(high), high, np.inf)
    try:
        return spaces.Box(low, high, shape=acts.shape[1:], dtype=acts.dtype)
    except (ValueError, TypeError, AssertionError) as exc:
        raise UnsupportedSpaceError(
            f"cannot infer an action space from {acts.dtype} {acts.shape[1:]}: {exc}"
        ) from exc


def first_image_shape(d: DatasetArrays) -> tuple[int, int, int]:
    """Shape of the first image of an image dataset (read from its file)."""
    if d.n_steps == 0:
        raise DatasetError(d.path, ["no steps to infer the image shape from"])
    image = read_image(d.image_path(0))
    if image is None:
        raise MissingImagesError(d.path, [f"cannot read image of step 0: {d.obs[0]}"])
    return (int(image.shape[0]), int(image.shape[1]), int(image.shape[2]))
