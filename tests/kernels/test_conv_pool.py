"""im2col / col2im and pooling: hand values, direct loops, adjointness, twins."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad.kernels as K
from minigrad.kernels import conv, pool

from .conftest import DTYPES, tol

GEOMETRIES = [  # kh, kw, stride, padding, dilation
    (3, 3, 1, 1, 1),
    (2, 3, (2, 1), (0, 1), 1),
    (3, 2, 2, 2, (2, 1)),
    (1, 1, 1, 0, 1),
]


def conv_direct(x, w, stride, padding, dilation):
    """Convolution by explicit loops, the definition im2col must reproduce."""
    (sh, sw), (ph, pw), (dh, dw) = (np.broadcast_to(v, 2) for v in (stride, padding, dilation))
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n, f, oh, ow))
    for oy in range(oh):
        for ox in range(ow):
            patch = xp[:, :, oy * sh : oy * sh + dh * (kh - 1) + 1 : dh,
                       ox * sw : ox * sw + dw * (kw - 1) + 1 : dw]
            out[:, :, oy, ox] = np.einsum("nckl,fckl->nf", patch, w)
    return out


def test_im2col_hand_values(mode):
    x = np.arange(9.0).reshape(1, 1, 3, 3)
    cols = K.im2col(x, 2, 2, padding=0)
    np.testing.assert_array_equal(cols[0, :, 0], [0, 1, 3, 4])
    np.testing.assert_array_equal(cols[0, 0], [0, 1, 3, 4])
    padded = K.im2col(x, 3, 3, padding=1)
    np.testing.assert_array_equal(padded[0, :, 0], [0, 0, 0, 0, 0, 1, 0, 3, 4])


@pytest.mark.parametrize("geometry", GEOMETRIES)
def test_im2col_matmul_is_convolution(mode, geometry, rng):
    kh, kw, stride, padding, dilation = geometry
    x = rng.standard_normal((2, 3, 7, 6))
    w = rng.standard_normal((4, 3, kh, kw))
    cols = K.im2col(x, kh, kw, stride, padding, dilation)
    out = w.reshape(4, -1) @ cols
    expected = conv_direct(x, w, stride, padding, dilation)
    np.testing.assert_allclose(out.reshape(expected.shape), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("geometry", GEOMETRIES)
def test_col2im_is_the_adjoint(mode, geometry, rng):
    # <im2col(x), c> == <x, col2im(c)> for all x, c.
    kh, kw, stride, padding, dilation = geometry
    x = rng.standard_normal((2, 3, 7, 6))
    cols = K.im2col(x, kh, kw, stride, padding, dilation)
    c = rng.standard_normal(cols.shape)
    back = K.col2im(c, x.shape, kh, kw, stride, padding, dilation)
    np.testing.assert_allclose((cols * c).sum(), (x * back).sum(), rtol=1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", ["contiguous", "strided", "readonly"])
def test_conv_windows_match_twin(dtype, layout, rng):
    x = rng.standard_normal((3, 2, 9, 8)).astype(dtype)
    if layout == "strided":
        x = np.repeat(x, 2, axis=3)[..., ::2]
    elif layout == "readonly":
        x = np.broadcast_to(x, (1,) + x.shape)[0]
    for kh, kw, stride, padding, dilation in GEOMETRIES:
        a = conv.im2col_numba(x, kh, kw, stride, padding, dilation)
        b = conv.im2col_numpy(x, kh, kw, stride, padding, dilation)
        assert a.dtype == dtype
        np.testing.assert_array_equal(a, b)
        c = rng.standard_normal(a.shape).astype(dtype)
        np.testing.assert_allclose(
            conv.col2im_numba(c, x.shape, kh, kw, stride, padding, dilation),
            conv.col2im_numpy(c, x.shape, kh, kw, stride, padding, dilation),
            **tol(dtype, 10),
        )


def test_conv_windows_empty_batch(mode):
    cols = K.im2col(np.zeros((0, 2, 4, 4), np.float32), 3, 3, padding=1)
    assert cols.shape == (0, 18, 16)
    assert K.col2im(cols, (0, 2, 4, 4), 3, 3, padding=1).shape == (0, 2, 4, 4)


def test_conv_windows_bad_input(mode):
    with pytest.raises(ValueError, match="does not fit"):
        K.im2col(np.zeros((1, 1, 2, 2)), 3, 3)
    with pytest.raises(ValueError, match="4-D"):
        K.im2col(np.zeros((2, 2)), 1, 1)
    with pytest.raises(ValueError, match="stride"):
        K.im2col(np.zeros((1, 1, 4, 4)), 2, 2, stride=0)
    with pytest.raises(ValueError, match="cols must have shape"):
        K.col2im(np.zeros((1, 4, 5)), (1, 1, 3, 3), 2, 2)


def test_max_pool_hand_values_ties_padding_and_nan(mode):
    x = np.array([[[[1.0, 3.0, 2.0], [3.0, 0.0, np.nan], [-1.0, -2.0, -3.0]]]])
    out, arg = K.max_pool2d_forward(x, 2, stride=1, padding=0)
    # windows: [1,3,3,0] -> 3 first at flat 1; [3,2,0,nan] -> nan at 5; [3,0,-1,-2] -> 3 at 3
    np.testing.assert_array_equal(arg[0, 0], [[1, 5], [3, 5]])
    assert out[0, 0, 0, 0] == 3 and np.isnan(out[0, 0, 0, 1]) and out[0, 0, 1, 0] == 3
    out, arg = K.max_pool2d_forward(-np.ones((1, 1, 2, 2)), 2, stride=1, padding=1)
    np.testing.assert_array_equal(out[0, 0], -np.ones((3, 3)))  # padding never wins
    np.testing.assert_array_equal(arg[0, 0], [[0, 0, 1], [0, 0, 1], [2, 2, 3]])


def test_max_pool_all_minus_inf_window_picks_first_real_element(mode):
    x = np.full((1, 1, 2, 2), -np.inf)
    out, arg = K.max_pool2d_forward(x, 2, stride=1, padding=1)
    assert np.all(out == -np.inf)
    np.testing.assert_array_equal(arg[0, 0], [[0, 0, 1], [0, 0, 1], [2, 2, 3]])


def test_max_pool_backward_routes_and_accumulates(mode):
    x = np.array([[[[0.0, 5.0, 1.0], [2.0, 1.0, 0.0], [0.0, 0.0, 0.0]]]])
    out, arg = K.max_pool2d_forward(x, 2, stride=1)
    dx = K.max_pool2d_backward(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]), arg, x.shape)
    # 5 wins both top windows (1 + 2); 2 wins bottom-left (3); bottom-right is 1 at (1,1) (4)
    np.testing.assert_array_equal(dx[0, 0], [[0, 3, 0], [3, 4, 0], [0, 0, 0]])


def test_avg_pool_hand_values_count_include_pad(mode):
    x = np.arange(4.0).reshape(1, 1, 2, 2)
    out = K.avg_pool2d_forward(x, 2, stride=2, padding=1)
    np.testing.assert_array_equal(out[0, 0], [[0 / 4, 1 / 4], [2 / 4, 3 / 4]])
    dx = K.avg_pool2d_backward(np.ones((1, 1, 2, 2)), x.shape, 2, stride=2, padding=1)
    np.testing.assert_array_equal(dx[0, 0], np.full((2, 2), 0.25))


POOL_GEOMETRIES = [(2, None, 0), (3, 1, 1), ((3, 2), (2, 1), (1, 0))]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("geometry", POOL_GEOMETRIES)
def test_max_pooling_matches_twin(dtype, geometry, rng):
    k, s, p = geometry
    base = rng.standard_normal((2, 3, 7, 8)).astype(dtype)
    x = np.repeat(base, 2, axis=2)[:, :, ::2]  # non-contiguous
    out_a, arg_a = pool.max_pool2d_forward_numba(x, k, s, p)
    out_b, arg_b = pool.max_pool2d_forward_numpy(x, k, s, p)
    np.testing.assert_array_equal(out_a, out_b)
    np.testing.assert_array_equal(arg_a, arg_b)
    g = rng.standard_normal(out_a.shape).astype(dtype)
    np.testing.assert_allclose(
        pool.max_pool2d_backward_numba(g, arg_a, x.shape),
        pool.max_pool2d_backward_numpy(g, arg_b, x.shape), **tol(dtype),
    )


def test_avg_pool_backward_is_the_adjoint(mode, rng):
    x = rng.standard_normal((2, 2, 7, 6))
    out = K.avg_pool2d_forward(x, 3, 2, 1)
    g = rng.standard_normal(out.shape)
    dx = K.avg_pool2d_backward(g, x.shape, 3, 2, 1)
    np.testing.assert_allclose((out * g).sum(), (x * dx).sum(), rtol=1e-12)


def test_pooling_empty_batch_and_bad_input(mode):
    out, arg = K.max_pool2d_forward(np.zeros((0, 2, 4, 4), np.float32), 2)
    assert out.shape == arg.shape == (0, 2, 2, 2)
    assert K.max_pool2d_backward(out, arg, (0, 2, 4, 4)).shape == (0, 2, 4, 4)
    with pytest.raises(ValueError, match="at most half"):
        K.max_pool2d_forward(np.zeros((1, 1, 4, 4)), 2, padding=2)
    with pytest.raises(ValueError, match="does not match"):
        K.max_pool2d_backward(np.zeros((1, 2, 2, 2)), np.zeros((1, 2, 2, 2), np.int64),
                              (1, 3, 4, 4))
