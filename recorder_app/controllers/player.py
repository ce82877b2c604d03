"""The player: the human's bindings and held keys, or the expert that plays instead of them."""

from __future__ import annotations

from typing import Any

from PyQt6.QtCore import QObject, pyqtSignal

from bc.rollout import Expert
from recorder_app.input import GamepadManager, HumanExpert, load_bindings
from recorder_app.input.keymaps import raw_pad_notice
from recorder_app.input.takeover import PolicyWithTakeover
from recorder_app.state import EnvInfo
from recorder_app.workers.jobs import start_job


class PlayerController(QObject):
    """Binds a `HumanExpert` to each env opened and forwards keys to it; or plays a policy.

    Bindings load off the GUI thread: an Atari map asks a freshly made env for its keys.

    Signals:
        bound(HumanExpert): the human player of the open env is ready.
        expert_changed(object): the expert the env runner should ask now.
        failed(str, str): what failed and a one-line message.
    """

    bound = pyqtSignal(object)
    expert_changed = pyqtSignal(object)
    failed = pyqtSignal(str, str)
    message = pyqtSignal(str)

    def __init__(self, gamepads: GamepadManager | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.gamepads = gamepads
        self.human: HumanExpert | None = None
        self.override: Expert | None = None
        """An expert playing instead of the human (a policy), or None."""
        self._generation = 0
        self._human_device = "keyboard"
        self.bindings_notice = ""
        """Why the env's key map deserves a look (it names raw pad inputs), or ""."""

    def bind(self, info: EnvInfo) -> None:
        """Load the bindings of `info`'s env in the background; `bound` follows."""
        self._generation += 1
        generation = self._generation
        start_job(
            lambda: load_bindings(info.env_id, info.action_space, info.key_hints),
            f"loading the key map of {info.env_id}",
            lambda bindings: self._on_bindings_loaded(generation, info, bindings),
            lambda message: self.failed.emit("Cannot load the key map", message),
            owner=self,
        )

    def _on_bindings_loaded(self, generation: int, info: EnvInfo, bindings: Any) -> None:
        if generation != self._generation:
            return  # another env was opened meanwhile
        self.human = HumanExpert(bindings, info.action_space, gamepad=self.gamepads)
        self.bindings_notice = raw_pad_notice(bindings) if bindings.raw_pad_names() else ""
        if self.bindings_notice:
            self.message.emit(self.bindings_notice)
        self.refresh_device()
        self.bound.emit(self.human)
        self.expert_changed.emit(self.expert)

    @property
    def expert(self) -> Expert | None:
        """Who plays: the override, else the human."""
        return self.override if self.override is not None else self.human

    def set_expert(self, expert: Expert | None) -> None:
        """Let `expert` play (a policy, a script); None: the human again."""
        self.override = expert
        self.expert_changed.emit(self.expert)

    def watch(self, policy: Any) -> None:
        """Let a policy play; the human takes over while holding an input (None: the human)."""
        self.set_expert(PolicyWithTakeover(policy, self.human) if policy is not None else None)

    def correct(self, policy: Any, episode_round: int, holdoff: float = 0.3) -> None:
        """Correct mode: the policy plays, the human takes over (see `PolicyWithTakeover`).

        The human hands back `holdoff` seconds after releasing; recorded episodes are
        corrections of `episode_round`.
        """
        self.set_expert(
            PolicyWithTakeover(policy, self.human, holdoff=holdoff, episode_round=episode_round)
        )

    def refresh_device(self) -> None:
        """Read the human's device name again (GUI thread: a pad was picked or unplugged).

        SDL is asked here, on the GUI thread and only when pads change: never per frame,
        never from the env runner's thread.
        """
        self._human_device = self.human.device if self.human is not None else "keyboard"

    def device_label(self) -> str:
        """Who plays, for the heads-up line (cheap: no SDL call)."""
        override = self.override
        if override is None:
            return self._human_device
        took_over = getattr(override, "human_in_control", None)
        if took_over is None:
            return str(getattr(override, "device", "") or "")
        return f"{self._human_device} (took over)" if took_over else "policy"

    def press_key(self, name: str) -> bool:
        """Forward a key press to the human; True when a binding uses the key."""
        if self.human is None or not self.human.handles(name):
            return False
        self.human.press(name)
        return True

    def release_key(self, name: str) -> bool:
        """Forward a key release to the human; True when a binding uses the key."""
        if self.human is None or not self.human.handles(name):
            return False
        self.human.release(name)
        return True

    def handles_key(self, name: str) -> bool:
        """True when a binding of the current env uses this key."""
        return self.human is not None and self.human.handles(name)

    def release_all_keys(self) -> None:
        """Forget held keys (the window lost focus: no key stays stuck)."""
        if self.human is not None:
            self.human.release_all()

    def binding_rows(self) -> list[tuple[str, str]]:
        """The current env's bindings as (input, action) lines for the Help dialog."""
        return self.human.bindings.rows() if self.human is not None else []

    def metadata(self) -> dict[str, Any]:
        """What a dataset records about the input: the device and the bindings."""
        if self.human is None:
            return {}
        to_dict = getattr(self.human.bindings, "to_dict", None)
        bindings = to_dict() if callable(to_dict) else str(self.human.bindings)
        return {"input_device": self.human.device, "bindings": bindings}
