"""Generated dataset files: a valid base of each kind plus named defects, for the contract tests.

`write_dataset(folder, spec)` writes one `.npz` (and its PNGs for image datasets). Each defect
in `DEFECTS` names the fragment `check` must report for it, and whether it already stops the
loader (then later, content-level defects cannot be seen and need not be reported).
Used by tests/safety/test_check_contract.py, test_fuzz_loader.py and bench/safety_cases.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import gymnasium as gym
import numpy as np

from bc.data.images import write_image

ENV_IDS = {
    ("vector", "discrete"): "SafetyTinyVecDisc-v0",
    ("vector", "box"): "SafetyTinyVecBox-v0",
    ("discrete", "discrete"): "SafetyTinyDiscDisc-v0",
    ("discrete", "box"): "SafetyTinyDiscBox-v0",
}


def register_tiny_envs() -> None:
    """Register the tiny envs the generated vector datasets name (tests/tiny_envs.py)."""
    for (obs_kind, act_kind), env_id in ENV_IDS.items():
        if env_id not in gym.registry:
            gym.register(
                env_id,
                entry_point="tests.tiny_envs:TinyEnv",
                kwargs={"obs_kind": obs_kind, "act_kind": act_kind},
            )


@dataclass(frozen=True)
class Defect:
    """A way to break a file, and what `check` must say about it."""

    fragment: str
    """Text the problem list must contain."""
    stops_loading: int = 0
    """2: the loader refuses the array itself (0-d, wrong kind), so the file's shapes and
    content cannot be checked; 1: the loader refuses the shapes, so content cannot be checked;
    0: a content problem only `check` finds."""
    obs_kinds: tuple[str, ...] = ("vector", "discrete", "image")
    act_kinds: tuple[str, ...] = ("discrete", "box")
    needs_meta: bool = False


DEFECTS: dict[str, Defect] = {
    "zero_d_obs": Defect("'obs' is a 0-d array", stops_loading=2),
    "zero_d_starts": Defect("'episode_starts' is a 0-d array", stops_loading=2),
    "returns_count": Defect("'episode_returns' has", stops_loading=1),
    "rows_mismatch": Defect("'actions' has", stops_loading=1),
    "datetime_obs": Defect("'obs' holds datetime64", 2, obs_kinds=("vector",)),
    "structured_obs": Defect("'obs' holds", 2, obs_kinds=("vector",)),
    "complex_obs": Defect("'obs' holds complex", 2, obs_kinds=("vector",)),
    "string_rewards": Defect("'rewards' holds", stops_loading=2),
    "float_seeds": Defect("'episode_seeds' holds float", stops_loading=2),
    "nan_obs": Defect("observations are NaN", obs_kinds=("vector",)),
    "nan_action": Defect("actions are NaN", act_kinds=("box",)),
    "nan_reward": Defect("rewards are NaN"),
    "inf_return": Defect("episode_returns are NaN or infinite"),
    "negative_discrete_action": Defect(
        "actions range -1", act_kinds=("discrete",), needs_meta=True
    ),
    "discrete_action_too_big": Defect("actions range", act_kinds=("discrete",), needs_meta=True),
    "box_action_outside": Defect(
        "lie outside the action space", act_kinds=("box",), needs_meta=True
    ),
    "dict_space": Defect("observation space: unsupported space type 'Dict'", needs_meta=True),
    "huge_space": Defect("10000000000 elements", obs_kinds=("vector",), needs_meta=True),
    "low_equals_high": Defect("low == high", act_kinds=("box",), needs_meta=True),
    "discrete_obs_range": Defect("observations range", obs_kinds=("discrete",), needs_meta=True),
    "discrete_obs_start": Defect("one-hot encodes", obs_kinds=("discrete",), needs_meta=True),
    "bad_seed": Defect("'episode_seeds' has -5"),
    "starts_not_boolean": Defect("'episode_starts' holds values other than 0 and 1"),
    "corrupt_png": Defect("cannot be decoded", obs_kinds=("image",)),
    "wrong_size_png": Defect("images differ in size", obs_kinds=("image",)),
    "missing_png": Defect("image file(s) missing", obs_kinds=("image",)),
    "path_outside": Defect("outside the dataset's folder", obs_kinds=("image",)),
    "absolute_path": Defect("outside the dataset's folder", obs_kinds=("image",)),
    "sixteen_bit_png": Defect("8 bits per channel", obs_kinds=("image",)),
    "tiny_images": Defect("the CNN needs at least", obs_kinds=("image",)),
    "image_space_mismatch": Defect(
        "recorded observation space", obs_kinds=("image",), needs_meta=True
    ),
}


@dataclass(frozen=True)
class Spec:
    """One generated file: its kind, episode lengths, and the defects injected."""

    obs_kind: str = "vector"
    act_kind: str = "discrete"
    lengths: tuple[int, ...] = (3, 2)
    with_meta: bool = True
    channels: int = 3
    defects: tuple[str, ...] = ()
    seed: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def applicable(self, name: str) -> bool:
        """True when defect `name` can be injected into a file of this kind."""
        d = DEFECTS[name]
        return (
            self.obs_kind in d.obs_kinds
            and self.act_kind in d.act_kinds
            and (self.with_meta or not d.needs_meta)
        )


def _space_desc(kind: str, shape: tuple[int, ...] = ()) -> dict[str, Any]:
    if kind == "vector":
        return {"type": "Box", "shape": [3], "dtype": "float32", "low": -100.0, "high": 100.0}
    if kind == "discrete_obs":
        return {"type": "Discrete", "n": 50, "start": 0}
    if kind == "image":
        return {"type": "Box", "shape": list(shape), "dtype": "uint8", "low": 0, "high": 255}
    if kind == "discrete":
        return {"type": "Discrete", "n": 3, "start": 0}
    return {"type": "Box", "shape": [2], "dtype": "float32", "low": -1.0, "high": 1.0}


def write_dataset(folder: Path, spec: Spec, name: str = "data.npz") -> Path:
    """Write the dataset `spec` describes into `folder`; return the archive's path."""
    rng = np.random.default_rng(spec.seed)
    n = sum(spec.lengths)
    starts = np.zeros(n, dtype=bool)
    starts[np.cumsum((0, *spec.lengths[:-1]))] = True
    image_shape = (6, 8, spec.channels)
    d = set(spec.defects)
    arrays: dict[str, Any] = {}
    if spec.obs_kind == "vector":
        arrays["obs"] = rng.uniform(-50, 50, size=(n, 3)).astype(np.float32)
    elif spec.obs_kind == "discrete":
        arrays["obs"] = rng.integers(0, 50, size=(n, 1)).astype(np.int64)
    else:
        images = folder / "data_images"
        images.mkdir(parents=True, exist_ok=True)
        side = (3, 3, spec.channels) if "tiny_images" in d else image_shape
        for i in range(n):
            write_image(images / f"{i}.png", rng.integers(0, 256, size=side, dtype=np.uint8))
        arrays["obs"] = np.array([f"data_images/{i}.png" for i in range(n)])
        _image_defects(folder, images, arrays, d, n, image_shape)
    if spec.act_kind == "discrete":
        arrays["actions"] = rng.integers(0, 3, size=(n, 1)).astype(np.int64)
    else:
        arrays["actions"] = rng.uniform(-1, 1, size=(n, 2)).astype(np.float32)
    arrays["rewards"] = rng.uniform(-1, 1, size=n)
    arrays["episode_starts"] = starts
    arrays["episode_returns"] = np.add.reduceat(arrays["rewards"], np.flatnonzero(starts))
    arrays["episode_seeds"] = np.arange(len(spec.lengths), dtype=np.int64)
    meta: dict[str, Any] = {}
    if spec.with_meta:
        obs_desc = (
            _space_desc("image", image_shape)
            if spec.obs_kind == "image"
            else _space_desc("vector" if spec.obs_kind == "vector" else "discrete_obs")
        )
        meta = {
            "format_version": 1,
            "observation_space": obs_desc,
            "action_space": _space_desc(spec.act_kind),
        }
        if spec.obs_kind != "image":
            meta["env_id"] = ENV_IDS[(spec.obs_kind, spec.act_kind)]
            meta["env_kwargs"] = {}
    _array_defects(arrays, meta, d, spec)
    if meta:
        arrays["metadata"] = np.array(json.dumps(meta))
    path = folder / name
    np.savez(path, **arrays)
    return path


def _image_defects(
    folder: Path,
    images: Path,
    arrays: dict[str, Any],
    d: set[str],
    n: int,
    shape: tuple[int, int, int],
) -> None:
    last = n - 1
    if "corrupt_png" in d:
        (images / f"{last}.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    if "wrong_size_png" in d:
        write_image(images / "0.png", np.zeros((shape[0] + 2, shape[1], shape[2]), np.uint8))
    if "missing_png" in d:
        (images / f"{last}.png").unlink(missing_ok=True)
    if "path_outside" in d:
        write_image(folder.parent / "outside.png", np.zeros(shape, np.uint8))
        arrays["obs"][0] = "../outside.png"
    if "absolute_path" in d:
        arrays["obs"][min(1, last)] = str((images / "0.png").resolve())
    if "sixteen_bit_png" in d:
        deep = np.full(shape[:2] + ((shape[2],) if shape[2] != 1 else ()), 300, np.uint16)
        cv2.imwrite(str(images / "0.png"), deep)


def _array_defects(arrays: dict[str, Any], meta: dict[str, Any], d: set[str], spec: Spec) -> None:
    n = len(arrays["rewards"])
    if "nan_obs" in d:
        arrays["obs"][-1, 0] = np.nan
    if "nan_action" in d:
        arrays["actions"][-1, 0] = np.nan
    if "nan_reward" in d:
        arrays["rewards"][0] = np.nan
    if "inf_return" in d:
        arrays["episode_returns"][0] = np.inf
    if "negative_discrete_action" in d:
        arrays["actions"][0, 0] = -1
    if "discrete_action_too_big" in d:
        arrays["actions"][-1, 0] = 7
    if "box_action_outside" in d:
        arrays["actions"][-1, 1] = 5.0
    if "dict_space" in d:
        meta["observation_space"] = {"type": "Dict", "spaces": {}}
    if "huge_space" in d:
        meta["observation_space"] = dict(meta["observation_space"], shape=[100000, 100000])
    if "low_equals_high" in d:
        meta["action_space"] = dict(meta["action_space"], low=0.5, high=0.5)
    if "discrete_obs_range" in d:
        arrays["obs"][0, 0] = 57
    if "discrete_obs_start" in d:
        meta["observation_space"] = dict(meta["observation_space"], start=10)
        arrays["obs"] = arrays["obs"] + 10
    if "bad_seed" in d:
        arrays["episode_seeds"][0] = -5
    if "starts_not_boolean" in d:
        arrays["episode_starts"] = arrays["episode_starts"].astype(np.int64) * 2
    if "image_space_mismatch" in d:
        meta["observation_space"] = dict(meta["observation_space"], shape=[6, 9, spec.channels])
    # last: these change what the arrays are, so the defects above must be in place first
    if "zero_d_obs" in d:
        arrays["obs"] = np.array(arrays["obs"].reshape(-1)[0])
    if "zero_d_starts" in d:
        arrays["episode_starts"] = np.array(True)
    if "returns_count" in d:
        arrays["episode_returns"] = np.append(arrays["episode_returns"], 1.0)
    if "rows_mismatch" in d:
        arrays["actions"] = arrays["actions"][:-1]
    if "datetime_obs" in d:
        arrays["obs"] = arrays["obs"].astype(np.int64).astype("datetime64[s]")
    if "structured_obs" in d:
        arrays["obs"] = np.zeros(n, dtype=[("a", "<f4"), ("b", "<i4")])
    if "complex_obs" in d:
        arrays["obs"] = arrays["obs"].astype(np.complex64)
    if "string_rewards" in d:
        arrays["rewards"] = arrays["rewards"].astype(str)
    if "float_seeds" in d:
        arrays["episode_seeds"] = arrays["episode_seeds"].astype(np.float64)
