"""adam_update against values worked out from PyTorch's documented algorithm, and its twin."""

from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad.kernels as K
from minigrad.kernels import adam

from .conftest import DTYPES, tol

HYPER = {"lr": 0.1, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}


def run_steps(grads, dtype=np.float64, max_state=False, **options):
    p = np.array([1.0], dtype)
    m, v = np.zeros(1, dtype), np.zeros(1, dtype)
    vmax = np.zeros(1, dtype) if max_state else None
    history = []
    for step, g in enumerate(grads, start=1):
        K.adam_update(p, np.array([g], dtype), m, v, vmax, step=step, **{**HYPER, **options})
        history.append(float(p[0]))
    return history


def test_constant_gradient_moves_lr_per_step(mode):
    # With a constant gradient the bias-corrected m and v are g and g^2 exactly, so each step
    # moves by lr * g / (|g| + eps) = 0.1 * 0.5 / (0.5 + 1e-8).
    step = 0.1 * 0.5 / (0.5 + 1e-8)
    history = run_steps([0.5, 0.5, 0.5])
    np.testing.assert_allclose(history, [1 - step, 1 - 2 * step, 1 - 3 * step], rtol=1e-12)


def test_maximize_moves_uphill(mode):
    step = 0.1 * 0.5 / (0.5 + 1e-8)
    np.testing.assert_allclose(run_steps([0.5, 0.5], maximize=True), [1 + step, 1 + 2 * step])


def test_adamw_decays_parameter_before_the_step(mode):
    # p <- p * (1 - lr * wd) - lr * g / (|g| + eps), wd = 0.1.
    step = 0.1 * 0.5 / (0.5 + 1e-8)
    p1 = 1.0 * 0.99 - step
    p2 = p1 * 0.99 - step
    p3 = p2 * 0.99 - step
    history = run_steps([0.5] * 3, weight_decay=0.1, decoupled_weight_decay=True)
    np.testing.assert_allclose(history, [p1, p2, p3], rtol=1e-12)
    np.testing.assert_allclose([p1, p2, p3], [0.89, 0.7811, 0.673289], atol=1e-7)


def test_adam_l2_penalty_adds_to_gradient(mode):
    # Step 1: g = 0.5 + 0.1 * 1 = 0.6, m_hat = 0.6, v_hat = 0.36: p1 = 1 - 0.1 * 0.6/(0.6+eps).
    p1 = 1 - 0.1 * 0.6 / (0.6 + 1e-8)
    # Step 2: g = 0.5 + 0.1 * p1; m = 0.9 * 0.06 + 0.1 g; v = 0.999 * 0.00036 + 0.001 g^2.
    g2 = 0.5 + 0.1 * p1
    m2 = 0.9 * 0.06 + 0.1 * g2
    v2 = 0.999 * 0.00036 + 0.001 * g2 * g2
    denom = math.sqrt(v2) / math.sqrt(1 - 0.999**2) + 1e-8
    p2 = p1 - 0.1 / (1 - 0.9**2) * m2 / denom
    history = run_steps([0.5, 0.5], weight_decay=0.1)
    np.testing.assert_allclose(history, [p1, p2], rtol=1e-12)
    assert abs(p2 - 0.80004725) < 1e-6


def test_amsgrad_keeps_the_largest_second_moment(mode):
    # g = 1 then 0.01: v2 = 0.999 * 0.001 + 0.001 * 1e-4 = 0.0009991 < vmax = 0.001.
    p1 = 1 - 0.1 * 1.0 / (1.0 + 1e-8)
    m2 = 0.9 * 0.1 + 0.1 * 0.01
    denom = math.sqrt(0.001) / math.sqrt(1 - 0.999**2) + 1e-8
    p2 = p1 - 0.1 / (1 - 0.9**2) * m2 / denom
    history = run_steps([1.0, 0.01], max_state=True, amsgrad=True)
    np.testing.assert_allclose(history, [p1, p2], rtol=1e-12)
    without = run_steps([1.0, 0.01])
    assert without[1] < p2  # the smaller v of plain Adam takes a larger step


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"weight_decay": 0.01, "decoupled_weight_decay": True},
        {"weight_decay": 0.01, "amsgrad": True, "maximize": True},
    ],
)
def test_numba_matches_twin(dtype, options, rng):
    shape = (37, 11)
    states = {}
    for name in ("numpy", "numba"):
        gen = np.random.default_rng(5)
        p = gen.standard_normal(shape).astype(dtype)
        m, v, vmax = (np.zeros(shape, dtype) for _ in range(3))
        fn = adam.adam_update_numpy if name == "numpy" else adam.adam_update_numba
        for step in range(1, 4):
            g = gen.standard_normal(shape).astype(dtype)
            fn(p, g, m, v, vmax if options.get("amsgrad") else None, step=step, lr=1e-2,
               beta1=0.9, beta2=0.99, eps=1e-8, **options)
        states[name] = (p, m, v, vmax)
    for a, b in zip(states["numpy"], states["numba"]):
        np.testing.assert_allclose(b, a, **tol(dtype, 10))


def test_non_contiguous_state_and_read_only_grad(mode):
    base = np.ones((4, 4))
    p = base[:, ::2]  # strided parameter view
    m, v = np.zeros((4, 2)), np.zeros((4, 2))
    g = np.broadcast_to(np.array([0.5, 0.5]), (4, 2))
    K.adam_update(p, g, m, v, None, step=1, **HYPER)
    np.testing.assert_allclose(base[:, 0], 1 - 0.1 * 0.5 / (0.5 + 1e-8))
    np.testing.assert_array_equal(base[:, 1], 1.0)
    np.testing.assert_allclose(m, 0.05)


def test_empty_parameter(mode):
    p = np.zeros((0, 3), np.float32)
    K.adam_update(p, p.copy(), p.copy(), p.copy(), None, step=1, **HYPER)


def test_bad_input(mode):
    p, m, v = np.ones(3), np.zeros(3), np.zeros(3)
    with pytest.raises(ValueError, match="step"):
        K.adam_update(p, p, m, v, None, step=0, **HYPER)
    with pytest.raises(ValueError, match="grad shape"):
        K.adam_update(p, np.ones(2), m, v, None, step=1, **HYPER)
    with pytest.raises(ValueError, match="max_exp_avg_sq"):
        K.adam_update(p, p, m, v, None, step=1, amsgrad=True, **HYPER)
    with pytest.raises(ValueError, match="exp_avg has shape"):
        K.adam_update(p, p, np.zeros(3, np.float32), v, None, step=1, **HYPER)
