"""Making Gymnasium envs by id with one-line errors, and listing the ones we can record."""

from __future__ import annotations

import difflib
import functools
import json
import logging
import sys
import threading
from typing import Any

import gymnasium as gym

from bc.errors import BCError, EnvError, EnvKwargsError, UntrustedEnvModuleError
from bc.spaces import check_supported

log = logging.getLogger(__name__)


def _register_extras(env_id: str) -> None:
    """Register third-party env families on demand (ALE's Atari games)."""
    if env_id.startswith("ALE/"):
        try:
            import ale_py

            gym.register_envs(ale_py)
        except ImportError as exc:
            raise EnvError(
                f"{env_id} needs the Atari extra: pip install 'gymnasium[atari]'"
            ) from exc


def env_id_module(env_id: str) -> str | None:
    """The module `gym.make` would import for an id of the form "module:EnvName" (else None)."""
    if ":" not in env_id:
        return None
    return env_id.split(":", 1)[0].strip() or None


def untrusted_module(env_id: str) -> str | None:
    """The module an env id would import that is not imported yet (None: making it imports nothing).

    `gym.make("pkg.mod:Env-v0")` imports `pkg.mod`, running its code. An id read from a
    dataset file is untrusted: making it needs the user's consent when this returns a name.
    """
    module = env_id_module(env_id)
    if module is None or module in sys.modules:
        return None
    return module


def check_env_id_trusted(env_id: str, trust_module: bool, flag: str = "--trust-env-module") -> None:
    """Refuse an env id from a file that would import a module, unless the user trusts it.

    Args:
        env_id: the id as read from the file.
        trust_module: the user's explicit consent (the CLI's `--trust-env-module`).
        flag: how the user gives consent, for the message.

    Raises:
        UntrustedEnvModuleError: the id imports a module not imported yet, without consent.
    """
    module = untrusted_module(env_id)
    if module is not None and not trust_module:
        raise UntrustedEnvModuleError(
            f"the env id {env_id!r} stored in the file would import module {module!r} "
            f"(running its code); pass {flag} if you trust this file, or give the env id yourself"
        )


def make_env(
    env_id: str,
    render_mode: str | None = "rgb_array",
    *,
    trust_module: bool = True,
    **kwargs: Any,
) -> gym.Env[Any, Any]:
    """Make an env by id, with its spaces checked.

    Args:
        env_id: a registered Gymnasium id, e.g. "CartPole-v1" or "ALE/Pong-v5".
        render_mode: passed to `gym.make` ("rgb_array" for the app, None to skip rendering).
        trust_module: allow an id of the form "module:Env" to import its module. Pass False for
            an id read from a file (see `check_env_id_trusted`); ids the user typed are trusted.
        **kwargs: the env's own keyword arguments.

    Returns:
        The env.

    Raises:
        EnvError: unknown id (with close matches), bad kwargs, or a missing extra.
        UntrustedEnvModuleError: the id would import a module and `trust_module` is False.
        UnsupportedSpaceError: its spaces are not Box or Discrete.
    """
    check_env_id_trusted(env_id, trust_module)
    _register_extras(env_id)
    try:
        env = gym.make(env_id, render_mode=render_mode, **kwargs)
    except gym.error.DependencyNotInstalled as exc:
        raise EnvError(f"{env_id} needs a missing package: {exc}") from exc
    except gym.error.Error as exc:
        if env_id not in gym.registry:
            close = difflib.get_close_matches(env_id, list(gym.registry), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise EnvError(f"unknown env id {env_id!r}{hint}") from exc
        raise EnvError(f"cannot make {env_id}: {exc}") from exc
    except TypeError as exc:
        raise EnvError(f"bad keyword arguments for {env_id} {kwargs}: {exc}") from exc
    except ImportError as exc:
        raise EnvError(f"cannot make {env_id}: {exc}") from exc
    except Exception as exc:  # an env's constructor may raise anything on bad kwargs
        raise EnvError(f"cannot make {env_id}: {type(exc).__name__}: {exc}") from exc
    env = KeepSDLRunning(env)
    try:
        check_supported(env.observation_space, "observation")
        check_supported(env.action_space, "action")
    except BCError:
        env.close()
        raise
    return env


_quit_lock = threading.Lock()


class KeepSDLRunning(gym.Wrapper):  # type: ignore[misc]
    """An env whose `close()` does not shut SDL down for the whole process.

    Gymnasium's pygame-rendered envs (CartPole, LunarLander, CarRacing...) call `pygame.quit()`
    in `close()`, even when they only rendered into an off-screen surface. That ends SDL for
    every part of the process: the app's gamepads die, and a thread polling them at that moment
    can crash. Closing through this wrapper turns those two calls into no-ops for its duration.
    """

    def close(self) -> None:
        """Close the env, leaving pygame (and SDL) initialised."""
        pygame = sys.modules.get("pygame")
        if pygame is None:
            self.env.close()
            return
        with _quit_lock:
            saved = getattr(pygame, "quit", None), getattr(pygame.display, "quit", None)
            setattr(pygame, "quit", _no_quit)  # noqa: B010 (untyped module attributes)
            setattr(pygame.display, "quit", _no_quit)  # noqa: B010
            try:
                self.env.close()
            finally:
                setattr(pygame, "quit", saved[0])  # noqa: B010
                setattr(pygame.display, "quit", saved[1])  # noqa: B010


def _no_quit() -> None:
    """Stands in for pygame.quit() while an env closes."""


# Families whose spaces are not Box/Discrete, or that need extra packages we do not ship.
_SKIP_PREFIXES = (
    "phys2d/",
    "tabular/",
    "GymV21",
    "GymV26",
    "Blackjack",
    "ALE/",
    "Humanoid",
    "Ant",
    "HalfCheetah",
    "Hopper",
    "InvertedDoublePendulum",
    "InvertedPendulum",
    "Pusher",
    "Reacher",
    "Swimmer",
    "Walker2d",
)


@functools.lru_cache(maxsize=2)
def supported_env_ids(include_atari: bool = False) -> tuple[str, ...]:
    """Registered env ids whose spaces we support (each made once, without rendering).

    Args:
        include_atari: also list ALE games (slower: each loads its ROM).
    """
    if include_atari:
        _register_extras("ALE/")
    found = []
    for env_id in sorted(gym.registry):
        if env_id.startswith(_SKIP_PREFIXES) and not (include_atari and env_id.startswith("ALE/")):
            continue
        if env_id.startswith("ALE/") and "ram" in env_id:
            continue
        try:
            env = gym.make(env_id)
        except Exception:  # any env that cannot be made is simply not listed
            continue
        try:
            check_supported(env.observation_space, "observation")
            check_supported(env.action_space, "action")
            found.append(env_id)
        except BCError:
            pass
        finally:
            env.close()
    return tuple(found)


def parse_env_kwargs(text: str | None, name: str = "env kwargs") -> dict[str, Any]:
    """Parse env keyword arguments given as text: empty (none) or a JSON object.

    The one parser behind the CLI's `--env-kwargs`, the app's `--env-kwargs` and its kwargs field.

    Args:
        text: the text typed; None or blank means no kwargs.
        name: what the user typed it into, for the message ("--env-kwargs").

    Raises:
        EnvKwargsError: not JSON, or JSON that is not an object (a one-line message).
    """
    text = (text or "").strip()
    if not text:
        return {}
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise EnvKwargsError(
            f"{name} is not valid JSON ({exc}); give a JSON object, "
            '{"max_episode_steps": 200} for example'
        ) from exc
    if not isinstance(value, dict):
        raise EnvKwargsError(f"{name} must be a JSON object, got {type(value).__name__}: {text}")
    return value
