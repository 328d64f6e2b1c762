"""Regression and binary losses: hand-computed values, NumPy references, gradients in
every input, reductions and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.autograd import gradcheck

from .helpers import check_second_order, f64


def huber_ref(d, delta):
    a = np.abs(d)
    return np.where(a < delta, 0.5 * d * d, delta * (a - 0.5 * delta))


def test_hand_computed_regression_losses():
    x = mg.tensor([1.0, 2.0, -1.0], dtype=mg.float64)
    y = mg.tensor([0.0, 4.0, -1.5], dtype=mg.float64)
    # differences 1, -2, 0.5
    np.testing.assert_allclose(F.mse_loss(x, y).detach().numpy(), (1 + 4 + 0.25) / 3)
    np.testing.assert_allclose(F.mse_loss(x, y, reduction="sum").detach().numpy(), 5.25)
    np.testing.assert_allclose(F.l1_loss(x, y, reduction="none").detach().numpy(), [1, 2, 0.5])
    # huber, delta 1: |d| >= 1 -> |d| - 0.5, else 0.5 d^2
    np.testing.assert_allclose(
        F.huber_loss(x, y, reduction="none").detach().numpy(), [0.5, 1.5, 0.125]
    )
    # delta 2: 0.5 * 1, 2 * (2 - 1) = 2 (the boundary), 0.5 * 0.25
    np.testing.assert_allclose(
        F.huber_loss(x, y, reduction="none", delta=2.0).detach().numpy(), [0.5, 2.0, 0.125]
    )
    # smooth_l1, beta 2: huber(delta 2) / 2
    np.testing.assert_allclose(
        F.smooth_l1_loss(x, y, reduction="none", beta=2.0).detach().numpy(), [0.25, 1.0, 0.0625]
    )
    np.testing.assert_allclose(F.smooth_l1_loss(x, y, beta=0.0).detach().numpy(), 3.5 / 3)


@pytest.mark.parametrize(
    "name", ["mse", "l1", "huber", "huber_small", "smooth_l1", "smooth_l1_small"]
)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_regression_reference_and_gradcheck(rng, name, reduction):
    fns = {
        "mse": (F.mse_loss, lambda d: d * d),
        "l1": (F.l1_loss, np.abs),
        "huber": (F.huber_loss, lambda d: huber_ref(d, 1.0)),
        "huber_small": (
            lambda a, b, reduction: F.huber_loss(a, b, reduction, delta=0.3),
            lambda d: huber_ref(d, 0.3),
        ),
        "smooth_l1": (F.smooth_l1_loss, lambda d: huber_ref(d, 1.0)),
        "smooth_l1_small": (
            lambda a, b, reduction: F.smooth_l1_loss(a, b, reduction, beta=0.3),
            lambda d: huber_ref(d, 0.3) / 0.3,
        ),
    }
    fn, ref = fns[name]
    x = rng.standard_normal((3, 4))
    y = rng.standard_normal((3, 4))
    out = fn(mg.tensor(x), mg.tensor(y), reduction=reduction)
    want = ref(x - y)
    want = want.mean() if reduction == "mean" else want.sum() if reduction == "sum" else want
    np.testing.assert_allclose(out.detach().numpy(), want, rtol=1e-12)
    assert gradcheck(lambda a, b: fn(a, b, reduction=reduction), [f64(x), f64(y)])


def test_regression_losses_differentiate_twice(rng):
    x, y = f64(rng.standard_normal(4)), f64(rng.standard_normal(4))
    assert check_second_order(F.mse_loss, [x, y])
    assert check_second_order(lambda a, b: F.huber_loss(a, b, delta=0.5), [x, y])


def test_broadcast_target_warns():
    with pytest.warns(UserWarning, match=r"mse_loss: target shape \(3, 1\) differs"):
        F.mse_loss(mg.zeros(3), mg.zeros(3, 1))
    with pytest.raises(ValueError, match="does not broadcast"):
        F.l1_loss(mg.zeros(3), mg.zeros(2))


def test_binary_cross_entropy_hand_computed():
    x = mg.tensor([0.5, 0.8, 1.0, 0.0], dtype=mg.float64)
    y = mg.tensor([1.0, 0.0, 0.0, 0.0], dtype=mg.float64)
    # -log 0.5, -log 0.2, log(0) clamped at -100 -> 100, log(1) = 0
    want = [math.log(2), -math.log(0.2), 100.0, 0.0]
    np.testing.assert_allclose(
        F.binary_cross_entropy(x, y, reduction="none").detach().numpy(), want
    )
    w = mg.tensor([2.0, 1.0, 0.0, 1.0], dtype=mg.float64)
    np.testing.assert_allclose(
        F.binary_cross_entropy(x, y, w, reduction="sum").detach().numpy(),
        2 * math.log(2) - math.log(0.2),
    )


def test_binary_cross_entropy_gradient_is_finite_at_zero_and_one():
    x = mg.tensor([0.0, 1.0, 1.0], dtype=mg.float64, requires_grad=True)
    F.binary_cross_entropy(
        x, mg.tensor([0.0, 1.0, 0.0], dtype=mg.float64), reduction="sum"
    ).backward()
    # (x - y) / max(x (1 - x), 1e-12): 0, 0, and 1 / 1e-12 for the confident mistake
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 0.0, 1e12])


def test_binary_cross_entropy_gradcheck_and_second_order(rng):
    x = f64(rng.uniform(0.05, 0.95, (3, 4)))
    y = f64(rng.uniform(0, 1, (3, 4)))
    w = f64(rng.uniform(0.5, 2, (4,)))
    assert gradcheck(lambda a, b, c: F.binary_cross_entropy(a, b, c), [x, y, w])
    assert check_second_order(F.binary_cross_entropy, [x, y])


def bce_logits_ref(x, y, pos_weight=1.0):
    s = 1 / (1 + np.exp(-x))
    return -(pos_weight * y * np.log(s) + (1 - y) * np.log(1 - s))


def test_binary_cross_entropy_with_logits(rng):
    x = rng.standard_normal((3, 4)) * 3
    y = rng.uniform(0, 1, (3, 4))
    pw = rng.uniform(0.5, 3, 4)
    out = F.binary_cross_entropy_with_logits(
        mg.tensor(x), mg.tensor(y), reduction="none", pos_weight=mg.tensor(pw)
    )
    np.testing.assert_allclose(out.detach().numpy(), bce_logits_ref(x, y, pw), rtol=1e-10)
    assert gradcheck(
        lambda a, b, c, d: F.binary_cross_entropy_with_logits(a, b, c, pos_weight=d),
        [f64(x), f64(y), f64(rng.uniform(0.5, 2, (3, 4))), f64(pw)],
    )
    # logit 0 against target 1: log 2
    np.testing.assert_allclose(
        F.binary_cross_entropy_with_logits(mg.tensor([0.0]), mg.tensor([1.0])).item(),
        math.log(2),
        rtol=1e-6,
    )


def test_binary_cross_entropy_with_logits_is_stable_for_large_logits():
    x = mg.tensor([100.0, -100.0, 100.0], dtype=mg.float64, requires_grad=True)
    y = mg.tensor([1.0, 0.0, 0.0], dtype=mg.float64)
    out = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    np.testing.assert_allclose(out.detach().numpy(), [0.0, 0.0, 100.0], atol=1e-12)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 0.0, 1.0], atol=1e-12)  # sigmoid(x) - y


def test_binary_losses_bad_input():
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.binary_cross_entropy(mg.tensor([1.5]), mg.tensor([1.0]))
    with pytest.raises(ValueError, match=r"target shape \(2,\) must match input shape \(3,\)"):
        F.binary_cross_entropy_with_logits(mg.zeros(3), mg.zeros(2))
    with pytest.raises(TypeError, match="target must be a floating-point"):
        F.binary_cross_entropy(mg.tensor([0.5]), mg.tensor([1]))
    with pytest.raises(ValueError, match="reduction must be"):
        F.mse_loss(mg.zeros(2), mg.zeros(2), reduction="mean ")
    with pytest.raises(ValueError, match="delta must be positive"):
        F.huber_loss(mg.zeros(2), mg.zeros(2), delta=0.0)
