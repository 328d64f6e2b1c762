"""Fixtures for the kernel tests: both modes, input layouts, tolerances per dtype."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad.kernels as K

DTYPES = [np.float32, np.float64]
TOL = {np.float32: {"rtol": 2e-5, "atol": 2e-6}, np.float64: {"rtol": 1e-12, "atol": 1e-13}}


def tol(dtype, scale: float = 1.0) -> dict:
    """assert_allclose tolerances for `dtype`, optionally loosened by `scale`."""
    t = TOL[np.dtype(dtype).type]
    return {"rtol": t["rtol"] * scale, "atol": t["atol"] * scale}


@pytest.fixture(params=["numba", "numpy"])
def mode(request):
    """Run the test with the dispatchers in numba mode and in reference (NumPy) mode."""
    previous = K.using_reference()
    K.use_reference(request.param == "numpy")
    yield request.param
    K.use_reference(previous)


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def layouts(a: np.ndarray) -> dict[str, np.ndarray]:
    """The same values as C-contiguous, transposed-copy view (non-contiguous) and read-only
    broadcast view."""
    transposed = np.ascontiguousarray(a.T).T  # same values, Fortran order
    strided = np.empty((a.shape[0] * 2,) + a.shape[1:], a.dtype)[::2]
    strided[...] = a
    broadcast = np.broadcast_to(a, (1,) + a.shape)[0]  # read-only view
    return {"contiguous": a, "transposed": transposed, "strided": strided, "readonly": broadcast}
