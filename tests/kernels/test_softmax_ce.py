"""softmax, log_softmax, their backwards and the fused cross-entropy."""

from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad.kernels as K
from minigrad.kernels import cross_entropy as ce
from minigrad.kernels import softmax_ops as sm

from .conftest import DTYPES, layouts, tol
from .test_norms import numeric_grad


def test_softmax_hand_values(mode):
    x = np.log(np.array([[1.0, 3.0], [2.0, 2.0]]))
    np.testing.assert_allclose(K.softmax(x), [[0.25, 0.75], [0.5, 0.5]])
    np.testing.assert_allclose(K.log_softmax(x), np.log([[0.25, 0.75], [0.5, 0.5]]))


def test_softmax_is_shift_invariant_and_stable(mode):
    x = np.array([[1000.0, 1001.0], [-1000.0, -1001.0]], np.float32)
    e = math.e
    np.testing.assert_allclose(K.softmax(x), [[1 / (1 + e), e / (1 + e)],
                                              [e / (1 + e), 1 / (1 + e)]], rtol=1e-6)
    assert np.isfinite(K.log_softmax(x)).all()


def test_softmax_special_values(mode):
    x = np.array([[0.0, np.nan, 1.0], [-np.inf, 0.0, -np.inf], [np.inf, 0.0, 1.0]])
    y = K.softmax(x)
    assert np.isnan(y[0]).all()  # NaN anywhere: the whole row
    np.testing.assert_array_equal(y[1], [0.0, 1.0, 0.0])
    assert np.isnan(y[2]).all()  # inf - inf, as in NumPy and PyTorch


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", ["contiguous", "transposed", "readonly"])
def test_softmax_family_matches_twin(dtype, layout, rng):
    x = layouts((rng.standard_normal((40, 33)) * 5).astype(dtype))[layout]
    g = layouts(rng.standard_normal((40, 33)).astype(dtype))[layout]
    for fast, ref in [(sm.softmax_numba, sm.softmax_numpy),
                      (sm.log_softmax_numba, sm.log_softmax_numpy)]:
        got, want = fast(x), ref(x)
        assert got.dtype == dtype
        np.testing.assert_allclose(got, want, **tol(dtype, 10))
    y = sm.softmax_numpy(x)
    np.testing.assert_allclose(sm.softmax_backward_numba(g, y), sm.softmax_backward_numpy(g, y),
                               **tol(dtype, 10))
    ly = sm.log_softmax_numpy(x)
    np.testing.assert_allclose(sm.log_softmax_backward_numba(g, ly),
                               sm.log_softmax_backward_numpy(g, ly), **tol(dtype, 10))


@pytest.mark.parametrize("log", [False, True])
def test_softmax_backward_matches_finite_differences(mode, log, rng):
    x = rng.standard_normal((2, 4, 5))  # any leading shape: last axis
    probe = rng.standard_normal(x.shape)
    forward = K.log_softmax if log else K.softmax
    backward = K.log_softmax_backward if log else K.softmax_backward
    dx = backward(probe, forward(x))
    np.testing.assert_allclose(
        dx, numeric_grad(lambda: float((forward(x) * probe).sum()), x), rtol=1e-6, atol=1e-8
    )


@pytest.mark.parametrize("shape", [(0, 5), (1, 5), (3, 0), (5,)])
def test_softmax_edge_shapes(mode, shape):
    x = np.ones(shape, np.float32)
    y = K.softmax(x)
    assert y.shape == shape and y.dtype == np.float32
    if x.size:
        np.testing.assert_allclose(y.sum(axis=-1), 1.0, rtol=1e-6)
    assert K.softmax_backward(x, y).shape == shape
    assert K.log_softmax_backward(x, K.log_softmax(x)).shape == shape


def test_cross_entropy_hand_values(mode):
    logits = np.log(np.array([[1.0, 3.0], [1.0, 1.0], [2.0, 2.0]]))
    loss, probs = K.softmax_cross_entropy_forward(logits, np.array([1, 0, -100]))
    np.testing.assert_allclose(loss, [-math.log(0.75), math.log(2.0), 0.0])
    np.testing.assert_allclose(probs, [[0.25, 0.75], [0.5, 0.5], [0.5, 0.5]])
    grad = K.softmax_cross_entropy_backward(np.array([1.0, 2.0, 5.0]), probs, [1, 0, -100])
    np.testing.assert_allclose(grad, [[0.25, -0.25], [-1.0, 1.0], [0.0, 0.0]])


def test_cross_entropy_label_smoothing_hand_values(mode):
    # e = 0.1, C = 2: loss = 0.9 * (-log p_t) + 0.1 * mean_c(-log p_c)
    logits = np.log(np.array([[1.0, 3.0]]))
    loss, probs = K.softmax_cross_entropy_forward(logits, [1], label_smoothing=0.1)
    expected = 0.9 * -math.log(0.75) + 0.1 * 0.5 * (-math.log(0.25) - math.log(0.75))
    np.testing.assert_allclose(loss, [expected])
    grad = K.softmax_cross_entropy_backward(1.0, probs, [1], label_smoothing=0.1)
    np.testing.assert_allclose(grad, [[0.25 - 0.05, 0.75 - 0.9 - 0.05]])


@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_cross_entropy_backward_matches_finite_differences(mode, smoothing, rng):
    x = rng.standard_normal((4, 6))
    t = np.array([0, 5, -100, 2])
    w = rng.standard_normal(4)

    def total():
        loss, _ = K.softmax_cross_entropy_forward(x, t, label_smoothing=smoothing)
        return float((loss * w).sum())

    _, probs = K.softmax_cross_entropy_forward(x, t, label_smoothing=smoothing)
    grad = K.softmax_cross_entropy_backward(w, probs, t, label_smoothing=smoothing)
    np.testing.assert_allclose(grad, numeric_grad(total, x), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", ["contiguous", "transposed", "readonly"])
def test_cross_entropy_matches_twin(dtype, layout, rng):
    x = layouts((rng.standard_normal((50, 17)) * 4).astype(dtype))[layout]
    t = rng.integers(0, 17, 50)
    t[::7] = 3  # custom ignore_index
    for smoothing in (0.0, 0.1):
        got = ce.softmax_cross_entropy_forward_numba(x, t, 3, smoothing)
        want = ce.softmax_cross_entropy_forward_numpy(x, t, 3, smoothing)
        for a, b in zip(got, want):
            assert a.dtype == dtype
            np.testing.assert_allclose(a, b, **tol(dtype, 10))
        g = rng.standard_normal(50).astype(dtype)
        np.testing.assert_allclose(
            ce.softmax_cross_entropy_backward_numba(g, want[1], t, 3, smoothing),
            ce.softmax_cross_entropy_backward_numpy(g, want[1], t, 3, smoothing),
            **tol(dtype, 10),
        )


def test_cross_entropy_edge_cases_and_errors(mode):
    loss, probs = K.softmax_cross_entropy_forward(np.zeros((0, 4), np.float32), np.zeros(0, int))
    assert loss.shape == (0,) and probs.shape == (0, 4)
    assert K.softmax_cross_entropy_backward(np.zeros(0), probs, np.zeros(0, int)).shape == (0, 4)
    with pytest.raises(IndexError, match="target 4 is out of range for 4 classes"):
        K.softmax_cross_entropy_forward(np.zeros((2, 4)), np.array([0, 4]))
    with pytest.raises(TypeError, match="integers"):
        K.softmax_cross_entropy_forward(np.zeros((2, 4)), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="targets shape"):
        K.softmax_cross_entropy_forward(np.zeros((2, 4)), np.array([0]))
    with pytest.raises(ValueError, match="label_smoothing"):
        K.softmax_cross_entropy_forward(np.zeros((2, 4)), np.array([0, 1]), label_smoothing=2.0)
