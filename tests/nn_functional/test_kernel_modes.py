"""Every kernel-backed op gives the same forward and gradients with the numba kernels and
with their NumPy twins (float32, the dtype training runs in); and backward leaves the
inputs alone, frees the graph and hands out gradients that alias nothing."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.kernels import reference_mode

CASES = {
    "softmax": ([(6, 9)], lambda x: F.softmax(x, 0)),
    "log_softmax": ([(6, 9)], lambda x: F.log_softmax(x, -1)),
    "cross_entropy": ([(6, 9)], lambda x: F.cross_entropy(
        x, mg.tensor([0, 8, -100, 3, 3, 1]), label_smoothing=0.1)),
    "cross_entropy_weighted": ([(6, 9)], lambda x: F.cross_entropy(
        x, mg.tensor([0, 8, -100, 3, 3, 1]), weight=mg.linspace(0.5, 2, 9), reduction="sum")),
    "cross_entropy_kd": ([(2, 5, 3)], lambda x: F.cross_entropy(
        x, mg.tensor([[0, 4, 1], [2, 2, 3]]), reduction="none")),
    "layer_norm": ([(4, 3, 8), (8,), (8,)], lambda x, w, b: F.layer_norm(x, 8, w, b)),
    "rms_norm": ([(4, 3, 8), (3, 8)], lambda x, w: F.rms_norm(x, (3, 8), w)),
    "conv2d": ([(2, 4, 7, 6), (6, 2, 3, 3), (6,)],
               lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1, groups=2)),
    "max_pool2d": ([(2, 3, 6, 6)], lambda x: F.max_pool2d(x, 3, 2, 1)),
    "avg_pool2d": ([(2, 3, 6, 6)], lambda x: F.avg_pool2d(x, 2, 1, 1)),
    "embedding": ([(7, 5)], lambda w: F.embedding(mg.tensor([[1, 1, 6], [0, 2, 1]]), w)),
}


def _run(fn, arrays, cotangent_seed=0):
    tensors = [mg.tensor(a, requires_grad=True) for a in arrays]
    out = fn(*tensors)
    g = np.random.default_rng(cotangent_seed).standard_normal(out.shape).astype(out.dtype)
    out.backward(mg.tensor(g))
    return out, tensors


@pytest.mark.parametrize("name", sorted(CASES))
def test_numba_and_numpy_twins_agree(name):
    shapes, fn = CASES[name]
    rng = np.random.default_rng(5)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    results = []
    for reference in (False, True):
        with reference_mode(reference):
            out, tensors = _run(fn, arrays)
        assert out.dtype == np.float32
        results.append((out.detach().numpy(), [t.grad.numpy() for t in tensors]))
    (out_a, grads_a), (out_b, grads_b) = results
    np.testing.assert_allclose(out_a, out_b, rtol=2e-5, atol=2e-6)
    for ga, gb in zip(grads_a, grads_b):
        assert ga.dtype == np.float32
        np.testing.assert_allclose(ga, gb, rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("name", sorted(CASES))
def test_backward_hygiene(kernel_mode, name):
    shapes, fn = CASES[name]
    rng = np.random.default_rng(6)
    arrays = [rng.standard_normal(s) for s in shapes]
    out, tensors = _run(fn, arrays)
    for t, a in zip(tensors, arrays):
        np.testing.assert_array_equal(t.detach().numpy(), a)  # inputs not mutated
        assert t.grad is not None and t.grad.shape == t.shape
    grads = [t.grad.numpy() for t in tensors]
    for i, g in enumerate(grads):
        assert not any(np.shares_memory(g, a.detach().numpy()) for a in tensors)
        assert not any(np.shares_memory(g, other) for other in grads[i + 1:])
    assert out.grad_fn.released  # saved arrays freed after backward
    with pytest.raises(RuntimeError, match="second time"):
        out.backward(mg.ones_like(out))
