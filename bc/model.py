"""Old home of `BC`, kept so existing imports work: see `bc.train.model`."""

from bc.train.model import BC, policy_path

__all__ = ["BC", "policy_path"]
