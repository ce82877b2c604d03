"""Torch policies for behaviour cloning: MLP or CNN bodies, Discrete or Box heads, save/load."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from gymnasium import spaces
from torch import nn

from bc.errors import (
    PolicyFileError,
    PolicyNotFoundError,
    SpaceMismatchError,
    UnsupportedSpaceError,
)
from bc.spaces import check_supported, describe_space, is_image_space, space_from_description

POLICY_FORMAT = 1
MAX_SPEC_BYTES = 1 << 20
"""Largest `spec.json` a policy zip may inflate to (1 MiB; ours are under 4 KiB)."""
MAX_WEIGHTS_BYTES = 1 << 30
"""Default limit of `weights.pt` inflated (1 GiB); `Policy.load(max_bytes=...)` raises it."""
ACTIVATIONS: dict[str, type[nn.Module]] = {"relu": nn.ReLU, "tanh": nn.Tanh}


class _Body(nn.Module):
    """Observation -> features: an MLP for vectors, a NatureCNN-like stack for images."""

    def __init__(
        self,
        obs_space: gym.Space[Any],
        kind: str,
        hidden: tuple[int, ...],
        activation: type[nn.Module] = nn.ReLU,
    ) -> None:
        super().__init__()
        self.kind = kind
        if kind == "cnn":
            assert isinstance(obs_space, spaces.Box)
            h, w, c = obs_space.shape  # type: ignore[misc]
            if min(h, w) >= 36:  # NatureCNN (Mnih et al. 2015)
                convs = [(c, 32, 8, 4), (32, 64, 4, 2), (64, 64, 3, 1)]
            else:  # frames too small for 8x8 kernels: two 3x3 layers
                convs = [(c, 16, 3, 1), (16, 32, 3, 1)]
            layers_cnn: list[nn.Module] = []
            for cin, cout, k, s in convs:
                layers_cnn += [nn.Conv2d(cin, cout, k, stride=s), nn.ReLU()]
            self.net: nn.Module = nn.Sequential(*layers_cnn, nn.Flatten())
            with torch.no_grad():
                n = self.net(torch.zeros(1, c, h, w)).shape[1]
            self.fc: nn.Module = nn.Sequential(
                nn.Linear(n, hidden[-1] if hidden else 512), nn.ReLU()
            )
            self.out_dim = hidden[-1] if hidden else 512
        else:
            in_dim = (
                int(obs_space.n)
                if isinstance(obs_space, spaces.Discrete)
                else int(np.prod(obs_space.shape))  # type: ignore[arg-type]
            )
            layers: list[nn.Module] = []
            for size in hidden:
                layers += [nn.Linear(in_dim, size), activation()]
                in_dim = size
            self.net = nn.Sequential(*layers)
            self.fc = nn.Identity()
            self.out_dim = in_dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.kind == "cnn":
            x = x.permute(0, 3, 1, 2).float() / 255.0
            return self.fc(self.net(x))  # type: ignore[no-any-return]
        return self.net(x)  # type: ignore[no-any-return]


class Policy(nn.Module):
    """A behaviour-cloning policy for one pair of spaces.

    Vector observations are normalised with the training set's mean and std (stored with the
    policy); Discrete observations are one-hot; images are scaled to [0, 1] inside the model.
    Discrete actions: logits and cross-entropy. Box actions: the network predicts actions scaled
    to [-1, 1] from the space's bounds (unbounded dimensions are not scaled), trained with MSE
    in that scaled space; outputs are clipped back into the space with its dtype.

    Args:
        observation_space: Box or Discrete.
        action_space: Box or Discrete.
        kind: "auto" (CNN for image observations, else MLP), "mlp" or "cnn".
        hidden: hidden layer sizes (MLP) or the CNN's fully connected size (last entry).
        activation: the MLP's activation, "relu" or "tanh" (SB3's MlpPolicy uses tanh).

    Raises:
        UnsupportedSpaceError: another space, or "cnn" on non-image observations.
    """

    obs_mean: torch.Tensor
    obs_std: torch.Tensor
    act_low: torch.Tensor
    act_high: torch.Tensor

    def __init__(
        self,
        observation_space: gym.Space[Any],
        action_space: gym.Space[Any],
        kind: str = "auto",
        hidden: tuple[int, ...] | list[int] | None = None,
        activation: str = "relu",
    ) -> None:
        super().__init__()
        if activation not in ACTIVATIONS:
            raise UnsupportedSpaceError(
                f"activation must be one of {', '.join(ACTIVATIONS)}, got {activation!r}"
            )
        check_supported(observation_space, "observation")
        check_supported(action_space, "action")
        if kind == "auto":
            kind = "cnn" if is_image_space(observation_space) else "mlp"
        if kind not in ("mlp", "cnn"):
            raise UnsupportedSpaceError(f"policy kind must be auto, mlp or cnn, got {kind!r}")
        if kind == "cnn" and not is_image_space(observation_space):
            raise UnsupportedSpaceError(f"'cnn' needs image observations, got {observation_space}")
        self.observation_space = observation_space
        self.action_space = action_space
        self.kind = kind
        self.hidden = (
            tuple(hidden) if hidden is not None else ((512,) if kind == "cnn" else (256, 256))
        )
        self.activation = activation
        self.body = _Body(observation_space, kind, self.hidden, ACTIVATIONS[activation])
        if isinstance(action_space, spaces.Discrete):
            out = int(action_space.n)
        else:
            out = int(np.prod(action_space.shape))  # type: ignore[arg-type]
        self.head = nn.Linear(self.body.out_dim, out)
        obs_dim = (
            1
            if kind == "cnn" or isinstance(observation_space, spaces.Discrete)
            else int(
                np.prod(observation_space.shape)  # type: ignore[arg-type]
            )
        )
        self.register_buffer("obs_mean", torch.zeros(obs_dim))
        self.register_buffer("obs_std", torch.ones(obs_dim))
        self.normalised = False
        low, high = self._bounds()
        self.register_buffer("act_low", torch.as_tensor(low, dtype=torch.float32))
        self.register_buffer("act_high", torch.as_tensor(high, dtype=torch.float32))

    # -- spaces ---------------------------------------------------------------------------

    @property
    def is_discrete(self) -> bool:
        """True for a Discrete action space."""
        return isinstance(self.action_space, spaces.Discrete)

    def _bounds(self) -> tuple[np.ndarray, np.ndarray]:
        if not isinstance(self.action_space, spaces.Box):
            return np.zeros(1), np.ones(1)
        low = np.asarray(self.action_space.low, dtype=np.float64).reshape(-1)
        high = np.asarray(self.action_space.high, dtype=np.float64).reshape(-1)
        bounded = np.isfinite(low) & np.isfinite(high)
        # unbounded dimensions: identity scaling (low -1, high 1)
        low, high = np.where(bounded, low, -1.0), np.where(bounded, high, 1.0)
        # a dimension with low == high holds one value: scale by 2 around it (no division by 0)
        fixed = high <= low
        return np.where(fixed, low - 1.0, low), np.where(fixed, low + 1.0, high)

    def set_normalisation(self, observations: np.ndarray) -> None:
        """Store mean and std of the training observations (vector observations only)."""
        if self.kind == "cnn" or isinstance(self.observation_space, spaces.Discrete):
            return
        flat = np.asarray(observations, dtype=np.float64).reshape(len(observations), -1)
        finite = np.where(np.isfinite(flat), flat, 0.0)
        self.obs_mean.copy_(torch.as_tensor(finite.mean(axis=0), dtype=torch.float32))
        self.obs_std.copy_(torch.as_tensor(finite.std(axis=0) + 1e-6, dtype=torch.float32))
        self.normalised = True

    # -- tensors --------------------------------------------------------------------------

    def obs_tensor(self, obs: np.ndarray) -> torch.Tensor:
        """Batch of raw observations -> the network's input on the policy's device."""
        device = self.obs_mean.device
        if self.kind == "cnn":
            return torch.as_tensor(np.asarray(obs), device=device)
        if isinstance(self.observation_space, spaces.Discrete):
            idx = torch.as_tensor(np.asarray(obs).reshape(-1), dtype=torch.long, device=device)
            return nn.functional.one_hot(idx, int(self.observation_space.n)).float()
        x = torch.as_tensor(np.asarray(obs, dtype=np.float32), device=device).reshape(len(obs), -1)
        return (x - self.obs_mean) / self.obs_std

    def action_target(self, actions: np.ndarray) -> torch.Tensor:
        """Stored actions -> training targets (class indices, or actions scaled to [-1, 1])."""
        device = self.obs_mean.device
        if self.is_discrete:
            start = int(self.action_space.start)  # type: ignore[attr-defined]
            return torch.as_tensor(
                np.asarray(actions).reshape(-1) - start, dtype=torch.long, device=device
            )
        a = torch.as_tensor(np.asarray(actions, dtype=np.float32), device=device).reshape(
            len(actions), -1
        )
        return 2.0 * (a - self.act_low) / (self.act_high - self.act_low) - 1.0

    def unscale(self, scaled: torch.Tensor) -> torch.Tensor:
        """Scaled Box actions ([-1, 1]) -> env units (the inverse of `action_target`)."""
        return (scaled + 1.0) / 2.0 * (self.act_high - self.act_low) + self.act_low

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Network input -> logits (Discrete) or scaled actions (Box)."""
        if self.kind == "mlp":  # one module call fewer per batch
            return self.head(self.body.net(x))  # type: ignore[no-any-return]
        return self.head(self.body(x))  # type: ignore[no-any-return]

    def loss(self, out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Cross-entropy (Discrete) or MSE in the scaled action space (Box)."""
        if self.is_discrete:
            return nn.functional.cross_entropy(out, target)
        return nn.functional.mse_loss(out, target)

    def to_actions(self, out: torch.Tensor) -> np.ndarray:
        """Network output -> actions in the space: (B,) int64, or (B,)+shape in its dtype."""
        if self.is_discrete:
            start = int(self.action_space.start)  # type: ignore[attr-defined]
            return out.argmax(dim=1).cpu().numpy().astype(np.int64) + start
        a = self.unscale(out.float().clamp(-1.0, 1.0))
        box = self.action_space
        assert isinstance(box, spaces.Box)
        arr = a.detach().cpu().numpy().reshape((len(a), *box.shape))
        return np.clip(arr, box.low, box.high).astype(box.dtype)

    # -- use ------------------------------------------------------------------------------

    def _is_single(self, obs: np.ndarray) -> bool:
        if isinstance(self.observation_space, spaces.Discrete):
            return bool(obs.ndim == 0 or obs.shape == (1,))
        return bool(obs.shape == self.observation_space.shape)

    def predict(
        self,
        observation: Any,
        state: Any = None,
        episode_start: Any = None,
        deterministic: bool = True,
        *,
        mask: Any = None,
    ) -> tuple[Any, None]:
        """Return `(action, None)` for one observation, `(actions, None)` for a batch (as SB3).

        SB3's signature, so SB3's `evaluate_policy` and `predict(obs, deterministic=True)` work;
        SB2's `mask=` is accepted too. The policy has no recurrent state: `state`,
        `episode_start` and `mask` are ignored.

        Raises:
            SpaceMismatchError: the observation does not fit the observation space.
        """
        obs = np.asarray(observation)
        single = self._is_single(obs)
        batch = obs[None] if single else obs
        expected = (
            self.observation_space.shape
            if not isinstance(self.observation_space, spaces.Discrete)
            else None
        )
        if expected is not None and batch.shape[1:] != expected:
            raise SpaceMismatchError(
                f"observation of shape {obs.shape} does not fit {self.observation_space}"
            )
        was_training = self.training
        self.eval()
        with torch.no_grad():
            actions = self.to_actions(self(self.obs_tensor(batch)))
        self.train(was_training)
        if single:
            return (int(actions[0]) if self.is_discrete else actions[0]), None
        return actions, None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """On a tensor: the forward pass. On a raw observation: the action (a callable expert)."""
        if args and not isinstance(args[0], torch.Tensor):
            return self.predict(args[0])[0]
        return super().__call__(*args, **kwargs)

    # -- files ----------------------------------------------------------------------------

    def spec(self) -> dict[str, Any]:
        """The JSON description saved beside the weights."""
        return {
            "format": "demo-recorder policy",
            "format_version": POLICY_FORMAT,
            "observation_space": describe_space(self.observation_space),
            "action_space": describe_space(self.action_space),
            "kind": self.kind,
            "hidden": list(self.hidden),
            "activation": self.activation,
            "normalised": self.normalised,
        }

    def save(self, path: str | Path) -> Path:
        """Write a .zip holding spec.json and weights.pt (a state dict: no pickled code)."""
        target = Path(path)
        if target.suffix != ".zip":
            target = target.with_name(target.name + ".zip")
        target.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        torch.save({k: v.cpu() for k, v in self.state_dict().items()}, buffer)
        tmp = target.with_name(f".{target.name}.tmp")
        with zipfile.ZipFile(tmp, "w") as zf:
            zf.writestr("spec.json", json.dumps(self.spec(), indent=2))
            zf.writestr("weights.pt", buffer.getvalue())
        tmp.replace(target)
        return target

    @classmethod
    def load(
        cls, path: str | Path, device: str = "cpu", *, max_bytes: int = MAX_WEIGHTS_BYTES
    ) -> Policy:
        """Load a policy saved by `save` (weights only: never unpickles code).

        `spec.json` may inflate to at most `MAX_SPEC_BYTES` and `weights.pt` to `max_bytes`;
        larger members are refused before they are decompressed.

        Raises:
            PolicyFileError: missing, corrupt, too large, or not one of ours.
        """
        p = Path(path)
        if not p.exists() and p.with_name(p.name + ".zip").exists():
            p = p.with_name(p.name + ".zip")
        if not p.is_file():
            raise PolicyNotFoundError(f"{p}: no such policy file")
        try:
            with zipfile.ZipFile(p) as zf:
                spec = json.loads(_read_member(zf, "spec.json", MAX_SPEC_BYTES, p))
                weights = _read_member(zf, "weights.pt", max_bytes, p)
        except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, OSError, EOFError) as exc:
            raise PolicyFileError(f"{p}: not a demo-recorder policy file ({exc})") from exc
        if not isinstance(spec, dict) or spec.get("format") != "demo-recorder policy":
            raise PolicyFileError(f"{p}: not a demo-recorder policy file (no policy spec)")
        version = spec.get("format_version", 0)
        if not isinstance(version, int) or isinstance(version, bool) or version < 0:
            raise PolicyFileError(f"{p}: format_version must be a whole number, got {version!r}")
        if version > POLICY_FORMAT:
            raise PolicyFileError(f"{p}: policy format {version} is newer than this version")
        try:
            policy = cls(
                space_from_description(spec["observation_space"]),
                space_from_description(spec["action_space"]),
                kind=spec["kind"],
                hidden=spec["hidden"],
                activation=spec.get("activation", "relu"),
            )
            state = torch.load(io.BytesIO(weights), map_location="cpu", weights_only=True)
            policy.load_state_dict(state)
        except Exception as exc:
            raise PolicyFileError(
                f"{p}: corrupt policy file ({type(exc).__name__}: {exc})"
            ) from exc
        policy.normalised = bool(spec.get("normalised", False))
        return policy.to(device)


def _read_member(zf: zipfile.ZipFile, name: str, limit: int, path: Path) -> bytes:
    """Read one zip member, refusing it before decompression when it inflates past `limit`.

    The size in the zip's directory is checked first; the read itself is bounded too, so a
    directory that lies about the size cannot make it allocate more.
    """
    info = zf.getinfo(name)
    if info.file_size > limit:
        raise PolicyFileError(
            f"{path}: {name} inflates to {info.file_size / 2**20:.0f} MiB, over the "
            f"{limit / 2**20:.0f} MiB limit (not a policy file, or raise the limit)"
        )
    with zf.open(info) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise PolicyFileError(f"{path}: {name} inflates past the {limit >> 20} MiB limit")
    return data


def make_policy(
    observation_space: gym.Space[Any], action_space: gym.Space[Any], kind: str = "auto", **arch: Any
) -> Policy:
    """Build a policy for the spaces ("auto": CNN for images, else MLP)."""
    return Policy(observation_space, action_space, kind=kind, **arch)
