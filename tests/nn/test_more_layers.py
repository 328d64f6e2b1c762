"""LogSigmoid, Hardtanh, PReLU, Mish, KLDivLoss, CosineSimilarity, PairwiseDistance,
Dropout2d, AdaptiveAvgPool2d, GroupNorm: hand-computed values, parameters and errors
(gradients against finite differences are in the op registry)."""

import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F


def test_activation_modules():
    x = mg.tensor([-2.0, 0.0, 3.0])
    np.testing.assert_allclose(nn.LogSigmoid()(x).numpy(), F.logsigmoid(x).numpy())
    assert nn.Hardtanh()(x).tolist() == [-1.0, 0.0, 1.0]
    assert nn.Hardtanh(-0.5, 2.0)(x).tolist() == [-0.5, 0.0, 2.0]
    mish = nn.Mish()(mg.tensor([1.0])).item()
    assert mish == pytest.approx(math.tanh(math.log1p(math.e)), rel=1e-6)
    with pytest.raises(ValueError, match="min_val"):
        nn.Hardtanh(1.0, -1.0)


def test_prelu_learns_one_slope_per_channel():
    layer = nn.PReLU(num_parameters=2, init=0.1)
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    x = mg.tensor([[[-1.0, 2.0]], [[-3.0, -4.0]]]).reshape(1, 2, 2)  # (N, C, L)
    y = layer(x)
    np.testing.assert_allclose(y.detach().numpy(), [[[-0.1, 2.0], [-0.3, -0.4]]], rtol=1e-6)
    y.sum().backward()
    np.testing.assert_allclose(layer.weight.grad.numpy(), [-1.0, -7.0])
    with pytest.raises(RuntimeError, match="3 channels"):
        layer(mg.zeros(1, 3))


def test_kl_div_reductions_and_zero_targets():
    p = mg.tensor([[0.5, 0.5, 0.0], [0.2, 0.3, 0.5]])
    logq = mg.tensor([[0.25, 0.5, 0.25], [0.2, 0.6, 0.2]]).log().requires_grad_()
    pointwise = np.where(p.numpy() > 0, p.numpy() * np.log(np.where(p.numpy() > 0,
                         p.numpy(), 1)), 0) - p.numpy() * logq.detach().numpy()
    loss = nn.KLDivLoss(reduction="batchmean")(logq, p)
    assert loss.item() == pytest.approx(pointwise.sum() / 2, rel=1e-6)
    loss.backward()
    assert np.isfinite(logq.grad.numpy()).all()
    np.testing.assert_allclose(logq.grad.numpy(), -p.numpy() / 2, rtol=1e-6)
    assert F.kl_div(logq, p, reduction="sum").item() == pytest.approx(pointwise.sum(), rel=1e-6)
    assert F.kl_div(logq, p).item() == pytest.approx(pointwise.mean(), rel=1e-6)
    same = F.kl_div(logq, p.clamp(min=1e-30).log(), reduction="none", log_target=True)
    np.testing.assert_allclose(same.detach().numpy(), pointwise, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="batchmean"):
        nn.KLDivLoss(reduction="average")


def test_distance_modules():
    a, b = mg.tensor([[1.0, 0.0], [0.0, 2.0]]), mg.tensor([[1.0, 1.0], [0.0, -1.0]])
    np.testing.assert_allclose(nn.CosineSimilarity()(a, b).numpy(), [2 ** -0.5, -1.0],
                               rtol=1e-6)
    d = nn.PairwiseDistance(p=1.0, eps=0.0, keepdim=True)(a, b)
    assert d.shape == (2, 1) and d.tolist() == [[1.0], [3.0]]


def test_dropout2d_zeros_whole_channels():
    mg.manual_seed(0)
    layer = nn.Dropout2d(0.5)
    y = layer(mg.ones(4, 8, 3, 3)).numpy()
    per_channel = y.reshape(4, 8, 9)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 2).all(-1))
    assert 0 < (per_channel == 0).all(-1).sum() < 32
    mg.manual_seed(0)
    np.testing.assert_array_equal(layer(mg.ones(4, 8, 3, 3)).numpy(), y)
    assert layer.eval()(mg.ones(2, 2, 2)).tolist() == mg.ones(2, 2, 2).tolist()
    with pytest.raises(ValueError, match="3-D"):
        F.dropout2d(mg.ones(2, 2))


def test_adaptive_avg_pool2d():
    x = mg.arange(30.0).reshape(1, 1, 5, 6)
    np.testing.assert_allclose(nn.AdaptiveAvgPool2d(1)(x).numpy().ravel(), [14.5])
    # 5 rows into 2: windows 0..2 and 2..4 (they overlap, as in PyTorch); 6 columns into 3
    out = nn.AdaptiveAvgPool2d((2, 3))(x).numpy()[0, 0]
    a = x.numpy()[0, 0]
    assert out[0, 0] == pytest.approx(a[0:3, 0:2].mean())
    assert out[1, 2] == pytest.approx(a[2:5, 4:6].mean())
    assert nn.AdaptiveAvgPool2d((None, 2))(x).shape == (1, 1, 5, 2)
    with pytest.raises(ValueError, match="3-D"):
        F.adaptive_avg_pool2d(mg.ones(4, 4), 2)


def test_group_norm_values_and_parameters():
    layer = nn.GroupNorm(2, 4)
    assert layer.weight.tolist() == [1.0] * 4 and layer.bias.tolist() == [0.0] * 4
    x = mg.tensor([[1.0, 3.0, 10.0, 30.0]], dtype=mg.float64)
    expected = np.array([-1.0, 1.0, -1.0, 1.0]) * np.array([1 / np.sqrt(1 + 1e-5),
                                                            1 / np.sqrt(1 + 1e-5),
                                                            10 / np.sqrt(100 + 1e-5),
                                                            10 / np.sqrt(100 + 1e-5)])
    np.testing.assert_allclose(F.group_norm(x, 2).numpy()[0], expected, rtol=1e-12)
    with mg.no_grad():
        layer.weight.fill_(2.0)
        layer.bias.fill_(0.5)
    np.testing.assert_allclose(layer(x.float()).detach().numpy()[0], 2 * expected + 0.5,
                               rtol=1e-5)
    assert nn.GroupNorm(1, 3, affine=False).weight is None
    with pytest.raises(ValueError, match="divisible"):
        nn.GroupNorm(3, 4)
    with pytest.raises(ValueError, match=r"\(N, 4, \.\.\.\)"):
        layer(mg.zeros(2, 3))
