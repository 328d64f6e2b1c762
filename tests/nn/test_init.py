"""nn.init: formulas (gain, fans, bounds, std) checked empirically on large tensors,
reproducibility, and each layer's default initialisation."""

import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad.nn import init


def big(*shape):
    return mg.empty(*shape)


def assert_uniform(t, bound):
    data = t.detach().numpy()
    assert np.abs(data).max() <= bound * (1 + 1e-6)
    assert np.abs(data).max() > 0.99 * bound
    assert abs(data.std() - bound / math.sqrt(3)) < 0.02 * bound / math.sqrt(3)
    assert abs(data.mean()) < 0.02 * bound


def assert_normal(t, std, mean=0.0):
    data = t.detach().numpy()
    assert abs(data.std() - std) < 0.02 * std
    assert abs(data.mean() - mean) < 0.02 * std


def test_calculate_gain_table():
    assert init.calculate_gain("linear") == 1.0
    assert init.calculate_gain("conv2d") == 1.0
    assert init.calculate_gain("sigmoid") == 1.0
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01**2)))
    assert init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(math.sqrt(1 / 3))
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="negative_slope"):
        init.calculate_gain("leaky_relu", "big")


def test_fans():
    assert init._calculate_fan_in_and_fan_out(mg.empty(3, 5)) == (5, 3)
    assert init._calculate_fan_in_and_fan_out(mg.empty(8, 4, 3, 3)) == (36, 72)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(mg.empty(4))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(mg.empty(3, 3), mode="fan_avg")


def test_simple_fills():
    t = big(300, 400)
    assert init.uniform_(t, -2.0, 3.0) is t
    assert t.numpy().min() >= -2 and t.numpy().max() < 3 and abs(t.numpy().mean() - 0.5) < 0.02
    init.normal_(t, 1.0, 0.5)
    assert_normal(t, 0.5, mean=1.0)
    init.constant_(t, 2.5)
    assert (t.numpy() == 2.5).all()
    assert not init.zeros_(t).detach().numpy().any()
    assert (init.ones_(t).detach().numpy() == 1).all()
    np.testing.assert_array_equal(init.eye_(mg.empty(2, 3)).detach().numpy(), np.eye(2, 3))
    with pytest.raises(ValueError, match="2-D"):
        init.eye_(mg.empty(2, 2, 2))
    with pytest.raises(TypeError, match="floating"):
        init.normal_(mg.zeros(3, dtype=mg.int64))
    with pytest.raises(TypeError, match="expected a Tensor"):
        init.normal_(np.zeros(3))


def test_xavier():
    t = big(300, 500)
    init.xavier_uniform_(t, gain=2.0)
    assert_uniform(t, 2.0 * math.sqrt(6 / 800))
    init.xavier_normal_(t)
    assert_normal(t, math.sqrt(2 / 800))
    conv = big(64, 32, 3, 3)  # fan_in 288, fan_out 576
    init.xavier_uniform_(conv)
    assert_uniform(conv, math.sqrt(6 / (288 + 576)))


def test_kaiming():
    t = big(300, 500)  # fan_in 500, fan_out 300
    init.kaiming_uniform_(t, nonlinearity="relu")
    assert_uniform(t, math.sqrt(2) * math.sqrt(3 / 500))
    init.kaiming_uniform_(t, a=0.2, mode="fan_out")  # leaky_relu default
    assert_uniform(t, math.sqrt(2 / (1 + 0.04)) * math.sqrt(3 / 300))
    init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu")
    assert_normal(t, math.sqrt(2 / 300))
    init.kaiming_normal_(t, nonlinearity="tanh")
    assert_normal(t, (5 / 3) / math.sqrt(500))


def test_trunc_normal_stays_inside_and_has_the_truncated_std():
    t = big(400, 500)
    init.trunc_normal_(t)
    assert t.numpy().min() >= -2 and t.numpy().max() <= 2 and t.numpy().max() > 1.99

    def pdf(x):
        return math.exp(-x * x / 2) / math.sqrt(2 * math.pi)

    mass = math.erf(2 / math.sqrt(2))  # Phi(2) - Phi(-2)
    expected_std = math.sqrt(1 - 2 * 2 * pdf(2) / mass)  # about 0.88
    assert abs(t.numpy().std() - expected_std) < 0.01
    init.trunc_normal_(t, mean=0.0, std=0.02, a=-0.04, b=0.04)  # bounds are absolute
    assert np.abs(t.numpy()).max() <= 0.04 and abs(t.numpy().std() - 0.02 * expected_std) < 0.001
    init.trunc_normal_(t, mean=3.0, std=1.0, a=2.5, b=3.0)  # a one-sided, small interval
    assert t.numpy().min() >= 2.5 and t.numpy().max() <= 3.0
    with pytest.raises(ValueError, match="a < b"):
        init.trunc_normal_(t, a=1.0, b=0.0)


def test_orthogonal():
    t = big(4, 6)
    init.orthogonal_(t, gain=2.0)
    np.testing.assert_allclose(t.numpy() @ t.numpy().T, 4 * np.eye(4), atol=1e-5)
    tall = big(6, 3)
    init.orthogonal_(tall)
    np.testing.assert_allclose(tall.numpy().T @ tall.numpy(), np.eye(3), atol=1e-5)


def test_reproducible_in_place_and_not_recorded():
    p = nn.Parameter(mg.empty(50, 40))
    data = p.detach().numpy()
    version = p._version
    mg.manual_seed(7)
    init.kaiming_uniform_(p)
    first = p.detach().numpy().copy()
    mg.manual_seed(7)
    init.kaiming_uniform_(p)
    np.testing.assert_array_equal(first, p.detach().numpy())
    assert np.shares_memory(p.detach().numpy(), data)
    assert p.grad_fn is None and p.requires_grad and p._version > version
    g = mg.Generator().manual_seed(3)
    a = init.normal_(mg.empty(5), generator=g).detach().numpy().copy()
    b = init.normal_(mg.empty(5), generator=mg.Generator().manual_seed(3)).detach().numpy()
    np.testing.assert_array_equal(a, b)


def test_float64_tensors_are_filled_in_float64():
    t = init.normal_(mg.empty(3, dtype=mg.float64))
    assert t.dtype == np.float64


# ------------------------------------------------------------- layer defaults
def test_linear_default_init_matches_pytorch():
    lin = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)  # kaiming_uniform_(a=sqrt(5)) == U(-1/sqrt(fan_in), ..)
    assert_uniform(lin.weight, bound)
    bias = lin.bias.detach().numpy()
    assert np.abs(bias).max() <= bound and bias.std() > 0.5 * bound / 1.8


def test_conv_default_init_uses_the_receptive_field():
    conv = nn.Conv2d(16, 64, kernel_size=5)
    bound = 1 / math.sqrt(16 * 25)
    assert_uniform(conv.weight, bound)
    assert np.abs(conv.bias.detach().numpy()).max() <= bound


def test_embedding_norm_and_attention_defaults():
    emb = nn.Embedding(1000, 64, padding_idx=3)
    assert_normal(nn.Embedding(1000, 200).weight, 1.0)
    assert not emb.weight.detach().numpy()[3].any()
    ln = nn.LayerNorm(8)
    assert (ln.weight.detach().numpy() == 1).all() and not ln.bias.detach().numpy().any()
    assert (nn.RMSNorm(8).weight.detach().numpy() == 1).all()
    bn = nn.BatchNorm1d(4)
    assert (bn.weight.detach().numpy() == 1).all() and not bn.bias.detach().numpy().any()
    assert not bn.running_mean.numpy().any() and (bn.running_var.numpy() == 1).all()
    assert bn.num_batches_tracked.dtype == np.int64 and bn.num_batches_tracked.item() == 0
    mha = nn.MultiheadAttention(128, 4)
    assert_uniform(mha.in_proj_weight, math.sqrt(6 / (128 + 3 * 128)))
    assert not mha.in_proj_bias.detach().numpy().any()
    assert not mha.out_proj.bias.detach().numpy().any()
    assert_uniform(mha.out_proj.weight, 1 / math.sqrt(128))


def test_layers_are_reproducible_under_manual_seed():
    mg.manual_seed(0)
    a = nn.Sequential(nn.Linear(3, 4), nn.Embedding(5, 2))
    mg.manual_seed(0)
    b = nn.Sequential(nn.Linear(3, 4), nn.Embedding(5, 2))
    for p, q in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
