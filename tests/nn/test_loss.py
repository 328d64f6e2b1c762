"""Loss modules: NumPy references, agreement with F, options, reduction checks."""

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F


def data(seed=0, shape=(4, 3)):
    rng = np.random.default_rng(seed)
    return (mg.tensor(rng.standard_normal(shape), dtype=mg.float64),
            mg.tensor(rng.standard_normal(shape), dtype=mg.float64))


def reduce(v, reduction):
    return {"none": v, "mean": v.mean(), "sum": v.sum()}[reduction]


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_regression_losses(reduction):
    x, y = data()
    r = x.detach().numpy() - y.detach().numpy()
    a = np.abs(r)
    cases = [
        (nn.MSELoss(reduction=reduction), r**2),
        (nn.L1Loss(reduction=reduction), a),
        (nn.HuberLoss(reduction=reduction, delta=0.5),
         np.where(a <= 0.5, 0.5 * r**2, 0.5 * (a - 0.25))),
        (nn.SmoothL1Loss(reduction=reduction, beta=0.5),
         np.where(a < 0.5, 0.5 * r**2 / 0.5, a - 0.25)),
    ]
    for module, expected in cases:
        np.testing.assert_allclose(
            module(x, y).detach().numpy(),
            reduce(expected, reduction),
            rtol=1e-12,
            err_msg=type(module).__name__,
        )


def test_classification_losses_against_numpy():
    rng = np.random.default_rng(1)
    logits = mg.tensor(rng.standard_normal((5, 4)), dtype=mg.float64)
    target = mg.tensor([0, 3, 1, 1, 2])
    logp = logits.detach().numpy() - np.log(np.exp(logits.detach().numpy()).sum(1, keepdims=True))
    picked = -logp[np.arange(5), target.detach().numpy()]
    np.testing.assert_allclose(nn.CrossEntropyLoss()(logits, target).item(), picked.mean())
    np.testing.assert_allclose(
        nn.NLLLoss(reduction="sum")(mg.tensor(logp), target).item(), picked.sum()
    )
    weight = mg.tensor([1.0, 2.0, 0.5, 1.0], dtype=mg.float64)
    w = weight.detach().numpy()[target.detach().numpy()]
    np.testing.assert_allclose(
        nn.CrossEntropyLoss(weight)(logits, target).item(), (w * picked).sum() / w.sum()
    )
    ignored = mg.tensor([0, 3, -100, 1, 2])
    keep = np.array([True, True, False, True, True])
    np.testing.assert_allclose(nn.CrossEntropyLoss()(logits, ignored).item(), picked[keep].mean())
    smooth = nn.CrossEntropyLoss(label_smoothing=0.2)(logits, target).item()
    expected = (0.8 * picked - 0.2 * logp.mean(1)).mean()
    np.testing.assert_allclose(smooth, expected)


def test_binary_losses():
    rng = np.random.default_rng(2)
    z = mg.tensor(rng.standard_normal((4, 3)), dtype=mg.float64)
    y = mg.tensor((rng.random((4, 3)) > 0.5).astype(np.float64))
    p = 1 / (1 + np.exp(-z.detach().numpy()))
    bce = -(y.detach().numpy() * np.log(p) + (1 - y.detach().numpy()) * np.log(1 - p))
    np.testing.assert_allclose(nn.BCELoss()(mg.tensor(p), y).item(), bce.mean())
    np.testing.assert_allclose(nn.BCEWithLogitsLoss()(z, y).item(), bce.mean())
    pos_weight = mg.tensor([1.0, 2.0, 3.0], dtype=mg.float64)
    yv = y.detach().numpy()
    weighted = -(pos_weight.numpy() * yv * np.log(p) + (1 - yv) * np.log(1 - p))
    np.testing.assert_allclose(
        nn.BCEWithLogitsLoss(pos_weight=pos_weight, reduction="sum")(z, y).item(), weighted.sum()
    )
    w = mg.tensor(rng.random((4, 3)))
    np.testing.assert_allclose(
        nn.BCELoss(w, reduction="none")(mg.tensor(p), y).detach().numpy(),
        w.detach().numpy() * bce,
        rtol=1e-6,
    )


def test_modules_agree_with_functional_and_backpropagate():
    x, y = data(3)
    x.requires_grad = True
    pairs = [
        (nn.MSELoss(), F.mse_loss(x, y)),
        (nn.HuberLoss(delta=2.0), F.huber_loss(x, y, delta=2.0)),
        (nn.SmoothL1Loss(beta=0.3), F.smooth_l1_loss(x, y, beta=0.3)),
    ]
    for module, expected in pairs:
        np.testing.assert_array_equal(module(x, y).detach().numpy(), expected.detach().numpy())
    loss = nn.CrossEntropyLoss()(x, mg.tensor([0, 1, 2, 0]))
    loss.backward()
    assert x.grad.shape == x.shape
    assert mg.autograd.gradcheck(
        lambda t: nn.CrossEntropyLoss(reduction="none")(t, mg.tensor([0, 1, 2, 0])), [x]
    )


def test_options_are_validated_and_keyword_only():
    with pytest.raises(
        ValueError, match="MSELoss: reduction must be one of 'none', 'mean', 'sum', got 'avg'"
    ):
        nn.MSELoss(reduction="avg")
    with pytest.raises(ValueError, match="CrossEntropyLoss: reduction"):
        nn.CrossEntropyLoss(reduction="batchmean")
    with pytest.raises(TypeError):
        nn.MSELoss(None, None, "sum")  # PyTorch's deprecated positional slots
    with pytest.raises(TypeError, match="weight must be a Tensor"):
        nn.CrossEntropyLoss([1.0, 2.0])
    with pytest.raises(ValueError, match="label_smoothing"):
        nn.CrossEntropyLoss(label_smoothing=1.5)
    with pytest.raises(ValueError, match="delta"):
        nn.HuberLoss(delta=0.0)


def test_weights_are_buffers_in_the_state_dict():
    loss = nn.CrossEntropyLoss(weight=mg.tensor([1.0, 2.0]))
    assert list(loss.state_dict()) == ["weight"] and list(loss.parameters()) == []
    assert list(nn.CrossEntropyLoss().state_dict()) == []
    assert list(nn.BCEWithLogitsLoss(pos_weight=mg.ones(3)).state_dict()) == ["pos_weight"]
    assert repr(nn.MSELoss()) == "MSELoss()"
