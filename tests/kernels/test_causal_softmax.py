"""The causal softmax of scaled attention scores: hand values, the twin, finite differences."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad.kernels as K
from minigrad.kernels import causal_softmax_ops as cs

from .conftest import DTYPES, layouts, tol
from .test_norms import numeric_grad

SHAPES = [(3, 5, 5), (2, 4, 7), (2, 7, 4), (1, 1, 1), (4, 64, 64)]  # L = S, L < S, L > S


def masked_softmax(x, scale):
    """The unfused formula in float64: scale, add -inf above the diagonal, softmax."""
    allowed = np.tril(np.ones(x.shape[-2:], dtype=bool))
    scores = np.where(allowed, x.astype(np.float64) * scale, -np.inf)
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def test_hand_values(mode):
    x = np.log(np.array([[[5.0, 7.0, 9.0], [1.0, 3.0, 9.0], [2.0, 1.0, 1.0]]]))
    np.testing.assert_allclose(K.causal_softmax(x, 1.0),
                               [[[1.0, 0.0, 0.0], [0.25, 0.75, 0.0], [0.5, 0.25, 0.25]]])
    # scale 2 squares the exponentials: weights 1 : 9 on the second row
    np.testing.assert_allclose(K.causal_softmax(x, 2.0)[0, 1], [0.1, 0.9, 0.0])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_matches_unfused_formula_and_twin(mode, dtype, shape, rng):
    x = (rng.standard_normal(shape) * 4).astype(dtype)
    got = K.causal_softmax(x, 0.35)
    assert got.dtype == dtype and got.shape == shape
    np.testing.assert_allclose(got, masked_softmax(x, 0.35), **tol(dtype, 10))
    assert (np.triu(got[0], 1) == 0).all()  # no weight on a hidden key, exactly


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", ["contiguous", "transposed", "strided", "readonly"])
def test_numba_matches_twin_on_any_layout(dtype, layout, rng):
    x = layouts((rng.standard_normal((6, 9, 11)) * 5).astype(dtype))[layout]
    g = layouts(rng.standard_normal((6, 9, 11)).astype(dtype))[layout]
    y = cs.causal_softmax_numpy(x, 0.5)
    np.testing.assert_allclose(cs.causal_softmax_numba(x, 0.5), y, **tol(dtype, 10))
    got = cs.causal_softmax_backward_numba(g, y, 0.5)
    assert got.dtype == dtype
    np.testing.assert_allclose(got, cs.causal_softmax_backward_numpy(g, y, 0.5), **tol(dtype, 10))


@pytest.mark.parametrize("shape", [(2, 3, 5), (1, 5, 3)])
def test_backward_matches_finite_differences(mode, shape, rng):
    x = rng.standard_normal(shape)
    weights = rng.standard_normal(shape)  # loss = sum(weights * y)
    want = numeric_grad(lambda: float(np.sum(weights * K.causal_softmax(x, 0.8))), x)
    got = K.causal_softmax_backward(weights, K.causal_softmax(x, 0.8), 0.8)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


def test_large_and_special_values(mode):
    x = np.array([[[1000.0, 5.0], [-1000.0, -1001.0]]], np.float32)
    y = K.causal_softmax(x, 1.0)
    np.testing.assert_allclose(y[0, 1], [np.e / (1 + np.e), 1 / (1 + np.e)], rtol=1e-6)
    assert y[0, 0, 0] == 1.0
    x = np.array([[[0.0, 0.0], [np.nan, 0.0]]])
    y = K.causal_softmax(x, 1.0)
    assert np.isnan(y[0, 1]).all() and y[0, 0, 0] == 1.0  # a NaN spoils its own row only


def test_bad_input():
    with pytest.raises(ValueError, match=r"causal_softmax: want a non-empty \(N, L, S\)"):
        K.causal_softmax(np.zeros((4, 4)), 1.0)
    with pytest.raises(ValueError, match="scale must be positive, got 0.0"):
        K.causal_softmax(np.zeros((1, 2, 2)), 0.0)
    with pytest.raises(ValueError, match="must match"):
        K.causal_softmax_backward(np.zeros((1, 2, 2)), np.zeros((1, 2, 3)), 1.0)
