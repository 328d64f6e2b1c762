"""Fixtures: run a test under both kernel modes (numba kernels and their NumPy twins)."""

from __future__ import annotations

import numpy as np
import pytest

from minigrad.kernels import reference_mode


@pytest.fixture(params=["numba", "numpy"])
def kernel_mode(request):
    """Run the test once with the numba kernels and once with their NumPy twins."""
    with reference_mode(request.param == "numpy"):
        yield request.param


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
