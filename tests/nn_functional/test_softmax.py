"""softmax, log_softmax, softmin: references, gradients (first and second order), both
kernel modes, edge cases and errors."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.autograd import gradcheck

from .helpers import check_second_order, f64


def softmax_ref(x, dim):
    e = np.exp(x - x.max(axis=dim, keepdims=True))
    return e / e.sum(axis=dim, keepdims=True)


@pytest.mark.parametrize("shape,dim", [((5,), 0), ((3, 4), 1), ((3, 4), 0), ((2, 3, 4), 1),
                                       ((2, 3, 4), -1), ((2, 1, 3), 1)])
def test_forward_matches_reference_any_dim(kernel_mode, rng, shape, dim):
    x = rng.standard_normal(shape) * 3
    np.testing.assert_allclose(
        F.softmax(mg.tensor(x), dim).detach().numpy(), softmax_ref(x, dim), rtol=1e-12
    )
    np.testing.assert_allclose(
        F.log_softmax(mg.tensor(x), dim).detach().numpy(),
        np.log(softmax_ref(x, dim)),
        rtol=1e-10,
        atol=1e-12,
    )
    np.testing.assert_allclose(
        F.softmin(mg.tensor(x), dim).detach().numpy(), softmax_ref(-x, dim), rtol=1e-12
    )


def test_float32_stays_float32_and_is_accurate(kernel_mode, rng):
    x = rng.standard_normal((7, 33)).astype(np.float32) * 5
    out = F.softmax(mg.tensor(x), dim=1)
    assert out.dtype == np.float32
    np.testing.assert_allclose(
        out.detach().numpy(), softmax_ref(x.astype(np.float64), 1), rtol=1e-5, atol=1e-7
    )
    log_out = F.log_softmax(mg.tensor(x), dim=1)
    assert log_out.dtype == np.float32
    np.testing.assert_allclose(
        log_out.detach().numpy(), np.log(softmax_ref(x.astype(np.float64), 1)), rtol=1e-5, atol=1e-5
    )


def test_large_logits_do_not_overflow(kernel_mode):
    x = mg.tensor([[1000.0, 0.0, -1000.0]], dtype=mg.float64)
    np.testing.assert_allclose(F.softmax(x, 1).detach().numpy(), [[1.0, 0.0, 0.0]])
    np.testing.assert_allclose(F.log_softmax(x, 1).detach().numpy(), [[0.0, -1000.0, -2000.0]])


@pytest.mark.parametrize("fn", [F.softmax, F.log_softmax, F.softmin])
@pytest.mark.parametrize("shape,dim", [((4,), 0), ((3, 4), 0), ((2, 3, 4), 1), ((2, 3, 1), 2)])
def test_gradcheck(kernel_mode, rng, fn, shape, dim):
    x = f64(rng.standard_normal(shape))
    assert gradcheck(lambda a: fn(a, dim), [x], atol=1e-7, rtol=1e-6)


@pytest.mark.parametrize("fn", [F.softmax, F.log_softmax])
def test_second_derivatives(rng, fn):
    x = f64(rng.standard_normal((3, 4)))
    assert check_second_order(lambda a: fn(a, 0), [x])


def test_scalar_input_gives_one():
    x = mg.tensor(3.0, requires_grad=True)
    out = F.softmax(x, 0)
    assert out.shape == () and out.item() == 1.0
    out.backward()
    assert x.grad.item() == 0.0


def test_dtype_argument_casts_first():
    out = F.softmax(mg.tensor([1.0, 2.0]), dim=0, dtype=mg.float64)
    assert out.dtype == np.float64


def test_rows_sum_to_one_and_gradient_of_sum_is_zero(kernel_mode, rng):
    x = mg.tensor(rng.standard_normal((4, 6)), requires_grad=True)
    y = F.softmax(x, dim=1)
    np.testing.assert_allclose(y.detach().numpy().sum(axis=1), np.ones(4))
    y.sum().backward()  # each row sums to 1 whatever x is, so the gradient vanishes
    np.testing.assert_allclose(x.grad.numpy(), 0.0, atol=1e-12)


def test_errors():
    x = mg.randn(2, 3)
    with pytest.raises(IndexError, match="softmax: dim 2 is out of range"):
        F.softmax(x, 2)
    with pytest.raises(TypeError, match="softmax: pass dim"):
        F.softmax(x)
    with pytest.raises(TypeError, match="log_softmax: input must be a floating-point"):
        F.log_softmax(mg.tensor([1, 2]), 0)
