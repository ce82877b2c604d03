"""Fixtures for the core library's tests."""

from pathlib import Path

import pytest

SB2_DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture
def sb2_cartpole() -> Path:
    """SB2's own CartPole expert file (tests/data, see its README)."""
    path = SB2_DATA / "expert_cartpole.npz"
    assert path.is_file(), f"missing {path}"
    return path


@pytest.fixture
def sb2_pendulum() -> Path:
    """SB2's own Pendulum expert file."""
    path = SB2_DATA / "expert_pendulum.npz"
    assert path.is_file(), f"missing {path}"
    return path
