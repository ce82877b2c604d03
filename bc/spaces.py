"""Which Gymnasium spaces are supported, how they are described in JSON, and action coercion."""

from __future__ import annotations

import math
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from bc.errors import BCError, LimitError, SpaceMismatchError, UnsupportedSpaceError
from bc.limits import Limits, how_to_raise
from bc.limits import resolve as resolve_limits

SUPPORTED = "Box or Discrete"
IMAGE_CHANNELS = (1, 3, 4)


def check_supported(space: gym.Space[Any], role: str) -> None:
    """Refuse any space other than Box or Discrete.

    Args:
        space: the observation or action space.
        role: "observation" or "action", used in the message.

    Raises:
        UnsupportedSpaceError: naming the space and what is supported.
    """
    if isinstance(space, (spaces.Box, spaces.Discrete)):
        return
    raise UnsupportedSpaceError(
        f"unsupported {role} space {space!r} ({type(space).__name__}); supported: {SUPPORTED}"
    )


def is_image_space(space: gym.Space[Any]) -> bool:
    """Return True for a uint8 Box of shape (H, W, C) with C in {1, 3, 4} (SB2's rule)."""
    return (
        isinstance(space, spaces.Box)
        and space.dtype == np.uint8
        and len(space.shape) == 3
        and space.shape[-1] in IMAGE_CHANNELS
    )


def _bound(values: np.ndarray) -> Any:
    """Return a Box bound as JSON: one number when every entry is equal, else a nested list."""
    flat = values.reshape(-1)
    if flat.size and np.all(flat == flat[0]):
        return _number(flat[0])
    return [_number(v) for v in flat]


def _number(value: Any) -> float | int | str:
    """Return a JSON-safe number; infinities become the strings "inf" / "-inf"."""
    value = value.item() if hasattr(value, "item") else value
    if isinstance(value, float) and not np.isfinite(value):
        return "inf" if value > 0 else "-inf"
    return value  # type: ignore[no-any-return]


def describe_space(space: gym.Space[Any]) -> dict[str, Any]:
    """Describe a Box or Discrete space as a JSON-able dict (see `space_from_description`)."""
    check_supported(space, "given")
    if isinstance(space, spaces.Discrete):
        return {"type": "Discrete", "n": int(space.n), "start": int(space.start)}
    assert isinstance(space, spaces.Box)
    return {
        "type": "Box",
        "shape": list(space.shape),
        "dtype": str(space.dtype),
        "low": _bound(space.low),
        "high": _bound(space.high),
    }


def space_from_description(desc: dict[str, Any]) -> gym.Space[Any]:
    """Rebuild a space from `describe_space`'s dict.

    Raises:
        UnsupportedSpaceError: for a type other than Box or Discrete, or a malformed dict.
    """
    if not isinstance(desc, dict):
        raise UnsupportedSpaceError(f"malformed space description {desc!r}: not a JSON object")
    kind = desc.get("type")
    try:
        if kind == "Discrete":
            return discrete_space(int(desc["n"]), int(desc.get("start", 0)), "described")
        if kind == "Box":
            shape = checked_shape(desc["shape"], "described Box")
            dtype = np.dtype(desc["dtype"])
            if dtype.kind not in "biuf":
                raise UnsupportedSpaceError(f"a Box of dtype {dtype} is not supported")
            low = np.asarray(_decode(desc["low"]), dtype=np.float64)
            high = np.asarray(_decode(desc["high"]), dtype=np.float64)
            low = np.broadcast_to(low.reshape(-1) if low.ndim else low, (int(np.prod(shape)),))
            high = np.broadcast_to(high.reshape(-1) if high.ndim else high, (int(np.prod(shape)),))
            return spaces.Box(
                low=low.reshape(shape).astype(dtype),
                high=high.reshape(shape).astype(dtype),
                shape=shape,
                dtype=dtype,
            )
    except BCError:  # a limit, already one clear line (BCErrors are ValueErrors too)
        raise
    except (KeyError, TypeError, ValueError, OverflowError, AssertionError) as exc:
        shown = repr(desc)
        shown = shown if len(shown) <= 200 else shown[:200] + "..."
        raise UnsupportedSpaceError(f"malformed space description {shown}: {exc}") from exc
    raise UnsupportedSpaceError(
        f"unsupported space type {kind!r} in {desc!r}; supported: {SUPPORTED}"
    )


def checked_shape(value: Any, role: str, limits: Limits | None = None) -> tuple[int, ...]:
    """Return a shape read from a file, refusing negative sizes and more than `max_space_size`.

    Raises:
        UnsupportedSpaceError: not a list of non-negative integers.
        LimitError: more elements than the limit allows (checked before any allocation).
    """
    if not isinstance(value, (list, tuple)) or not all(
        isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in value
    ):
        raise UnsupportedSpaceError(f"{role} shape must be a list of integers, got {value!r}")
    shape = tuple(int(s) for s in value)
    if any(s < 0 for s in shape) or len(shape) > 32:
        raise UnsupportedSpaceError(f"{role} shape {shape} is not a valid array shape")
    limit = resolve_limits(limits).max_space_size
    size = math.prod(shape)
    if size > limit:
        raise LimitError(
            None,
            [
                f"{role} shape {shape} has {size} elements, over the limit of {limit}; "
                f"{how_to_raise('max_space_size')}"
            ],
        )
    return shape


def discrete_space(n: int, start: int, role: str, limits: Limits | None = None) -> spaces.Discrete:
    """Return `Discrete(n, start)` for a size read from a file, within `max_space_size`.

    Raises:
        UnsupportedSpaceError: n < 1.
        LimitError: n over the limit (a Discrete observation becomes a one-hot of n floats).
    """
    if n < 1:
        raise UnsupportedSpaceError(f"{role} Discrete space must have n >= 1, got {n}")
    limit = resolve_limits(limits).max_space_size
    if n > limit:
        raise LimitError(
            None,
            [
                f"{role} Discrete space has n={n}, over the limit of {limit} (a one-hot "
                f"observation would take {n} floats per step); {how_to_raise('max_space_size')}"
            ],
        )
    return spaces.Discrete(n, start=start)


def _decode(value: Any) -> Any:
    """Undo `_number`'s string infinities, recursively."""
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if value == "inf":
        return np.inf
    if value == "-inf":
        return -np.inf
    return value


def action_to_array(space: gym.Space[Any], action: Any) -> np.ndarray:
    """Coerce an expert's action to the array stored in a dataset.

    Discrete actions become int64 of shape (1,); Box actions the space's dtype and shape,
    clipped into the space (a human's ramped axis may overshoot by rounding).

    Raises:
        SpaceMismatchError: when the action cannot be read as an element of the space.
    """
    if isinstance(space, spaces.Discrete):
        arr = np.asarray(action)
        if arr.size != 1:
            raise SpaceMismatchError(f"expected one discrete action for {space}, got {action!r}")
        value = int(arr.reshape(-1)[0])
        if not space.contains(np.int64(value)):
            raise SpaceMismatchError(f"action {value} is outside {space}")
        return np.array([value], dtype=np.int64)
    assert isinstance(space, spaces.Box)
    arr = np.asarray(action, dtype=np.float64)
    if arr.size != int(np.prod(space.shape)):
        raise SpaceMismatchError(
            f"expected an action of shape {space.shape} for {space}, got shape {arr.shape}"
        )
    arr = np.clip(arr.reshape(space.shape), space.low, space.high)
    return arr.astype(space.dtype)


def plain_action(action: Any) -> Any:
    """A Discrete action as a plain int (what key maps describe); a Box action as an array."""
    a = np.asarray(action)
    if a.size == 1 and np.issubdtype(a.dtype, np.integer):
        return int(a.reshape(-1)[0])
    return a


def obs_to_row(space: gym.Space[Any], obs: Any) -> np.ndarray:
    """Coerce an observation to its stored row: Discrete -> int64 (1,); Box -> its dtype and shape.

    Raises:
        SpaceMismatchError: the observation does not have the space's shape.
    """
    arr = np.asarray(obs)
    if isinstance(space, spaces.Discrete):
        if arr.size != 1:
            raise SpaceMismatchError(f"expected one discrete observation, got shape {arr.shape}")
        return np.array([int(arr.reshape(-1)[0])], dtype=np.int64)
    if arr.shape != space.shape:
        raise SpaceMismatchError(
            f"observation has shape {arr.shape}, the observation space {space.shape}"
        )
    return np.array(arr, dtype=space.dtype, copy=True)


def env_action(space: gym.Space[Any], stored: np.ndarray) -> Any:
    """Turn a stored action row back into what `env.step` takes (an int for Discrete)."""
    if isinstance(space, spaces.Discrete):
        return int(np.asarray(stored).reshape(-1)[0])
    return np.asarray(stored, dtype=space.dtype).reshape(space.shape)


def obs_row_shape(space: gym.Space[Any]) -> tuple[int, ...]:
    """Return the per-step shape of `obs` in the archive (Discrete: (1,); images: ())."""
    if isinstance(space, spaces.Discrete):
        return (1,)
    if is_image_space(space):
        return ()
    return tuple(space.shape)  # type: ignore[arg-type]


def action_row_shape(space: gym.Space[Any]) -> tuple[int, ...]:
    """Return the per-step shape of `actions` in the archive (Discrete: (1,))."""
    if isinstance(space, spaces.Discrete):
        return (1,)
    return tuple(space.shape)  # type: ignore[arg-type]
