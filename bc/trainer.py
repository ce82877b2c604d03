"""Old home of `pretrain`, kept so existing imports work: see `bc.train.loop`."""

from bc.train.device import resolve_device
from bc.train.loop import BatchReport, EpochReport, History, pretrain

__all__ = ["BatchReport", "EpochReport", "History", "pretrain", "resolve_device"]
