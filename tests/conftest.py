"""Fixtures shared by the whole suite."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import settings

# Hypothesis fails an example slower than its deadline (200 ms by default), and calls a test
# flaky when a slow example is fast on replay: on a loaded two-core CI machine, the OS alone
# can pause an example that long. Two seconds still catches an example that runs away.
settings.register_profile("baozhai", deadline=dt.timedelta(seconds=2))
settings.load_profile("baozhai")

REPO = Path(__file__).parents[1]
SEED_NAME = "000_66a55eaee7fab4ff.txt"
SHARED_SEED = REPO.parent / "shared" / "editions" / SEED_NAME
PACKAGED_SEED = REPO / "bot" / "sample" / "zjgrrb-2024-07-01-p01.txt"


@pytest.fixture(scope="session")
def seed_path() -> Path:
    """The real seed page (浙江工人日报, 2024-07-01, page 1): ``../shared`` beside the repo,
    else the copy packaged as the demo sample."""
    for path in (SHARED_SEED, PACKAGED_SEED):
        if path.is_file():
            return path
    pytest.skip("seed edition not found in ../shared/editions or bot/sample")


@pytest.fixture(scope="session")
def seed_text(seed_path: Path) -> str:
    """The seed page's text."""
    return seed_path.read_text(encoding="utf-8")
