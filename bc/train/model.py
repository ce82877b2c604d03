"""`BC`: the SB2-like model object: `BC('MlpPolicy', env).pretrain(dataset, n_epochs=1000)`."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import gymnasium as gym

from bc.dataset import ExpertDataset
from bc.envs import make_env
from bc.errors import BCError, InvalidArgumentError, PolicyFileError
from bc.train.config import DEFAULT_EPOCHS, DEFAULT_LEARNING_RATE
from bc.train.loop import History, pretrain
from bc.train.policies import Policy
from bc.verbose import pretrain_printer, say

_KINDS = {"MlpPolicy": "mlp", "CnnPolicy": "cnn", "auto": "auto", "mlp": "mlp", "cnn": "cnn"}


class BC:
    """A behaviour-cloning model in SB2's shape: build, `pretrain`, `predict`, `save`, `load`.

    Args:
        policy: "MlpPolicy", "CnnPolicy" or "auto" (CNN for image observations).
        env: an env, an env id, or None (spaces then come from the dataset at `pretrain`).
        learning_rate: default learning rate of `pretrain`.
        policy_kwargs: e.g. {"hidden": (64, 64)}.
        seed: seeds torch at the first `pretrain`.
        device: "auto", "cpu" or "cuda".
        verbose: 1 prints SB2's `pretrain` progress (epoch, training and validation loss).

    Raises:
        InvalidArgumentError: an unknown policy name (also a ValueError).
    """

    def __init__(
        self,
        policy: str,
        env: gym.Env[Any, Any] | str | None = None,
        learning_rate: float = DEFAULT_LEARNING_RATE,
        policy_kwargs: dict[str, Any] | None = None,
        seed: int | None = None,
        device: str = "auto",
        verbose: int = 0,
    ) -> None:
        if policy not in _KINDS:
            raise InvalidArgumentError(f"policy must be one of {', '.join(_KINDS)}, got {policy!r}")
        self.policy_name = policy
        self.env = make_env(env) if isinstance(env, str) else env
        self.learning_rate = learning_rate
        self.policy_kwargs = dict(policy_kwargs or {})
        self.seed = seed
        self.device = device
        self.verbose = verbose
        self.policy: Policy | None = None
        if self.env is not None:
            self._build(self.env.observation_space, self.env.action_space)

    def _build(self, obs_space: gym.Space[Any], act_space: gym.Space[Any]) -> Policy:
        self.policy = Policy(
            obs_space, act_space, kind=_KINDS[self.policy_name], **self.policy_kwargs
        )
        return self.policy

    def get_env(self) -> gym.Env[Any, Any] | None:
        """The env given at construction (or to `load`)."""
        return self.env

    def pretrain(
        self,
        dataset: ExpertDataset,
        n_epochs: int | None = None,
        learning_rate: float | None = None,
        adam_epsilon: float = 1e-8,
        val_interval: int | None = None,
        **kwargs: Any,
    ) -> BC:
        """Train on demonstrations (see `bc.pretrain`; defaults from `TrainConfig`); returns self.

        The returned history of the last call is kept in `self.history`.
        """
        policy = self.policy or self._build(dataset.observation_space, dataset.action_space)
        kwargs.setdefault("seed", self.seed)
        kwargs.setdefault("device", self.device)
        if self.verbose > 0:  # SB2's prints: progress every val_interval epochs, then "done"
            say("Pretraining with Behavior Cloning...")
            epochs = DEFAULT_EPOCHS if n_epochs is None else n_epochs
            kwargs["callback"] = pretrain_printer(epochs, val_interval, kwargs.get("callback"))
        self.history: History = pretrain(
            policy,
            dataset,
            n_epochs,
            self.learning_rate if learning_rate is None else learning_rate,
            adam_epsilon,
            val_interval,
            **kwargs,
        )
        if self.verbose > 0:
            say("Pretraining done.")
        return self

    def predict(
        self,
        observation: Any,
        state: Any = None,
        episode_start: Any = None,
        deterministic: bool = True,
        *,
        mask: Any = None,
    ) -> tuple[Any, None]:
        """Return `(action, None)` for an observation or a batch (SB3's signature, SB2's mask)."""
        if self.policy is None:
            raise BCError("the model has no policy yet: give it an env or pretrain it first")
        return self.policy.predict(observation, deterministic=deterministic)

    def __call__(self, obs: Any) -> Any:
        """The model as a callable expert."""
        return self.predict(obs)[0]

    def save(self, path: str | Path) -> Path:
        """Save the policy (a .zip: spec.json + weights) with the model's settings."""
        if self.policy is None:
            raise BCError("nothing to save: the model has no policy yet")
        out = self.policy.save(path)
        with zipfile.ZipFile(out, "a") as zf:
            spec = self.env.spec if self.env is not None else None
            zf.writestr(
                "model.json",
                json.dumps(
                    {
                        "policy": self.policy_name,
                        "learning_rate": self.learning_rate,
                        "env_id": getattr(spec, "id", None),
                    }
                ),
            )
        return out

    @classmethod
    def load(cls, path: str | Path, env: gym.Env[Any, Any] | str | None = None) -> BC:
        """Load a saved model (weights only); `env` may be given to `get_env()` and check spaces.

        Raises:
            PolicyFileError: not one of our files.
        """
        policy = Policy.load(path)
        settings: dict[str, Any] = {}
        try:
            with zipfile.ZipFile(policy_path(path)) as zf:
                if "model.json" in zf.namelist():
                    settings = json.loads(zf.read("model.json"))
        except (zipfile.BadZipFile, json.JSONDecodeError) as exc:
            raise PolicyFileError(f"{path}: corrupt model settings ({exc})") from exc
        model = cls.__new__(cls)
        model.policy_name = settings.get("policy", "auto")
        model.env = make_env(env) if isinstance(env, str) else env
        model.learning_rate = float(settings.get("learning_rate", DEFAULT_LEARNING_RATE))
        model.policy_kwargs = {"hidden": policy.hidden}
        model.seed, model.device, model.verbose = None, "auto", 0
        model.policy = policy
        if model.env is not None and (
            model.env.observation_space.shape != policy.observation_space.shape
            or model.env.action_space != policy.action_space
        ):
            raise PolicyFileError(f"{path}: the policy's spaces do not fit the env's")
        return model


def policy_path(path: str | Path) -> Path:
    """The file `Policy.save` wrote for `path` ('.zip' added when missing)."""
    p = Path(path)
    return p if p.exists() or p.suffix == ".zip" else p.with_name(p.name + ".zip")
