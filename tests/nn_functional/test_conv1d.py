"""conv1d, max_pool1d, avg_pool1d and their modules against explicit NumPy loops; gradients
(finite differences, float64); both kernel modes; PyTorch's errors."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.autograd import gradcheck

from .helpers import f64


def conv1d_loops(x, w, b, stride, padding, dilation, groups):
    """out[n, o, t] = b[o] + sum over c in o's group and j of w[o, c, j] x[n, c, t*s + j*d]."""
    n, _, _ = x.shape
    f, cg, k = w.shape
    x = np.pad(x, ((0, 0), (0, 0), padding))
    length = (x.shape[2] - dilation * (k - 1) - 1) // stride + 1
    out = np.zeros((n, f, length))
    for o in range(f):
        g = o // (f // groups)
        for t in range(length):
            for c in range(cg):
                for j in range(k):
                    out[:, o, t] += w[o, c, j] * x[:, g * cg + c, t * stride + j * dilation]
    return out if b is None else out + b.reshape(1, -1, 1)


CASES = [  # x shape, w shape, stride, padding, dilation, groups
    ((2, 3, 9), (4, 3, 3), 1, 0, 1, 1),
    ((2, 3, 9), (4, 3, 2), 2, 1, 1, 1),
    ((1, 4, 10), (6, 2, 3), 1, 2, 2, 2),
    ((2, 4, 8), (4, 1, 3), 3, 1, 1, 4),  # depthwise
    ((3, 2, 5), (2, 2, 5), 1, 0, 1, 1),  # kernel as long as the signal
]


@pytest.mark.parametrize("xs,ws,stride,padding,dilation,groups", CASES)
def test_conv1d_matches_loops_and_gradcheck(kernel_mode, rng, xs, ws, stride, padding, dilation,
                                            groups):
    x, w, b = rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])
    out = F.conv1d(mg.tensor(x), mg.tensor(w), mg.tensor(b), stride, padding, dilation, groups)
    want = conv1d_loops(x, w, b, stride, (padding, padding), dilation, groups)
    assert out.shape == want.shape
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-10, atol=1e-12)
    assert gradcheck(lambda a, c, d: F.conv1d(a, c, d, stride, padding, dilation, groups),
                     [f64(x), f64(w), f64(b)])


@pytest.mark.parametrize("kernel,dilation", [(3, 1), (4, 1), (2, 3), (3, 2)])
def test_conv1d_same_and_valid_padding(rng, kernel, dilation):
    x, w = rng.standard_normal((2, 3, 7)), rng.standard_normal((2, 3, kernel))
    out = F.conv1d(mg.tensor(x), mg.tensor(w), padding="same", dilation=dilation)
    total = dilation * (kernel - 1)  # an odd total pads one more on the right, as PyTorch
    want = conv1d_loops(x, w, None, 1, (total // 2, total - total // 2), dilation, 1)
    assert out.shape == (2, 2, 7)
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-10, atol=1e-12)
    assert gradcheck(lambda a, c: F.conv1d(a, c, padding="same", dilation=dilation),
                     [f64(x), f64(w)])
    valid = F.conv1d(mg.tensor(x), mg.tensor(w), padding="valid", dilation=dilation)
    np.testing.assert_allclose(valid.numpy(), conv1d_loops(x, w, None, 1, (0, 0), dilation, 1),
                               rtol=1e-10, atol=1e-12)


def test_conv1d_unbatched_tuples_and_float32(rng):
    x, w = rng.standard_normal((3, 8)).astype(np.float32), rng.standard_normal((2, 3, 3))
    out = F.conv1d(mg.tensor(x), mg.tensor(w.astype(np.float32)), stride=(2,), padding=(1,))
    assert out.shape == (2, 4) and out.dtype == mg.float32
    want = conv1d_loops(x[None].astype(np.float64), w, None, 2, (1, 1), 1, 1)[0]
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-5, atol=1e-5)


def test_conv1d_errors_name_the_shapes():
    x = mg.randn(2, 5, 10)
    with pytest.raises(RuntimeError, match=r"conv1d: Given groups=1, weight of size \(4, 3, 3\), "
                                           r"expected input\(2, 5, 10\) to have 3 channels, but "
                                           "got 5 channels instead"):
        F.conv1d(x, mg.randn(4, 3, 3))
    with pytest.raises(RuntimeError, match=r"padded input size per channel: \(10\)\. Kernel "
                                           r"size: \(12\)"):
        F.conv1d(x, mg.randn(4, 5, 12))
    with pytest.raises(RuntimeError, match=r"Expected 2D \(unbatched\) or 3D \(batched\) input "
                                           r"to conv1d, but got input of size: \(1, 2, 5, 10\)"):
        F.conv1d(mg.randn(1, 2, 5, 10), mg.randn(4, 5, 3))
    with pytest.raises(RuntimeError, match="expected a 3-D weight"):
        F.conv1d(x, mg.randn(4, 5, 3, 3))
    with pytest.raises(RuntimeError, match="padding='same' is not supported for strided"):
        F.conv1d(x, mg.randn(4, 5, 3), stride=2, padding="same")
    with pytest.raises(RuntimeError, match="non-positive groups"):
        F.conv1d(x, mg.randn(4, 5, 3), groups=0)
    with pytest.raises(RuntimeError, match=r"expected weight to be divisible by 5 at dimension 0"):
        F.conv1d(x, mg.randn(3, 1, 3), groups=5)
    with pytest.raises(RuntimeError, match=r"expected bias to be 1-dimensional with 4 elements, "
                                           r"but got bias of size \(3,\)"):
        F.conv1d(x, mg.randn(4, 5, 3), mg.randn(3))
    with pytest.raises(RuntimeError, match="Invalid padding string: 'foo'"):
        F.conv1d(x, mg.randn(4, 5, 3), padding="foo")
    with pytest.raises(RuntimeError, match="negative padding"):
        F.conv1d(x, mg.randn(4, 5, 3), padding=-1)
    with pytest.raises(RuntimeError, match="non-positive stride"):
        F.conv1d(x, mg.randn(4, 5, 3), stride=0)
    with pytest.raises(TypeError, match="stride must be an int or a 1-tuple"):
        F.conv1d(x, mg.randn(4, 5, 3), stride=(1, 1))


# ---------------------------------------------------------------------- Conv1d
@pytest.mark.parametrize("mode,numpy_mode", [("reflect", "reflect"), ("replicate", "edge"),
                                             ("circular", "wrap"), ("zeros", "constant")])
def test_conv1d_module_padding_modes(rng, mode, numpy_mode):
    conv = nn.Conv1d(2, 3, 3, padding=2, padding_mode=mode, dilation=2).double()
    x = rng.standard_normal((2, 2, 6))
    w, b = conv.weight.detach().numpy(), conv.bias.detach().numpy()
    want = conv1d_loops(np.pad(x, ((0, 0), (0, 0), (2, 2)), mode=numpy_mode), w, b, 1, (0, 0),
                        2, 1)
    np.testing.assert_allclose(conv(mg.tensor(x)).detach().numpy(), want, rtol=1e-10)
    assert gradcheck(lambda a: conv(a), [f64(x)])
    same = nn.Conv1d(2, 3, 4, padding="same", padding_mode=mode).double()
    assert same(mg.tensor(x)).shape == (2, 3, 6)


def test_conv1d_module_shapes_init_repr_and_errors():
    conv = nn.Conv1d(4, 6, 3, groups=2)
    assert conv.weight.shape == (6, 2, 3) and conv.bias.shape == (6,)
    bound = 1 / np.sqrt(2 * 3)  # kaiming_uniform(a=sqrt(5)) gives U(-1/sqrt(fan_in), ...)
    assert np.abs(conv.weight.numpy(force=True)).max() <= bound
    assert conv(mg.randn(5, 4, 9)).shape == (5, 6, 7) and conv(mg.randn(4, 9)).shape == (6, 7)
    assert repr(nn.Conv1d(4, 8, 3)) == "Conv1d(4, 8, kernel_size=(3,), stride=(1,))"
    assert repr(nn.Conv1d(4, 8, 3, stride=2, padding=1, dilation=2,
                          groups=4, bias=False, padding_mode="circular")) == (
        "Conv1d(4, 8, kernel_size=(3,), stride=(2,), padding=(1,), dilation=(2,), groups=4, "
        "bias=False, padding_mode=circular)")
    assert repr(nn.Conv1d(4, 8, 3, padding="same")).endswith("padding=same)")
    assert list(conv.state_dict()) == ["weight", "bias"]
    with pytest.raises(ValueError, match=r"in_channels must be divisible by groups"):
        nn.Conv1d(5, 4, 3, groups=2)
    with pytest.raises(ValueError, match=r"out_channels must be divisible by groups"):
        nn.Conv1d(6, 4, 3, groups=3)
    with pytest.raises(ValueError, match="groups must be a positive integer"):
        nn.Conv1d(6, 6, 3, groups=0)
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        nn.Conv1d(6, 4, 3, padding="same", stride=2)
    with pytest.raises(ValueError, match="Invalid padding string 'foo'"):
        nn.Conv1d(6, 4, 3, padding="foo")
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv1d(6, 4, 3, padding_mode="bar")
    with pytest.raises(TypeError, match="kernel_size must be an int or a 1-tuple"):
        nn.Conv1d(6, 4, (3, 3))
    with pytest.raises(ValueError, match="padding_mode='reflect' must be smaller"):
        nn.Conv1d(1, 1, 3, padding=4, padding_mode="reflect")(mg.randn(1, 1, 4))


def test_conv1d_module_gradients():
    conv = nn.Conv1d(4, 2, 3, stride=2, padding=1, groups=2)
    x = mg.tensor(np.random.default_rng(0).standard_normal((2, 4, 7)), requires_grad=True)
    params = list(conv.double().parameters())
    assert gradcheck(lambda a, *ps: conv(a), [x, *params])


# ---------------------------------------------------------------------- pooling
def pool1d_loops(x, k, s, p, kind):
    fill = -np.inf if kind == "max" else 0.0
    x = np.pad(x, ((0, 0), (0, 0), (p, p)), constant_values=fill)
    length = (x.shape[2] - k) // s + 1
    windows = np.stack([x[:, :, t * s:t * s + k] for t in range(length)], axis=2)
    return windows.max(-1) if kind == "max" else windows.mean(-1)


@pytest.mark.parametrize("k,s,p", [(2, None, 0), (3, 2, 1), (4, 1, 2), (3, 3, 0)])
@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pool1d_matches_loops_and_gradcheck(kernel_mode, k, s, p, kind):
    # distinct values, so max pooling has no ties and finite differences are well-defined
    x = np.random.default_rng(0).permutation(2 * 3 * 9).reshape(2, 3, 9) * 0.1
    fn = F.max_pool1d if kind == "max" else F.avg_pool1d
    out = fn(mg.tensor(x), k, s, p)
    np.testing.assert_allclose(out.numpy(), pool1d_loops(x, k, s or k, p, kind), rtol=1e-12)
    assert gradcheck(lambda a: fn(a, k, s, p), [f64(x)])
    assert fn(mg.tensor(x[0]), k, s, p).shape == out.shape[1:]  # unbatched (C, L)


def test_max_pool1d_indices_and_modules():
    x = mg.tensor([[[1.0, 5.0, 2.0, 0.0, 3.0, 4.0, 9.0]]])
    values, indices = F.max_pool1d(x, 3, 2, return_indices=True)
    np.testing.assert_array_equal(values.numpy(), [[[5.0, 3.0, 9.0]]])
    np.testing.assert_array_equal(indices.numpy(), [[[1, 4, 6]]])
    assert indices.dtype == mg.int64
    pooled, where = nn.MaxPool1d(3, 2, return_indices=True)(x)
    np.testing.assert_array_equal(where.numpy(), indices.numpy())
    np.testing.assert_allclose(nn.AvgPool1d(2)(x).numpy(), [[[3.0, 1.0, 3.5]]])
    assert repr(nn.MaxPool1d(2)) == ("MaxPool1d(kernel_size=2, stride=2, padding=0, "
                                     "dilation=1, ceil_mode=False)")


def test_pool1d_errors():
    x = mg.randn(2, 5, 10)
    with pytest.raises(RuntimeError, match="max_pool1d: padding should be at most half of "
                                           "kernel size, but got padding=2 and kernel_size=3"):
        F.max_pool1d(x, 3, padding=2)
    with pytest.raises(RuntimeError, match="max_pool1d: Invalid computed output size"):
        F.max_pool1d(x, 12)
    with pytest.raises(RuntimeError, match=r"avg_pool1d: Expected 2D or 3D .* shape \(5,\)"):
        F.avg_pool1d(mg.randn(5), 2)
    with pytest.raises(NotImplementedError, match="max_pool1d: dilation"):
        F.max_pool1d(x, 2, dilation=2)
