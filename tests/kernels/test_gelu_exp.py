"""GELU (exact and tanh) and the vectorisable exp/erfc approximations behind the kernels."""

from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad.kernels as K
from minigrad.kernels import gelu
from minigrad.kernels._fastexp import exp32_array

from .conftest import DTYPES, layouts, tol
from .test_norms import numeric_grad

erfc_ref = np.vectorize(math.erfc)


def gelu_reference(x, approximate):
    x = np.asarray(x, np.float64)
    if approximate == "tanh":
        # 0.5 x (1 + tanh u) written as x / (1 + exp(-2u)), which does not cancel to 0
        u = math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)
        with np.errstate(over="ignore"):
            return x / (1 + np.exp(-2 * u))
    return 0.5 * x * erfc_ref(-x / math.sqrt(2))


def test_exp32_within_two_ulp_over_float32_range():
    x = np.concatenate([
        np.linspace(-110.0, 95.0, 400_001, dtype=np.float32),
        np.array([0.0, -0.0, 88.72, 88.73, -87.3, -103.9, -104.5, 1e-30], np.float32),
    ])
    got = exp32_array(x).astype(np.float64)
    with np.errstate(over="ignore"):
        want = np.exp(x).astype(np.float64)
    normal = np.isfinite(want) & (want >= np.finfo(np.float32).tiny)
    ulp = np.spacing(want[normal].astype(np.float32)).astype(np.float64)
    assert (np.abs(got[normal] - want[normal]) / ulp).max() <= 2
    sub = want < np.finfo(np.float32).tiny  # subnormal results are flushed to zero
    assert np.all(got[sub] == 0.0)
    assert np.abs(got[sub] - want[sub]).max() < np.finfo(np.float32).tiny
    assert np.array_equal(np.isinf(got), np.isinf(want))


def test_exp32_special_values():
    got = exp32_array(np.array([np.inf, -np.inf, np.nan, 0.0], np.float32))
    assert got[0] == np.inf and got[1] == 0.0 and np.isnan(got[2]) and got[3] == 1.0


@pytest.mark.parametrize("dtype", DTYPES)
def test_erfc_numpy_against_math(dtype):
    z = np.concatenate([np.linspace(-6, 9, 30001), [0.0, 2.0, -2.0, 1e-9, np.inf, -np.inf]])
    got = gelu.erfc_numpy(z.astype(dtype))
    assert got.dtype == dtype
    want = erfc_ref(z.astype(dtype).astype(np.float64))
    rtol = 5e-7 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-38)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_gelu_against_reference_formula(mode, approximate, dtype):
    x = np.concatenate([np.linspace(-12, 12, 4001), [0.0, -30.0, 30.0]]).astype(dtype)
    want = gelu_reference(x, approximate)
    got = K.gelu_forward(x, approximate).astype(np.float64)
    assert K.gelu_forward(x, approximate).dtype == dtype
    # In the negative tail d log(gelu) / d log(x) grows like x^2, so float32 rounding of
    # intermediate values costs up to ~x^2 ulp there (PyTorch's float32 GELU does the same).
    # Results below float32's smallest normal number keep only absolute accuracy (the
    # float32 exp flushes subnormal results to zero, and the gate is multiplied by x).
    eps, base = (1e-7, 20e-7) if dtype == np.float32 else (1e-16, 2e-13)
    cond = 1.2 * eps * x.astype(np.float64) ** 2
    tiny = np.finfo(dtype).tiny
    bound = np.abs(want) * (base + cond) + 2 * tiny * (1 + np.abs(x.astype(np.float64)))
    bad = np.abs(got - want) > bound
    assert not bad.any(), (x[bad][:5], got[bad][:5], want[bad][:5])


def test_gelu_hand_values(mode):
    # GELU(1) = Phi(1) = 0.8413447460685429; GELU(-1) = -Phi(-1)
    np.testing.assert_allclose(K.gelu_forward(np.array([1.0, -1.0, 0.0])),
                               [0.8413447460685429, -0.15865525393145707, 0.0], rtol=1e-13)
    # tanh form at 1: u = sqrt(2/pi) * 1.044715
    u = math.sqrt(2 / math.pi) * 1.044715
    np.testing.assert_allclose(K.gelu_forward(np.array([1.0]), "tanh"),
                               [0.5 * (1 + math.tanh(u))], rtol=1e-13)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_backward_matches_finite_differences(mode, approximate, rng):
    x = np.concatenate([rng.standard_normal(12) * 3, [0.0, -7.0, 7.0]])
    probe = rng.standard_normal(x.shape)
    dx = K.gelu_backward(probe, x, approximate)
    numeric = numeric_grad(lambda: float((K.gelu_forward(x, approximate) * probe).sum()), x)
    np.testing.assert_allclose(dx, numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", ["contiguous", "transposed", "readonly"])
def test_gelu_matches_twin(approximate, dtype, layout, rng):
    x = layouts((rng.standard_normal((30, 21)) * 4).astype(dtype))[layout]
    g = layouts(rng.standard_normal((30, 21)).astype(dtype))[layout]
    np.testing.assert_allclose(gelu.gelu_forward_numba(x, approximate),
                               gelu.gelu_forward_numpy(x, approximate), **tol(dtype, 10))
    np.testing.assert_allclose(gelu.gelu_backward_numba(g, x, approximate),
                               gelu.gelu_backward_numpy(g, x, approximate), **tol(dtype, 10))
    gate = gelu.gelu_forward_numba(x, approximate, keep_gate=True)[1]
    gate_ref = gelu.gelu_forward_numpy(x, approximate, keep_gate=True)[1]
    np.testing.assert_allclose(gate, gate_ref, **tol(dtype, 10))
    np.testing.assert_allclose(gelu.gelu_backward_numba(g, x, approximate, gate),
                               gelu.gelu_backward_numpy(g, x, approximate, gate_ref),
                               **tol(dtype, 10))


@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_gelu_kept_gate_gives_the_same_values(mode, approximate, dtype, rng):
    # the tails too: the gate underflows (tanh form) or Phi rounds to 0 or 1 there
    x = np.concatenate([rng.standard_normal(200) * 4, [0.0, -0.0, -12.0, 12.0, -40.0, 40.0]])
    x, g = x.astype(dtype), rng.standard_normal(x.shape).astype(dtype)
    y, gate = K.gelu_forward(x, approximate, keep_gate=True)
    assert gate.shape == x.shape and gate.dtype == dtype
    np.testing.assert_allclose(y, K.gelu_forward(x, approximate), **tol(dtype))
    np.testing.assert_allclose(K.gelu_backward(g, x, approximate, gate=gate),
                               K.gelu_backward(g, x, approximate), **tol(dtype))
    if approximate == "tanh":  # t = exp(-2|u|), u = sqrt(2/pi) (x + 0.044715 x^3)
        u = math.sqrt(2 / math.pi) * (x.astype(np.float64) + 0.044715 * x.astype(np.float64) ** 3)
        np.testing.assert_allclose(gate, np.exp(-2 * np.abs(u)), **tol(dtype, 10))
    else:  # Phi(x)
        np.testing.assert_allclose(gate, [0.5 * math.erfc(-v / math.sqrt(2)) for v in x],
                                   **tol(dtype, 10))
    with pytest.raises(ValueError, match=r"gelu_backward: gate shape \(3,\) != x shape"):
        K.gelu_backward(g, x, approximate, gate=gate[:3])


def test_gelu_special_values_and_shapes(mode):
    x = np.array([np.nan, np.inf, -np.inf, -100.0], np.float32)
    y = K.gelu_forward(x)
    assert np.isnan(y[0]) and y[1] == np.inf and y[3] == 0.0
    assert K.gelu_forward(np.zeros((0, 3), np.float32)).shape == (0, 3)
    assert K.gelu_forward(np.float64(1.0)).shape == ()
    assert K.gelu_backward(np.ones((2, 0)), np.ones((2, 0)), "tanh").shape == (2, 0)
    with pytest.raises(ValueError, match="approximate"):
        K.gelu_forward(x, "erf")
    with pytest.raises(ValueError, match="grad shape"):
        K.gelu_backward(np.ones(3), np.ones(2))


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_on_0d_arrays(mode, approximate):
    x = np.array(0.7)
    y = K.gelu_forward(x, approximate)
    assert y.shape == () and np.isclose(y, K.gelu_forward(np.array([0.7]), approximate)[0])
    dx = K.gelu_backward(np.array(1.0), x, approximate)
    assert dx.shape == ()
