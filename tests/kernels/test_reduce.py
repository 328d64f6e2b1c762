"""sum_to_shape: NumPy broadcasting undone, fresh arrays, both routes."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad.kernels as K
from minigrad.kernels import reduce

from .conftest import DTYPES, tol


@pytest.fixture(autouse=True)
def kernel_for_every_size(monkeypatch):
    """Send even these small test gradients through the numba kernel (normally only
    gradients of at least reduce.SMALL elements go there)."""
    monkeypatch.setattr(reduce, "SMALL", 1)


CASES = [
    ((6, 5), (5,)),  # bias gradient
    ((6, 5), (6, 1)),  # row sums
    ((2, 3, 4, 5), (3, 1, 1)),  # conv bias, NCHW
    ((2, 3, 4), (1, 3, 1)),
    ((2, 3, 4), (2, 1, 4)),  # kept / summed / kept: NumPy route
    ((2, 3, 4), ()),  # everything
    ((3, 4), (3, 4)),  # nothing summed
    ((3, 1, 4), (1, 4)),
    ((4, 0, 3), (3,)),  # size-0 dimension
    ((0, 5), (5,)),
    ((0, 5), (1, 5)),
]


@pytest.mark.parametrize(("grad_shape", "shape"), CASES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_matches_np_sum(mode, grad_shape, shape, dtype, rng):
    grad = rng.standard_normal(grad_shape).astype(dtype)
    lead = len(grad_shape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(shape) if s == 1 and grad_shape[lead + i] != 1
    )
    expected = grad.astype(np.float64).sum(axis=axes).reshape(shape)
    got = K.sum_to_shape(grad, shape)
    assert got.shape == shape and got.dtype == dtype
    np.testing.assert_allclose(got, expected, **tol(dtype, 10))
    assert not np.shares_memory(got, grad)


def test_hand_values_and_zero_d(mode):
    np.testing.assert_array_equal(K.sum_to_shape(np.arange(6.0).reshape(2, 3), (3,)), [3, 5, 7])
    np.testing.assert_array_equal(
        K.sum_to_shape(np.arange(6.0).reshape(2, 3), (2, 1)), [[3], [12]]
    )
    total = K.sum_to_shape(np.arange(4.0).reshape(2, 2), ())
    assert total.shape == () and total == 6.0
    scalar = np.array(2.5)
    same = K.sum_to_shape(scalar, ())
    assert same == 2.5 and not np.shares_memory(same, scalar)


def test_identity_returns_a_copy(mode):
    grad = np.ones((2, 3), np.float32)
    out = K.sum_to_shape(grad, (2, 3))
    out[0, 0] = 5
    assert grad[0, 0] == 1


@pytest.mark.parametrize("dtype", [np.int64, np.bool_])
def test_non_float_keeps_dtype(mode, dtype):
    grad = np.ones((3, 2), dtype)
    out = K.sum_to_shape(grad, (2,))
    assert out.dtype == dtype
    if dtype == np.int64:
        np.testing.assert_array_equal(out, [3, 3])


@pytest.mark.parametrize("kind", ["transposed", "readonly"])
def test_non_contiguous_inputs(mode, kind, rng):
    base = rng.standard_normal((5, 7))
    grad = base.T if kind == "transposed" else np.broadcast_to(base[0], (4, 7))
    np.testing.assert_allclose(K.sum_to_shape(grad, (1, grad.shape[1])), grad.sum(0, keepdims=True))


def test_numba_kernel_is_more_accurate_than_float32_sum(rng):
    # np.sum over axis 0 adds 20000 float32 rows one after another; the kernel adds chunks of
    # rows in float32 and the chunk sums in float64.
    grad = (rng.standard_normal((20000, 64)) + 100).astype(np.float32)
    exact = grad.astype(np.float64).sum(axis=0)
    kernel_error = np.abs(reduce.sum_to_shape_numba(grad, (64,)) - exact).max()
    numpy_error = np.abs(grad.sum(axis=0) - exact).max()
    assert kernel_error < numpy_error / 4
    np.testing.assert_allclose(reduce.sum_to_shape_numba(grad, (64,)), exact, rtol=1e-5)


def test_rejects_non_broadcastable_shape(mode):
    with pytest.raises(ValueError, match=r"\(2, 3\) cannot be summed to shape \(2,\)"):
        K.sum_to_shape(np.ones((2, 3)), (2,))
    with pytest.raises(ValueError, match="not broadcastable"):
        K.sum_to_shape(np.ones(3), (1, 3))


def test_full_reduction_returns_an_array_not_a_scalar(mode):
    out = K.sum_to_shape(np.arange(3.0), ())
    assert isinstance(out, np.ndarray) and out.shape == () and out == 3.0
