"""LayerNorm, RMSNorm, BatchNorm1d/2d against NumPy; gradients by gradcheck."""

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn

from ._helpers import gradcheck_module, randn64


def randomise(module, seed=0):
    rng = np.random.default_rng(seed)
    with mg.no_grad():
        for p in module.parameters():
            p.copy_(rng.standard_normal(p.shape))
    return module


def weight(module):
    return module.weight.detach().numpy()


def bias(module):
    return module.bias.detach().numpy()


def test_layer_norm_forward():
    ln = randomise(nn.LayerNorm(4))
    x = mg.randn(3, 4) * 3 + 1
    mu = x.numpy().mean(-1, keepdims=True)
    var = x.numpy().var(-1, keepdims=True)
    expected = (x.numpy() - mu) / np.sqrt(var + 1e-5) * weight(ln) + bias(ln)
    np.testing.assert_allclose(ln(x).detach().numpy(), expected, rtol=1e-5, atol=1e-5)
    assert repr(ln) == "LayerNorm((4,), eps=1e-05, elementwise_affine=True)"


def test_layer_norm_over_two_dims_and_options():
    ln = nn.LayerNorm([3, 4], eps=1e-3)
    assert ln.weight.shape == (3, 4)
    x = mg.randn(2, 3, 4)
    flat = x.numpy().reshape(2, 12)
    expected = (flat - flat.mean(1, keepdims=True)) / np.sqrt(flat.var(1, keepdims=True) + 1e-3)
    out = ln(x).detach().numpy().reshape(2, 12)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)
    assert nn.LayerNorm(4, bias=False).bias is None
    bare = nn.LayerNorm(4, elementwise_affine=False)
    assert bare.weight is None and list(bare.parameters()) == []
    with pytest.raises(ValueError, match="normalized_shape"):
        nn.LayerNorm(0)


def test_layer_norm_gradients():
    assert gradcheck_module(randomise(nn.LayerNorm(5)), randn64(2, 3, 5))
    assert gradcheck_module(randomise(nn.LayerNorm(5, bias=False)), randn64(3, 5))


def test_rms_norm():
    rms = randomise(nn.RMSNorm(4))
    x = mg.randn(3, 4)
    eps = np.finfo(np.float32).eps
    expected = x.numpy() / np.sqrt((x.numpy()**2).mean(-1, keepdims=True) + eps) * weight(rms)
    np.testing.assert_allclose(rms(x).detach().numpy(), expected, rtol=1e-5)
    assert repr(nn.RMSNorm(4)) == "RMSNorm((4,), eps=None, elementwise_affine=True)"
    assert nn.RMSNorm(4, elementwise_affine=False).weight is None
    assert gradcheck_module(randomise(nn.RMSNorm(6, eps=1e-6)), randn64(2, 6))


def batch_stats(x, dims):
    return x.mean(dims), x.var(dims), x.var(dims, ddof=1)


def test_batch_norm_1d_train_updates_running_stats_and_eval_uses_them():
    bn = randomise(nn.BatchNorm1d(3))
    x = mg.randn(8, 3) * 2 + 5
    mean, var, unbiased = batch_stats(x.numpy(), 0)
    y = bn(x)
    expected = (x.numpy() - mean) / np.sqrt(var + 1e-5) * weight(bn) + bias(bn)
    np.testing.assert_allclose(y.detach().numpy(), expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(bn.running_mean.detach().numpy(), 0.1 * mean, rtol=1e-5)
    np.testing.assert_allclose(bn.running_var.detach().numpy(), 0.9 + 0.1 * unbiased, rtol=1e-5)
    assert bn.num_batches_tracked.item() == 1
    bn(x)
    assert bn.num_batches_tracked.item() == 2
    np.testing.assert_allclose(bn.running_mean.detach().numpy(), 0.19 * mean, rtol=1e-5)
    bn.eval()
    running_mean, running_var = bn.running_mean.numpy().copy(), bn.running_var.numpy().copy()
    out = bn(x)
    expected = (x.numpy() - running_mean) / np.sqrt(running_var + 1e-5) * weight(bn) \
        + bias(bn)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(bn.running_mean.detach().numpy(), running_mean)  # eval: no update
    assert bn.num_batches_tracked.item() == 2


def test_batch_norm_1d_on_sequences_and_cumulative_momentum():
    bn = nn.BatchNorm1d(2, momentum=None, affine=False)
    assert list(bn.parameters()) == []
    a, b = mg.randn(4, 2, 5), mg.randn(4, 2, 5) + 3
    bn(a)
    bn(b)
    both = (batch_stats(a.numpy(), (0, 2))[0] + batch_stats(b.numpy(), (0, 2))[0]) / 2
    np.testing.assert_allclose(bn.running_mean.detach().numpy(), both, rtol=1e-5)  # plain average
    with pytest.raises(ValueError, match="expected 2D or 3D input, got 4D"):
        bn(mg.zeros(2, 2, 2, 2))


def test_batch_norm_without_running_stats_uses_batch_stats_in_eval():
    bn = nn.BatchNorm1d(2, track_running_stats=False).eval()
    assert bn.running_mean is None and list(bn.buffers()) == []
    x = mg.randn(6, 2)
    mean, var, _ = batch_stats(x.numpy(), 0)
    np.testing.assert_allclose(
        bn(x).detach().numpy(),
        (x.detach().numpy() - mean) / np.sqrt(var + 1e-5),
        rtol=1e-4,
        atol=1e-5,
    )


def test_batch_norm_2d():
    bn = randomise(nn.BatchNorm2d(3))
    x = mg.randn(4, 3, 5, 5)
    mean, var, _ = batch_stats(x.numpy(), (0, 2, 3))
    shape = (1, 3, 1, 1)
    expected = (x.numpy() - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + 1e-5) * weight(
        bn
    ).reshape(shape) + bias(bn).reshape(shape)
    np.testing.assert_allclose(bn(x).detach().numpy(), expected, rtol=1e-4, atol=1e-5)
    assert repr(bn) == (
        "BatchNorm2d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)"
    )
    with pytest.raises(ValueError, match="expected 4D input"):
        bn(mg.zeros(4, 3))


def test_batch_norm_gradients_train_and_eval():
    bn = randomise(nn.BatchNorm1d(3))
    assert gradcheck_module(bn, randn64(5, 3))
    assert gradcheck_module(randomise(nn.BatchNorm2d(2)), randn64(3, 2, 2, 2))
    bn.eval()
    with mg.no_grad():
        bn.running_var.copy_(np.array([0.5, 2.0, 1.5]))
    assert gradcheck_module(bn, randn64(4, 3))


def test_batch_norm_state_dict_round_trip():
    bn = nn.BatchNorm1d(3)
    bn(mg.randn(8, 3))
    other = nn.BatchNorm1d(3)
    other.load_state_dict(bn.state_dict())
    np.testing.assert_array_equal(
        other.running_var.detach().numpy(), bn.running_var.detach().numpy()
    )
    assert other.num_batches_tracked.item() == 1


def test_batch_norm_bumps_the_version_of_the_buffers_it_writes():
    bn = nn.BatchNorm1d(3)
    count = bn.num_batches_tracked
    before = count._version
    bn(mg.randn(4, 3))
    assert count.item() == 1 and count._version > before  # written in place, so versioned
    before = count._version
    bn.reset_running_stats()
    assert count.item() == 0 and count._version > before
