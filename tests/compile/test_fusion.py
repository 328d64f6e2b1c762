"""Fused kernels against their NumPy twin (the unfused replay), on random inputs."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad.kernels import reference_mode


@pytest.fixture(autouse=True)
def numba_kernels():
    """Fusion is what these tests check, so they run the numba side even in the
    MINIGRAD_KERNELS=numpy pass (which otherwise fuses nothing: the twin)."""
    with reference_mode(False):
        yield


def _chain(x, a, b):
    """Every op fusion knows, with a value used twice (gradients summed) and a constant."""
    y = (x * a + b).tanh()
    z = (y - 0.5 * x) / (b + 2.0)
    w = (-z).exp().relu() + z ** 2 + y * z
    return (w * a).sum()


def _grads(compiled_fn, inputs):
    for t in inputs:
        t.grad = None
    loss = compiled_fn(*inputs)
    return [float(loss)] + [t.grad.numpy().copy() for t in inputs]


@pytest.mark.parametrize("dtype, rtol", [(np.float32, 2e-6), (np.float64, 1e-13)])
def test_fused_kernels_match_the_unfused_replay(dtype, rtol):
    rng = np.random.default_rng(0)

    def step(x, a, b):
        loss = _chain(x, a, b)
        loss.backward()
        return loss

    fused = mg.compile(step)
    with reference_mode():
        unfused = mg.compile(step)
        shape = (5, 7)
        first = [mg.tensor(rng.standard_normal(shape).astype(dtype), requires_grad=True)
                 for _ in range(3)]
        unfused(*first)  # recorded (and kept unfused) under MINIGRAD_KERNELS=numpy
    fused(*first)
    assert unfused.programs[0].groups == []
    groups = fused.programs[0].groups
    assert len(groups) >= 2  # the forward chain and the backward chain
    for _ in range(5):
        inputs = [rng.standard_normal(shape).astype(dtype) for _ in range(3)]
        got = _grads(fused, [mg.tensor(v, requires_grad=True) for v in inputs])
        with reference_mode():
            want = _grads(unfused, [mg.tensor(v, requires_grad=True) for v in inputs])
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=rtol, atol=rtol)
    assert fused.programs[0].replays == 5


def test_kernel_text_is_readable_python():
    def step(x, a):
        h = (x * a).tanh() + a
        g = (h * a).tanh() + a
        loss = (g * h).sum()
        loss.backward()
        return loss

    fn = mg.compile(step)
    fn(mg.randn(4, 4, requires_grad=True), mg.randn(4, 4))
    groups = fn.programs[0].groups
    source = groups[0].source
    assert "def fused_float32(ins, outs, n):" in source
    assert "np.tanh(" in source and "# Mul" in source and "# Tanh" in source
    assert "for i in range(n):" in source
    text = fn.explain()
    assert "fused group 0" in text and "numba kernel" in text
