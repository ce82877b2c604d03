"""Checks of an image dataset's frame files: all there, unchanged, in a folder it owns."""

from __future__ import annotations

import os
from pathlib import Path

from bc.data.arrays import DatasetArrays
from bc.data.images import OWNER_FILE, file_crc32, folder_owner, resolve_image_paths
from bc.errors import MissingImagesError


def check_image_files(data: DatasetArrays) -> None:
    """Raise MissingImagesError naming how many image files are missing and which steps."""
    missing = [(i, p) for i, p in enumerate(data.image_paths()) if not os.path.isfile(p)]
    if missing:
        shown = ", ".join(f"{data.obs[i]} (step {i})" for i, _ in missing[:3])
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        raise MissingImagesError(
            data.path, [f"{len(missing)} of {data.n_steps} image files missing: {shown}{more}"]
        )
    if data.has_final_obs:
        finals = resolve_image_paths(data.episode_final_obs, data.root)
        gone = [i for i, p in enumerate(finals) if not os.path.isfile(p)]
        if gone:
            raise MissingImagesError(
                data.path,
                [
                    f"{len(gone)} final-observation image file(s) missing: "
                    f"{data.episode_final_obs[gone[0]]} (episode {gone[0]})"
                ],
            )


def frame_mismatches(data: DatasetArrays) -> list[str]:
    """Problems with an image dataset's frame files beyond their existence (empty when fine).

    Frames whose bytes differ from the CRC-32 recorded when they were written (another
    dataset or a person overwrote them), and frames lying in an image folder that another
    dataset's `.dataset` file claims.
    """
    if not data.is_image or data.path is None:
        return []
    problems = []
    paths = data.image_paths()
    if data.image_crc32.size == data.n_steps:
        bad = [i for i, p in enumerate(paths) if file_crc32(p) != int(data.image_crc32[i])]
        if bad:
            shown = ", ".join(f"{data.obs[i]} (step {i})" for i in bad[:3])
            more = f" and {len(bad) - 3} more" if len(bad) > 3 else ""
            problems.append(
                f"{len(bad)} of {data.n_steps} frame files differ from the frames recorded "
                f"(overwritten by another dataset?): {shown}{more}"
            )
    if data.has_final_obs and data.episode_final_crc32.size == data.n_episodes:
        finals = [Path(p) for p in resolve_image_paths(data.episode_final_obs, data.root)]
        bad = [i for i, p in enumerate(finals) if file_crc32(p) != int(data.episode_final_crc32[i])]
        if bad:
            problems.append(
                f"{len(bad)} of {data.n_episodes} final-observation frame files differ from the "
                f"frames recorded (overwritten by another dataset?): "
                f"{data.episode_final_obs[bad[0]]} (episode {bad[0]})"
            )
        paths = [*paths, *finals]
    owners = {}
    for p in paths:
        if p.parent not in owners:
            owners[p.parent] = folder_owner(p.parent)
    for folder, owner in owners.items():
        if owner is not None and owner != data.path.name:
            problems.append(
                f"frames are in {folder}, which its {OWNER_FILE} file says belongs to {owner}"
            )
    return problems
