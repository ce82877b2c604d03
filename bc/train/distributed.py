"""Training across processes and machines with `torchrun` (DistributedDataParallel).

`torchrun` sets RANK, WORLD_SIZE, LOCAL_RANK and the rendezvous; `setup` joins the group
(gloo on CPU, NCCL on GPU) with a timeout, so a process whose peer died stops with an error
instead of waiting forever. torchrun itself ends the other processes when one exits non-zero.

`teardown` must really free the group while the interpreter is alive: a gloo group still alive
when Python finalizes is destroyed during module cleanup, and a gloo thread that then needs the
GIL (to drop a tensor) is ended by the interpreter inside C++, which aborts the process with
"terminate called without an active exception". See `_import_before_joining` for what kept it
alive.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn

from bc.errors import TrainingError
from bc.train.device import resolve_device

TIMEOUT = datetime.timedelta(seconds=float(os.environ.get("BC_DIST_TIMEOUT", "300")))
"""How long a collective waits for the other processes before failing (BC_DIST_TIMEOUT)."""


@dataclass
class Context:
    """The place of the current process in a distributed run."""

    rank: int
    world_size: int
    local_rank: int
    device: torch.device
    owns_group: bool = True
    """False when the caller had already joined a group (then it is left alone at the end)."""

    @property
    def is_main(self) -> bool:
        """True on rank 0, the one process that writes files and prints."""
        return self.rank == 0

    def wrap(self, module: nn.Module) -> nn.Module:
        """The module in DistributedDataParallel (gradients averaged over the processes)."""
        ids = [self.device.index] if self.device.type == "cuda" else None
        return nn.parallel.DistributedDataParallel(module, device_ids=ids)

    def sum(self, values: list[float]) -> list[float]:
        """Element-wise sum of `values` over every process."""
        tensor = torch.tensor(values, dtype=torch.float64, device=self._comm_device())
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
        return [float(v) for v in tensor.cpu()]

    def mean(self, value: float) -> float:
        """Mean of one number over every process."""
        return self.sum([value])[0] / self.world_size

    def all_ok(self, ok: bool) -> bool:
        """True when every process reports ok (used so that all stop together)."""
        return self.sum([0.0 if ok else 1.0])[0] == 0.0

    def _comm_device(self) -> torch.device:
        return self.device if dist.get_backend() == "nccl" else torch.device("cpu")


def requested() -> bool:
    """True when launched by torchrun with more than one process."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def setup(device: str = "auto") -> Context | None:
    """Join torchrun's process group; None when not launched by torchrun with several processes.

    Raises:
        TrainingError: the group cannot be formed (a peer missing, a bad rendezvous).
    """
    if not requested():
        return None
    rank = int(os.environ["RANK"])
    world = int(os.environ["WORLD_SIZE"])
    local = int(os.environ.get("LOCAL_RANK", "0"))
    dev = resolve_device(device)
    if dev.type == "cuda":
        dev = torch.device("cuda", local % max(1, torch.cuda.device_count()))
        torch.cuda.set_device(dev)
    backend = "nccl" if dev.type == "cuda" else "gloo"
    owns = not dist.is_initialized()
    if owns:
        _import_before_joining()
        try:
            dist.init_process_group(backend, timeout=TIMEOUT)
        except Exception as exc:
            raise TrainingError(f"could not join the torchrun group ({backend}): {exc}") from exc
    return Context(rank, world, local, dev, owns)


def _import_before_joining() -> None:
    """Import, before the group exists, the torch module that would pin it in default arguments.

    `torch.distributed.nn.functional` declares `group=group.WORLD` defaults, evaluated when it is
    first imported. DistributedDataParallel imports it (through torch._dynamo) after the group is
    formed, so those defaults held the default gloo group: `destroy_process_group` then left its
    threads running until interpreter finalization (the abort above). Imported now, they are None.
    """
    import torch.distributed.nn.functional  # noqa: F401


def teardown(context: Context | None) -> None:
    """Leave the process group (only one that `setup` joined); its gloo threads stop here."""
    if context is not None and context.owns_group and dist.is_initialized():
        dist.destroy_process_group()
