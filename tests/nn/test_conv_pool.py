"""Conv2d, MaxPool2d, AvgPool2d against loop-based NumPy references; gradients."""

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn

from ._helpers import gradcheck_module, randn64


def conv_reference(x, w, b, stride, padding, dilation, groups):
    n, c, h, wd = x.shape
    f, cg, kh, kw = w.shape
    x = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))
    oh = (x.shape[2] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    ow = (x.shape[3] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    out = np.zeros((n, f, oh, ow))
    per_group = f // groups
    for o in range(f):
        g = o // per_group
        for i in range(oh):
            for j in range(ow):
                rows = i * stride[0] + dilation[0] * np.arange(kh)
                cols = j * stride[1] + dilation[1] * np.arange(kw)
                patch = x[:, g * cg:(g + 1) * cg][:, :, rows][:, :, :, cols]
                out[:, o, i, j] = (patch * w[o]).sum((1, 2, 3))
    return out + (0 if b is None else b.reshape(1, -1, 1, 1))


@pytest.mark.parametrize("kwargs", [
    dict(in_channels=2, out_channels=3, kernel_size=3),
    dict(in_channels=2, out_channels=4, kernel_size=(2, 3), stride=2, padding=1),
    dict(in_channels=4, out_channels=2, kernel_size=3, padding=2, dilation=2, groups=2,
         bias=False),
])
def test_conv2d_forward_matches_reference(kwargs):
    conv = nn.Conv2d(**kwargs)
    x = mg.randn(2, kwargs["in_channels"], 7, 6)
    b = None if conv.bias is None else conv.bias.detach().numpy()
    expected = conv_reference(x.numpy(), conv.weight.detach().numpy(), b, conv.stride,
                              conv.padding, conv.dilation, conv.groups)
    np.testing.assert_allclose(conv(x).detach().numpy(), expected, rtol=1e-4, atol=1e-5)


def test_conv2d_shapes_repr_and_errors():
    conv = nn.Conv2d(3, 8, 3, padding="same")
    assert conv(mg.zeros(1, 3, 9, 9)).shape == (1, 8, 9, 9)
    assert conv.weight.shape == (8, 3, 3, 3)
    assert repr(nn.Conv2d(3, 8, 3)) == "Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1))"
    assert repr(nn.Conv2d(4, 8, 3, stride=2, padding=1, dilation=2, groups=2, bias=False)) == (
        "Conv2d(4, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), dilation=(2, 2), "
        "groups=2, bias=False)"
    )
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(TypeError, match="kernel_size must be an int or a pair"):
        nn.Conv2d(3, 4, (3, 3, 3))
    with pytest.raises(ValueError, match="padding_mode"):
        nn.Conv2d(3, 4, 3, padding_mode="reflect")


def test_conv2d_gradients():
    assert gradcheck_module(nn.Conv2d(2, 3, 3, stride=2, padding=1), randn64(2, 2, 5, 5))
    assert gradcheck_module(nn.Conv2d(4, 2, 2, groups=2, bias=False), randn64(1, 4, 3, 3))


def test_pooling():
    x = mg.tensor(np.arange(32.0).reshape(1, 2, 4, 4))
    pooled = nn.MaxPool2d(2)(x)
    expected = x.detach().numpy().reshape(1, 2, 2, 2, 2, 2).max((3, 5))
    np.testing.assert_array_equal(pooled.detach().numpy(), expected)
    avg = nn.AvgPool2d(2)(x)
    np.testing.assert_allclose(
        avg.detach().numpy(), x.detach().numpy().reshape(1, 2, 2, 2, 2, 2).mean((3, 5))
    )
    strided = nn.MaxPool2d(3, stride=1, padding=1)(x)
    assert strided.shape == (1, 2, 4, 4) and strided.detach().numpy()[0, 0, 0, 0] == 5.0
    assert repr(nn.MaxPool2d(2)) == (
        "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    )
    assert repr(nn.AvgPool2d(3, 1)) == "AvgPool2d(kernel_size=3, stride=1, padding=0)"
    out, idx = nn.MaxPool2d(2, return_indices=True)(x)
    assert idx.shape == out.shape


def test_pooling_gradients():
    x = randn64(2, 2, 4, 4)
    assert mg.autograd.gradcheck(nn.MaxPool2d(2), [x])
    assert mg.autograd.gradcheck(nn.AvgPool2d(3, stride=1, padding=1), [x])


def test_small_cnn_trains_end_to_end():
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16, 2)
    )
    x = mg.randn(3, 1, 4, 4)
    model(x).sum().backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in model.parameters())
