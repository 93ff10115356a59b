"""Shared fixtures. Real instrument files live outside the repository, in
``../shared/data`` beside the checkout (or where OHMSLICE_SHARED_DATA points); tests that
need them skip with a visible reason where that folder is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests draw the same examples on every run of the suite (CI stays reproducible);
# HYPOTHESIS_PROFILE=explore draws new ones each time, and more of them.
settings.register_profile("suite", derandomize=True)
settings.register_profile("explore", max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("OHMSLICE_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real instrument files; skips the test where it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real instrument files not found at {SHARED_DATA} (../shared/data)")
    return SHARED_DATA


@pytest.fixture()
def rng():
    import numpy as np

    return np.random.default_rng(12345)
