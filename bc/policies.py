"""Old home of the policies, kept so existing imports work: see `bc.train.policies`."""

from bc.train.policies import POLICY_FORMAT, Policy, make_policy

__all__ = ["POLICY_FORMAT", "Policy", "make_policy"]
