"""Old home of SB3 pretraining, kept so existing imports work: see `bc.train.sb3`."""

from bc.train.sb3 import is_sb3_model, pretrain_sb3

__all__ = ["is_sb3_model", "pretrain_sb3"]
