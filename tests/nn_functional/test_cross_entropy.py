"""cross_entropy and nll_loss: hand-computed values, an independent loop reference, gradients,
both kernel modes, K-dimensional inputs, probability targets and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.autograd import gradcheck

from .helpers import f64

# Logits whose softmax rows are [1/4, 3/4], [1/2, 1/2] and [3/4, 1/4].
LOGITS = np.log([[1.0, 3.0], [1.0, 1.0], [3.0, 1.0]])
TARGETS = np.array([1, 0, -100])  # the last row is ignored
L43, L2, L4 = math.log(4 / 3), math.log(2), math.log(4)  # -log 3/4, -log 1/2, -log 1/4


def ce(reduction="mean", **kwargs):
    return F.cross_entropy(mg.tensor(LOGITS), mg.tensor(TARGETS), reduction=reduction,
                           **kwargs).detach().numpy()


def test_hand_computed_plain(kernel_mode):
    # row 0: -log(3/4); row 1: -log(1/2); row 2 ignored -> 0; the mean is over the 2 kept rows
    np.testing.assert_allclose(ce("none"), [L43, L2, 0.0], rtol=1e-12)
    np.testing.assert_allclose(ce("sum"), L43 + L2, rtol=1e-12)
    np.testing.assert_allclose(ce("mean"), (L43 + L2) / 2, rtol=1e-12)


def test_hand_computed_class_weights(kernel_mode):
    # w = [2, 1]: row 0 (class 1) weighs 1, row 1 (class 0) weighs 2; mean = sum / (1 + 2)
    w = mg.tensor([2.0, 1.0], dtype=mg.float64)
    np.testing.assert_allclose(ce("none", weight=w), [L43, 2 * L2, 0.0], rtol=1e-12)
    np.testing.assert_allclose(ce("sum", weight=w), L43 + 2 * L2, rtol=1e-12)
    np.testing.assert_allclose(ce("mean", weight=w), (L43 + 2 * L2) / 3, rtol=1e-12)


def test_hand_computed_label_smoothing(kernel_mode):
    # e = 0.2, C = 2: l = 0.8 * -log p[y] + 0.1 * (-log p[0] - log p[1])
    row0 = 0.8 * L43 + 0.1 * (L4 + L43)
    row1 = 0.8 * L2 + 0.1 * (L2 + L2)  # uniform row: ln 2 whatever the smoothing
    np.testing.assert_allclose(ce("none", label_smoothing=0.2), [row0, row1, 0.0], rtol=1e-12)
    np.testing.assert_allclose(ce("mean", label_smoothing=0.2), (row0 + row1) / 2, rtol=1e-12)


def test_hand_computed_label_smoothing_with_weights(kernel_mode):
    # l = 0.8 * w[y] * -log p[y] + 0.1 * (w[0] * -log p[0] + w[1] * -log p[1]), w = [2, 1];
    # the mean divides by w[y] summed over kept rows (1 + 2), as PyTorch does.
    w = mg.tensor([2.0, 1.0], dtype=mg.float64)
    row0 = 0.8 * 1 * L43 + 0.1 * (2 * L4 + 1 * L43)
    row1 = 0.8 * 2 * L2 + 0.1 * (2 * L2 + 1 * L2)
    np.testing.assert_allclose(ce("none", weight=w, label_smoothing=0.2), [row0, row1, 0.0],
                               rtol=1e-12)
    np.testing.assert_allclose(ce("sum", weight=w, label_smoothing=0.2), row0 + row1, rtol=1e-12)
    np.testing.assert_allclose(ce("mean", weight=w, label_smoothing=0.2), (row0 + row1) / 3,
                               rtol=1e-12)


def test_hand_computed_gradient(kernel_mode):
    # one row, p = [1/4, 3/4], target 1: dl/dx = p - onehot = [1/4, -1/4];
    # with e = 0.2: p - 0.8 onehot - 0.2 / 2 = [0.15, -0.15]
    for smoothing, want in ((0.0, [0.25, -0.25]), (0.2, [0.15, -0.15])):
        x = mg.tensor(LOGITS[:1], requires_grad=True)
        F.cross_entropy(x, mg.tensor([1]), label_smoothing=smoothing).backward()
        np.testing.assert_allclose(x.grad.numpy(), [want], rtol=1e-12)


def test_hand_computed_probability_targets():
    # rows p = [1/4, 3/4] and [1/2, 1/2] against targets [0.4, 0.6] and [1, 0]
    x = mg.tensor(LOGITS[:2])
    t = mg.tensor([[0.4, 0.6], [1.0, 0.0]], dtype=mg.float64)
    row0, row1 = 0.4 * L4 + 0.6 * L43, L2
    np.testing.assert_allclose(
        F.cross_entropy(x, t, reduction="none").detach().numpy(), [row0, row1]
    )
    np.testing.assert_allclose(F.cross_entropy(x, t).detach().numpy(), (row0 + row1) / 2)
    # class weights [2, 1]: the mean still divides by the number of rows
    w = mg.tensor([2.0, 1.0], dtype=mg.float64)
    np.testing.assert_allclose(
        F.cross_entropy(x, t, weight=w).detach().numpy(), (2 * 0.4 * L4 + 0.6 * L43 + 2 * L2) / 2
    )
    # smoothing 0.2 turns the targets into t * 0.8 + 0.1: [0.42, 0.58] and [0.9, 0.1]
    np.testing.assert_allclose(
        F.cross_entropy(x, t, label_smoothing=0.2, reduction="sum").detach().numpy(),
        0.42 * L4 + 0.58 * L43 + 0.9 * L2 + 0.1 * L2,
    )


def ce_reference(x, t, weight=None, ignore_index=-100, reduction="mean", smoothing=0.0):
    """Loop reference over (N, C, d...) logits, written from the PyTorch formula."""
    classes = x.shape[1]
    rows = np.moveaxis(x, 1, -1).reshape(-1, classes)
    w = np.ones(classes) if weight is None else weight
    losses, weights = [], []
    for row, y in zip(rows, t.reshape(-1)):
        if y == ignore_index:
            losses.append(0.0)
            weights.append(0.0)
            continue
        logp = row - row.max() - math.log(np.exp(row - row.max()).sum())
        smooth = -(w * logp).sum() / classes
        losses.append((1 - smoothing) * -w[y] * logp[y] + smoothing * smooth)
        weights.append(w[y])
    losses = np.array(losses)
    if reduction == "none":
        return losses.reshape(t.shape)
    if reduction == "sum":
        return losses.sum()
    return losses.sum() / sum(weights)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.3])
def test_k_dimensional_against_reference_and_gradcheck(
    kernel_mode, rng, reduction, weighted, smoothing
):
    x = rng.standard_normal((2, 4, 3, 2))
    t = rng.integers(0, 4, (2, 3, 2))
    t[0, 1, 0] = -100
    w = rng.uniform(0.5, 2.0, 4) if weighted else None
    wt = None if w is None else mg.tensor(w)
    out = F.cross_entropy(
        mg.tensor(x), mg.tensor(t), wt, reduction=reduction, label_smoothing=smoothing
    )
    np.testing.assert_allclose(
        out.detach().numpy(), ce_reference(x, t, w, -100, reduction, smoothing), rtol=1e-10
    )

    def fn(a):
        return F.cross_entropy(a, mg.tensor(t), wt, reduction=reduction, label_smoothing=smoothing)

    assert gradcheck(fn, [f64(x)], atol=1e-7, rtol=1e-6)


def test_unbatched_input_and_custom_ignore_index(kernel_mode):
    x = mg.tensor(np.log([1.0, 3.0]), requires_grad=True)
    loss = F.cross_entropy(x, mg.tensor(1))
    np.testing.assert_allclose(loss.detach().numpy(), L43)
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.25, -0.25])
    batch = mg.tensor(LOGITS)
    np.testing.assert_allclose(
        F.cross_entropy(batch, mg.tensor([1, 0, 1]), ignore_index=0, reduction="none")
        .detach()
        .numpy(),
        [L43, 0.0, math.log(4)],
        rtol=1e-12,
    )


def test_all_ignored_mean_is_nan_with_zero_gradient(kernel_mode):
    x = mg.tensor(LOGITS, requires_grad=True)
    loss = F.cross_entropy(x, mg.tensor([-100, -100, -100]))
    assert np.isnan(loss.item())
    loss.backward()
    np.testing.assert_array_equal(x.grad.numpy(), 0.0)
    assert F.cross_entropy(mg.tensor(LOGITS), mg.tensor([-100] * 3), reduction="sum").item() == 0


def test_float32_in_float32_out(kernel_mode, rng):
    x = mg.tensor(rng.standard_normal((5, 7)).astype(np.float32), requires_grad=True)
    loss = F.cross_entropy(x, mg.tensor([0, 1, 2, 3, 6]), label_smoothing=0.1)
    assert loss.dtype == np.float32
    loss.backward()
    assert x.grad.dtype == np.float32
    logits = x.detach().numpy().astype(np.float64)[..., None]
    want = ce_reference(logits, np.array([[0], [1], [2], [3], [6]]), smoothing=0.1)
    np.testing.assert_allclose(loss.item(), want, rtol=1e-5)


def test_probability_targets_gradcheck_input_and_target(rng):
    x = f64(rng.standard_normal((2, 3, 2)))
    t = f64(rng.dirichlet(np.ones(3), (2, 2)).transpose(0, 2, 1))
    w = mg.tensor([1.0, 2.0, 0.5], dtype=mg.float64)
    assert gradcheck(lambda a, b: F.cross_entropy(a, b, w, label_smoothing=0.1), [x, t])


def test_equals_log_softmax_then_nll_loss(kernel_mode, rng):
    x = rng.standard_normal((6, 5))
    t = np.array([0, 4, -100, 2, 2, 1])
    w = mg.tensor(rng.uniform(0.5, 2, 5))
    for reduction in ("mean", "sum", "none"):
        a = F.cross_entropy(mg.tensor(x), mg.tensor(t), w, reduction=reduction)
        b = F.nll_loss(F.log_softmax(mg.tensor(x), 1), mg.tensor(t), w, reduction=reduction)
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12)


def test_once_differentiable(rng):
    x = f64(rng.standard_normal((2, 3)))
    loss = F.cross_entropy(x, mg.tensor([0, 1]))
    with pytest.raises(RuntimeError, match="CrossEntropyBackward.*not differentiable"):
        mg.autograd.grad(loss, [x], create_graph=True)


def test_nll_loss_hand_computed_and_gradcheck(rng):
    logp = mg.tensor([[-0.5, -1.0], [-2.0, -0.1], [-0.3, -0.7]], dtype=mg.float64)
    t = mg.tensor([1, 0, -100])
    np.testing.assert_allclose(
        F.nll_loss(logp, t, reduction="none").detach().numpy(), [1.0, 2.0, 0.0]
    )
    np.testing.assert_allclose(F.nll_loss(logp, t).detach().numpy(), 1.5)
    w = mg.tensor([3.0, 1.0], dtype=mg.float64)
    # weighted: (1 * 1.0 + 3 * 2.0) / (1 + 3)
    np.testing.assert_allclose(F.nll_loss(logp, t, w).detach().numpy(), 7.0 / 4)
    x = f64(rng.standard_normal((2, 3, 2)))
    kt = mg.tensor([[0, 2], [1, -100]])
    assert gradcheck(lambda a: F.nll_loss(a, kt), [x])
    assert gradcheck(lambda a: F.nll_loss(a, kt, mg.tensor([1.0, 2.0, 3.0]), reduction="sum"), [x])


def test_nll_loss_all_ignored_is_nan_with_zero_gradient():
    x = f64([[-0.5, -1.0]])
    loss = F.nll_loss(x, mg.tensor([-100]))
    assert np.isnan(loss.item())
    loss.backward()
    np.testing.assert_array_equal(x.grad.numpy(), 0.0)


def test_bad_input():
    x = mg.randn(3, 5)
    with pytest.raises(IndexError, match=r"cross_entropy: target 7 is out of range for 5 classes"):
        F.cross_entropy(x, mg.tensor([0, 7, 1]))
    with pytest.raises(IndexError, match="target -1 is out of range"):
        F.cross_entropy(x, mg.tensor([0, -1, 1]))
    with pytest.raises(IndexError, match="nll_loss: target 5"):
        F.nll_loss(x, mg.tensor([0, 5, 1]))
    with pytest.raises(ValueError, match=r"class-index target must have shape \(3,\).*got \(2,\)"):
        F.cross_entropy(x, mg.tensor([0, 1]))
    with pytest.raises(ValueError, match=r"probability target must have the input's shape"):
        F.cross_entropy(x, mg.rand(3, 4))
    with pytest.raises(ValueError, match=r"weight must have shape \(5,\)"):
        F.cross_entropy(x, mg.tensor([0, 1, 2]), weight=mg.ones(4))
    with pytest.raises(ValueError, match="reduction must be"):
        F.cross_entropy(x, mg.tensor([0, 1, 2]), reduction="avg")
    with pytest.raises(ValueError, match="label_smoothing must be in"):
        F.cross_entropy(x, mg.tensor([0, 1, 2]), label_smoothing=1.5)
    with pytest.raises(TypeError, match="cross_entropy: input must be a floating-point"):
        F.cross_entropy(mg.tensor([[1, 2]]), mg.tensor([0]))


def test_float_class_labels_are_refused_with_the_fix():
    logits = mg.randn(4, 3)
    for labels in (mg.tensor([0.0, 1.0, 2.0, 1.0]), [0.0, 1.0, 2.0, 1.0]):
        with pytest.raises(TypeError, match=r"class indices must be integers: pass target\.long"):
            F.cross_entropy(logits, labels)
    fixed = F.cross_entropy(logits, mg.tensor([0.0, 1.0, 2.0, 1.0]).long())
    assert fixed.item() == pytest.approx(F.cross_entropy(logits, mg.tensor([0, 1, 2, 1])).item())
