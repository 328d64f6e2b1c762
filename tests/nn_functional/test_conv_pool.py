"""conv2d, max_pool2d, avg_pool2d against explicit loops, gradients, both kernel modes and
bad input."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.autograd import gradcheck

from .helpers import f64


def conv2d_loops(x, w, b, stride, padding, dilation, groups):
    """Direct definition: out[n, f, i, j] = b[f] + sum over the group's channels and the
    kernel of x_padded[n, c, i*s + u*d, j*s + v*d] * w[f, c, u, v]."""
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    n, c, h, wd = x.shape
    f, cg, kh, kw = w.shape
    xp = np.zeros((n, c, h + 2 * ph, wd + 2 * pw))
    xp[:, :, ph:ph + h, pw:pw + wd] = x
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n, f, oh, ow))
    per_group = f // groups
    for b_ in range(n):
        for fo in range(f):
            c0 = (fo // per_group) * cg
            for i in range(oh):
                for j in range(ow):
                    total = 0.0 if b is None else b[fo]
                    for ci in range(cg):
                        for u in range(kh):
                            for v in range(kw):
                                total += xp[b_, c0 + ci, i * sh + u * dh, j * sw + v * dw] * \
                                    w[fo, ci, u, v]
                    out[b_, fo, i, j] = total
    return out


CONV_CASES = [
    # x shape, w shape, stride, padding, dilation, groups
    ((2, 3, 5, 5), (4, 3, 3, 3), (1, 1), (0, 0), (1, 1), 1),
    ((1, 2, 6, 5), (3, 2, 2, 3), (2, 1), (1, 2), (1, 1), 1),
    ((2, 4, 5, 6), (6, 2, 3, 2), (1, 2), (1, 0), (2, 1), 2),
    ((1, 4, 4, 4), (4, 1, 3, 3), (1, 1), (1, 1), (1, 1), 4),  # depthwise
    ((1, 1, 3, 3), (1, 1, 1, 1), (1, 1), (0, 0), (1, 1), 1),
]


@pytest.mark.parametrize("xs,ws,stride,padding,dilation,groups", CONV_CASES)
def test_conv2d_matches_loops_and_gradcheck(kernel_mode, rng, xs, ws, stride, padding, dilation,
                                            groups):
    x, w, b = rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])
    out = F.conv2d(mg.tensor(x), mg.tensor(w), mg.tensor(b), stride, padding, dilation, groups)
    want = conv2d_loops(x, w, b, stride, padding, dilation, groups)
    np.testing.assert_allclose(out.detach().numpy(), want, rtol=1e-10, atol=1e-12)

    def fn(a, c, d):
        return F.conv2d(a, c, d, stride, padding, dilation, groups)

    assert gradcheck(fn, [f64(x), f64(w), f64(b)], atol=1e-7, rtol=1e-6)


@pytest.mark.parametrize("kernel,dilation", [((3, 3), (1, 1)), ((2, 4), (1, 1)), ((2, 2), (2, 1))])
def test_conv2d_same_padding_keeps_size(kernel_mode, rng, kernel, dilation):
    x, w = rng.standard_normal((1, 2, 5, 6)), rng.standard_normal((3, 2) + kernel)
    out = F.conv2d(mg.tensor(x), mg.tensor(w), padding="same", dilation=dilation)
    assert out.shape == (1, 3, 5, 6)
    # an odd total padding puts the extra row/column at the bottom/right, as PyTorch does
    pads = [dilation[a] * (kernel[a] - 1) for a in range(2)]
    xp = np.pad(x, ((0, 0), (0, 0), (pads[0] // 2, pads[0] - pads[0] // 2),
                    (pads[1] // 2, pads[1] - pads[1] // 2)))
    want = conv2d_loops(xp, w, None, (1, 1), (0, 0), dilation, 1)
    np.testing.assert_allclose(out.detach().numpy(), want, rtol=1e-10, atol=1e-12)
    assert gradcheck(lambda a, c: F.conv2d(a, c, padding="same", dilation=dilation),
                     [f64(x), f64(w)], atol=1e-7, rtol=1e-6)
    valid = F.conv2d(mg.tensor(x), mg.tensor(w), padding="valid", dilation=dilation)
    np.testing.assert_allclose(valid.detach().numpy(),
                               conv2d_loops(x, w, None, (1, 1), (0, 0), dilation, 1), rtol=1e-10)


def test_conv2d_unbatched_and_float32(kernel_mode, rng):
    x = rng.standard_normal((2, 4, 4)).astype(np.float32)
    w = rng.standard_normal((3, 2, 3, 3)).astype(np.float32)
    out = F.conv2d(mg.tensor(x), mg.tensor(w), padding=1)
    assert out.shape == (3, 4, 4) and out.dtype == np.float32
    want = conv2d_loops(x[None].astype(np.float64), w.astype(np.float64), None, (1, 1), (1, 1),
                        (1, 1), 1)[0]
    np.testing.assert_allclose(out.detach().numpy(), want, rtol=1e-4, atol=1e-5)


def test_conv2d_bad_input():
    x = mg.randn(1, 4, 5, 5)
    with pytest.raises(ValueError, match=r"4 channels\) does not fit weight.*groups=2"):
        F.conv2d(x, mg.randn(2, 3, 3, 3), groups=2)
    with pytest.raises(ValueError, match="groups=3"):
        F.conv2d(mg.randn(1, 6, 5, 5), mg.randn(4, 2, 3, 3), groups=3)  # 4 % 3 != 0
    with pytest.raises(ValueError, match=r"bias must have shape \(2,\)"):
        F.conv2d(x, mg.randn(2, 4, 3, 3), mg.randn(3))
    with pytest.raises(ValueError, match="larger than the padded input"):
        F.conv2d(x, mg.randn(2, 4, 7, 3))
    with pytest.raises(ValueError, match="'same' needs stride 1"):
        F.conv2d(x, mg.randn(2, 4, 3, 3), stride=2, padding="same")
    with pytest.raises(ValueError, match=r"expected input \(N, C, H, W\)"):
        F.conv2d(mg.randn(4, 5), mg.randn(2, 4, 3, 3))
    with pytest.raises(ValueError, match="stride must be"):
        F.conv2d(x, mg.randn(2, 4, 3, 3), stride=0)


def pool_loops(x, k, s, p, kind):
    n, c, h, w = x.shape
    fill = -np.inf if kind == "max" else 0.0
    xp = np.full((n, c, h + 2 * p[0], w + 2 * p[1]), fill)
    xp[:, :, p[0]:p[0] + h, p[1]:p[1] + w] = x
    oh, ow = (h + 2 * p[0] - k[0]) // s[0] + 1, (w + 2 * p[1] - k[1]) // s[1] + 1
    out = np.empty((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            win = xp[:, :, i * s[0]:i * s[0] + k[0], j * s[1]:j * s[1] + k[1]]
            out[:, :, i, j] = win.max(axis=(2, 3)) if kind == "max" else win.mean(axis=(2, 3))
    return out


POOL_CASES = [((2, 2), None, (0, 0)), ((3, 3), (2, 2), (1, 1)), ((3, 2), (1, 2), (1, 0)),
              ((2, 2), (1, 1), (1, 1))]


@pytest.mark.parametrize("k,s,p", POOL_CASES)
@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pooling_matches_loops_and_gradcheck(kernel_mode, rng, k, s, p, kind):
    # distinct values, so max pooling has no ties and finite differences are well-defined
    x = rng.permutation(2 * 3 * 6 * 5).reshape(2, 3, 6, 5) * 0.1
    fn = F.max_pool2d if kind == "max" else F.avg_pool2d
    out = fn(mg.tensor(x), k, s, p)
    np.testing.assert_allclose(out.detach().numpy(), pool_loops(x, k, s or k, p, kind), rtol=1e-12)
    assert gradcheck(lambda a: fn(a, k, s, p), [f64(x)])


def test_max_pool_return_indices_and_overlapping_gradient(kernel_mode):
    x = mg.tensor(np.arange(16.0).reshape(1, 1, 4, 4), requires_grad=True)
    out, idx = F.max_pool2d(x, 2, stride=1, return_indices=True)
    np.testing.assert_array_equal(idx.numpy()[0, 0], [[5, 6, 7], [9, 10, 11], [13, 14, 15]])
    assert idx.dtype == np.int64
    out.sum().backward()
    # each window's max is its bottom-right element, read by exactly one window
    want = np.zeros((4, 4))
    want[1:, 1:] = 1
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], want)
    # a constant image: ties go to the first element of each window, so they accumulate
    x = mg.tensor(np.ones((1, 1, 3, 3)), requires_grad=True)
    F.max_pool2d(x, 2, stride=1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], [[1, 1, 0], [1, 1, 0], [0, 0, 0]])


def test_pooling_unbatched(kernel_mode, rng):
    x = rng.standard_normal((3, 4, 4))
    out, idx = F.max_pool2d(mg.tensor(x), 2, return_indices=True)
    assert out.shape == (3, 2, 2) and idx.shape == (3, 2, 2)
    np.testing.assert_allclose(
        F.avg_pool2d(mg.tensor(x), 2).detach().numpy(),
        pool_loops(x[None], (2, 2), (2, 2), (0, 0), "avg")[0],
    )


def test_pooling_bad_input():
    with pytest.raises(ValueError, match="at most half of kernel_size"):
        F.max_pool2d(mg.randn(1, 1, 4, 4), 2, padding=2)
    with pytest.raises(ValueError, match="does not fit"):
        F.avg_pool2d(mg.randn(1, 1, 2, 2), 3)
    with pytest.raises(ValueError, match=r"input must be \(N, C, H, W\)"):
        F.max_pool2d(mg.randn(4, 4), 2)
    with pytest.raises(NotImplementedError, match="ceil_mode"):
        F.max_pool2d(mg.randn(1, 1, 4, 4), 2, ceil_mode=True)
    with pytest.raises(NotImplementedError, match="count_include_pad"):
        F.avg_pool2d(mg.randn(1, 1, 4, 4), 2, count_include_pad=False)
