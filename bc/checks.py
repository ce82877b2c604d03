"""Old home of `check_dataset`, kept so existing imports work: see `bc.data.checks`."""

from bc.data.checks import CheckReport, check_dataset

__all__ = ["CheckReport", "check_dataset"]
