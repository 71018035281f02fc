"""Shared fixtures: the OOMMF files in tests/data/oommf (see its README)."""

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
OOMMF = DATA / "oommf"


@pytest.fixture
def oommf_dir() -> Path:
    return OOMMF
