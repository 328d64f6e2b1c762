"""layer_norm, rms_norm and batch_norm: references, gradients, both kernel modes, running
statistics and bad input."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.autograd import gradcheck

from .helpers import f64


def layer_norm_ref(x, k, w, b, eps):
    axes = tuple(range(x.ndim - k, x.ndim))
    mu = x.mean(axis=axes, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=axes, keepdims=True)
    y = (x - mu) / np.sqrt(var + eps)
    return y * (1 if w is None else w) + (0 if b is None else b)


def rms_norm_ref(x, k, w, eps):
    axes = tuple(range(x.ndim - k, x.ndim))
    y = x / np.sqrt((x * x).mean(axis=axes, keepdims=True) + eps)
    return y * (1 if w is None else w)


AFFINE = [(False, False), (True, False), (False, True), (True, True)]


@pytest.mark.parametrize("shape,norm_shape", [((4, 5), (5,)), ((2, 3, 4), (3, 4)),
                                              ((3, 1), (1,)), ((6,), (6,))])
@pytest.mark.parametrize("affine", AFFINE)
def test_layer_norm_reference_and_gradcheck(kernel_mode, rng, shape, norm_shape, affine):
    x = rng.standard_normal(shape) * 2 + 1
    w = rng.standard_normal(norm_shape) if affine[0] else None
    b = rng.standard_normal(norm_shape) if affine[1] else None
    k = len(norm_shape)

    def fn(a, *params):
        it = iter(params)
        return F.layer_norm(a, norm_shape, next(it) if affine[0] else None,
                            next(it) if affine[1] else None, eps=1e-5)

    params = [p for p in (w, b) if p is not None]
    out = fn(mg.tensor(x), *[mg.tensor(p) for p in params])
    np.testing.assert_allclose(out.detach().numpy(), layer_norm_ref(x, k, w, b, 1e-5), rtol=1e-10,
                               atol=1e-12)
    assert gradcheck(fn, [f64(x)] + [f64(p) for p in params], atol=1e-7, rtol=1e-6)


@pytest.mark.parametrize("shape,norm_shape", [((4, 5), 5), ((2, 3, 4), (3, 4))])
@pytest.mark.parametrize("weighted", [False, True])
def test_rms_norm_reference_and_gradcheck(kernel_mode, rng, shape, norm_shape, weighted):
    x = rng.standard_normal(shape)
    ns = (norm_shape,) if isinstance(norm_shape, int) else norm_shape
    w = rng.standard_normal(ns) if weighted else None
    out = F.rms_norm(mg.tensor(x), norm_shape, None if w is None else mg.tensor(w), eps=1e-6)
    np.testing.assert_allclose(out.detach().numpy(), rms_norm_ref(x, len(ns), w, 1e-6), rtol=1e-10)
    if weighted:
        assert gradcheck(lambda a, b: F.rms_norm(a, norm_shape, b, eps=1e-6), [f64(x), f64(w)])
    else:
        assert gradcheck(lambda a: F.rms_norm(a, norm_shape), [f64(x)])


def test_rms_norm_default_eps_is_machine_epsilon():
    x = np.array([[1e-4, -1e-4]], dtype=np.float32)
    want = x / np.sqrt(np.float32(1e-8) + np.finfo(np.float32).eps)
    np.testing.assert_allclose(F.rms_norm(mg.tensor(x), 2).detach().numpy(), want, rtol=1e-6)


def test_layer_norm_float32(kernel_mode, rng):
    x = rng.standard_normal((8, 16)).astype(np.float32)
    w = rng.standard_normal(16).astype(np.float32)
    out = F.layer_norm(mg.tensor(x), (16,), mg.tensor(w), None)
    assert out.dtype == np.float32
    np.testing.assert_allclose(
        out.detach().numpy(),
        layer_norm_ref(x.astype(np.float64), 1, w, None, 1e-5),
        rtol=1e-4,
        atol=1e-5,
    )


def test_norms_are_once_differentiable(rng):
    x = f64(rng.standard_normal((2, 3)))
    for fn in (lambda a: F.layer_norm(a, 3), lambda a: F.rms_norm(a, 3)):
        with pytest.raises(RuntimeError, match="not differentiable"):
            mg.autograd.grad(fn(x).sum(), [x], create_graph=True)


def test_layer_norm_errors():
    x = mg.randn(2, 3, 4)
    with pytest.raises(ValueError, match=r"normalized_shape \(3,\) must match the trailing"):
        F.layer_norm(x, 3)
    with pytest.raises(ValueError, match=r"normalized_shape \(2, 3, 4, 5\)"):
        F.layer_norm(x, (2, 3, 4, 5))
    with pytest.raises(ValueError, match=r"weight must have the normalized shape \(4,\)"):
        F.layer_norm(x, 4, mg.ones(3))
    with pytest.raises(ValueError, match=r"rms_norm: normalized_shape"):
        F.rms_norm(x, (4, 3))


def batch_norm_ref(x, w, b, eps):
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    mu = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w.reshape(shape) + b.reshape(shape)


def test_batch_norm_running_stats_hand_computed():
    # one channel, values 1..4: mean 2.5, biased var 1.25, unbiased var 5/3
    x = mg.tensor([[1.0], [2.0], [3.0], [4.0]], dtype=mg.float64)
    rm = mg.zeros(1, dtype=mg.float64)
    rv = mg.ones(1, dtype=mg.float64)
    out = F.batch_norm(x, rm, rv, training=True, momentum=0.1, eps=0.0)
    np.testing.assert_allclose(out.detach().numpy()[:, 0], (np.arange(1, 5) - 2.5) / np.sqrt(1.25))
    np.testing.assert_allclose(rm.detach().numpy(), [0.9 * 0 + 0.1 * 2.5])
    np.testing.assert_allclose(rv.detach().numpy(), [0.9 * 1 + 0.1 * 5 / 3])
    assert rm._version == 1 and rv._version == 1
    # evaluation uses the running statistics and leaves them alone
    out = F.batch_norm(mg.tensor([[0.25]], dtype=mg.float64), rm, rv, eps=0.0)
    np.testing.assert_allclose(out.detach().numpy(), [[0.0]])
    np.testing.assert_allclose(rm.detach().numpy(), [0.25])


@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 2), (2, 3, 2, 2)])
def test_batch_norm_training_reference_stats_and_gradcheck(rng, shape):
    x = rng.standard_normal(shape) * 2 + 1
    w, b = rng.standard_normal(3), rng.standard_normal(3)
    rm, rv = mg.tensor(rng.standard_normal(3)), mg.tensor(rng.uniform(0.5, 2, 3))
    rm0, rv0 = rm.numpy().copy(), rv.numpy().copy()
    out = F.batch_norm(
        mg.tensor(x), rm, rv, mg.tensor(w), mg.tensor(b), training=True, momentum=0.3
    )
    np.testing.assert_allclose(out.detach().numpy(), batch_norm_ref(x, w, b, 1e-5), rtol=1e-10)
    axes = (0,) + tuple(range(2, x.ndim))
    np.testing.assert_allclose(rm.detach().numpy(), 0.7 * rm0 + 0.3 * x.mean(axis=axes))
    np.testing.assert_allclose(rv.detach().numpy(), 0.7 * rv0 + 0.3 * x.var(axis=axes, ddof=1))
    assert gradcheck(
        lambda a, c, d: F.batch_norm(a, None, None, c, d, training=True), [f64(x), f64(w), f64(b)]
    )


def test_batch_norm_eval_reference_and_gradcheck(rng):
    x = rng.standard_normal((3, 2, 2))
    rm, rv = rng.standard_normal(2), rng.uniform(0.5, 2, 2)
    w, b = rng.standard_normal(2), rng.standard_normal(2)
    out = F.batch_norm(mg.tensor(x), mg.tensor(rm), mg.tensor(rv), mg.tensor(w), mg.tensor(b))
    want = (x - rm[:, None]) / np.sqrt(rv[:, None] + 1e-5) * w[:, None] + b[:, None]
    np.testing.assert_allclose(out.detach().numpy(), want, rtol=1e-12)
    assert gradcheck(
        lambda a, c, d: F.batch_norm(a, mg.tensor(rm), mg.tensor(rv), c, d),
        [f64(x), f64(w), f64(b)],
    )


def test_batch_norm_errors():
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        F.batch_norm(mg.randn(1, 3), None, None, training=True)
    with pytest.raises(ValueError, match="running_mean and running_var are needed"):
        F.batch_norm(mg.randn(4, 3), None, None, training=False)
    with pytest.raises(ValueError, match=r"running_mean must have shape \(3,\)"):
        F.batch_norm(mg.randn(4, 3), mg.zeros(2), mg.ones(3))
    with pytest.raises(ValueError, match=r"input must be \(N, C\)"):
        F.batch_norm(mg.randn(4), mg.zeros(4), mg.ones(4))
