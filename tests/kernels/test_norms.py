"""layer_norm and rms_norm: hand values, twins, finite differences, layouts, edge shapes."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad.kernels as K
from minigrad.kernels import layer_norm, rms_norm

from .conftest import DTYPES, layouts, tol


def numeric_grad(f, x, h=1e-6):
    """Central differences of the scalar f at every element of x (float64)."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        up = f()
        x[i] = old - h
        down = f()
        x[i] = old
        grad[i] = (up - down) / (2 * h)
    return grad


def test_layer_norm_hand_values(mode):
    x = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 3.0]])
    w, b = np.array([1.0, 2.0, 3.0]), np.array([0.0, 0.0, 1.0])
    y, mean, rstd = K.layer_norm_forward(x, w, b, 0.0)
    s = np.sqrt(1.5)  # 1 / std of (1, 2, 3) = sqrt(3/2); row 2 has var 2
    np.testing.assert_allclose(mean, [2.0, 1.0])
    np.testing.assert_allclose(rstd, [s, 1 / np.sqrt(2)])
    r = 1 / np.sqrt(2)
    np.testing.assert_allclose(y, [[-s, 0.0, 3 * s + 1], [-r, -2 * r, 6 * r + 1]])


def test_rms_norm_hand_values(mode):
    x = np.array([[3.0, 4.0], [1.0, -1.0]])
    y, rstd = K.rms_norm_forward(x, np.array([2.0, 1.0]), 0.0)
    np.testing.assert_allclose(rstd, [1 / np.sqrt(12.5), 1.0])
    np.testing.assert_allclose(y, [[6 / np.sqrt(12.5), 4 / np.sqrt(12.5)], [2.0, -1.0]])


@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_backward_matches_finite_differences(mode, affine, rng):
    x = rng.standard_normal((3, 5))
    w = rng.standard_normal(5) if affine else None
    b = rng.standard_normal(5) if affine else None
    probe = rng.standard_normal((3, 5))

    def loss():
        return float((K.layer_norm_forward(x, w, b, 1e-5)[0] * probe).sum())

    _, mean, rstd = K.layer_norm_forward(x, w, b, 1e-5)
    dx, dw, db = K.layer_norm_backward(probe, x, mean, rstd, w)
    np.testing.assert_allclose(dx, numeric_grad(loss, x), rtol=1e-6, atol=1e-8)
    if affine:
        np.testing.assert_allclose(dw, numeric_grad(loss, w), rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(db, numeric_grad(loss, b), rtol=1e-6, atol=1e-8)
    else:
        assert dw is None and db is None


@pytest.mark.parametrize("affine", [True, False])
def test_rms_norm_backward_matches_finite_differences(mode, affine, rng):
    x = rng.standard_normal((3, 5))
    w = rng.standard_normal(5) if affine else None
    probe = rng.standard_normal((3, 5))

    def loss():
        return float((K.rms_norm_forward(x, w, 1e-6)[0] * probe).sum())

    _, rstd = K.rms_norm_forward(x, w, 1e-6)
    dx, dw = K.rms_norm_backward(probe, x, rstd, w)
    np.testing.assert_allclose(dx, numeric_grad(loss, x), rtol=1e-6, atol=1e-8)
    if affine:
        np.testing.assert_allclose(dw, numeric_grad(loss, w), rtol=1e-6, atol=1e-8)
    else:
        assert dw is None


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", ["contiguous", "transposed", "readonly"])
def test_layer_norm_matches_twin(dtype, layout, rng):
    x = layouts((rng.standard_normal((70, 33)) * 3 + 1).astype(dtype))[layout]
    g = layouts(rng.standard_normal((70, 33)).astype(dtype))[layout]
    w, b = rng.standard_normal(33).astype(dtype), rng.standard_normal(33).astype(dtype)
    ref = layer_norm.layer_norm_forward_numpy(x, w, b, 1e-5)
    got = layer_norm.layer_norm_forward_numba(x, w, b, 1e-5)
    for a, r in zip(got, ref):
        assert a.dtype == dtype
        np.testing.assert_allclose(a, r, **tol(dtype, 10))
    ref_b = layer_norm.layer_norm_backward_numpy(g, x, ref[1], ref[2], w)
    got_b = layer_norm.layer_norm_backward_numba(g, x, ref[1], ref[2], w)
    for a, r in zip(got_b, ref_b):
        assert a.dtype == dtype
        np.testing.assert_allclose(a, r, **tol(dtype, 50))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", ["contiguous", "transposed", "readonly"])
def test_rms_norm_matches_twin(dtype, layout, rng):
    x = layouts(rng.standard_normal((70, 33)).astype(dtype))[layout]
    g = layouts(rng.standard_normal((70, 33)).astype(dtype))[layout]
    w = rng.standard_normal(33).astype(dtype)
    ref = rms_norm.rms_norm_forward_numpy(x, w, 1e-6)
    got = rms_norm.rms_norm_forward_numba(x, w, 1e-6)
    for a, r in zip(got, ref):
        np.testing.assert_allclose(a, r, **tol(dtype, 10))
    ref_b = rms_norm.rms_norm_backward_numpy(g, x, ref[1], w)
    got_b = rms_norm.rms_norm_backward_numba(g, x, ref[1], w)
    for a, r in zip(got_b, ref_b):
        assert a.dtype == dtype
        np.testing.assert_allclose(a, r, **tol(dtype, 50))


@pytest.mark.parametrize("rows", [0, 1])
def test_norms_empty_and_single_row(mode, rows, rng):
    x = rng.standard_normal((rows, 4)).astype(np.float32)
    w = np.ones(4, np.float32)
    y, mean, rstd = K.layer_norm_forward(x, w, w, 1e-5)
    assert y.shape == (rows, 4) and mean.shape == rstd.shape == (rows,)
    dx, dw, db = K.layer_norm_backward(x, x, mean, rstd, w)
    assert dx.shape == (rows, 4) and dw.shape == db.shape == (4,)
    np.testing.assert_allclose(db, x.sum(axis=0), rtol=1e-6)
    y, rstd = K.rms_norm_forward(x, w, 1e-6)
    dx, dw = K.rms_norm_backward(x, x, rstd, w)
    assert dx.shape == (rows, 4) and dw.shape == (4,)


def test_norms_bad_input(mode):
    x = np.ones((2, 3))
    with pytest.raises(ValueError, match="2-D"):
        K.layer_norm_forward(np.ones(3), None, None, 1e-5)
    with pytest.raises(ValueError, match=r"weight must have shape \(3,\)"):
        K.layer_norm_forward(x, np.ones(4), None, 1e-5)
    with pytest.raises(ValueError, match="do not match"):
        K.layer_norm_backward(np.ones((2, 4)), x, np.ones(2), np.ones(2), None)
    with pytest.raises(TypeError, match="float32 or float64"):
        K.rms_norm_forward(np.ones((2, 3), np.int64), None, 1e-6)
