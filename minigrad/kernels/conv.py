"""Sliding windows for 2-D convolution (NCHW): `im2col` and its adjoint `col2im`.

`im2col` lays every receptive field out as a column, so a convolution becomes one matrix
product: `out = weight.reshape(F, C*kh*kw) @ im2col(x, ...)`, of shape (N, F, OH*OW). The
layout is PyTorch's `F.unfold`: (N, C*kh*kw, OH*OW), rows ordered channel, then kernel row,
then kernel column. `col2im` (PyTorch's `F.fold`) sums columns back into an image; it is the
backward of `im2col`.

Output size per spatial dim: `(size + 2*pad - dilation*(k-1) - 1) // stride + 1`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import _mode
from ._arrays import FLOATS, contiguous, pair
from ._jit import lazy_njit
from ._parallel import parallel_for

IntPair = int | Sequence[int]


def conv_output_size(size: int, k: int, stride: int, padding: int, dilation: int) -> int:
    """Output length of a sliding window along one dimension."""
    return (size + 2 * padding - dilation * (k - 1) - 1) // stride + 1


@lazy_njit()
def _im2col_kernel(lo, hi, x, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, cols):
    channels, height, width = x.shape[1], x.shape[2], x.shape[3]
    for plane in range(lo, hi):  # plane = n * channels + c
        n, c = plane // channels, plane % channels
        image = x[n, c]
        for i in range(kh):
            for j in range(kw):
                out = cols[n, (c * kh + i) * kw + j]
                for oy in range(oh):
                    y = oy * sh - ph + i * dh
                    base = oy * ow
                    if y < 0 or y >= height:
                        for ox in range(ow):
                            out[base + ox] = 0.0
                        continue
                    # (Slicing out the in-image columns measured slower than this branch.)
                    for ox in range(ow):
                        xx = ox * sw - pw + j * dw
                        out[base + ox] = image[y, xx] if 0 <= xx < width else 0.0


@lazy_njit()
def _col2im_kernel(lo, hi, cols, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, dx):
    channels, height, width = dx.shape[1], dx.shape[2], dx.shape[3]
    for plane in range(lo, hi):
        n, c = plane // channels, plane % channels
        image = dx[n, c]
        for i in range(kh):
            for j in range(kw):
                col = cols[n, (c * kh + i) * kw + j]
                for oy in range(oh):
                    y = oy * sh - ph + i * dh
                    if y < 0 or y >= height:
                        continue
                    for ox in range(ow):
                        xx = ox * sw - pw + j * dw
                        if 0 <= xx < width:
                            image[y, xx] += col[oy * ow + ox]


def _geometry(fn, x_shape, kh, kw, stride, padding, dilation):
    """Validated (k, stride, padding, dilation) pairs and the output size (oh, ow)."""
    k = pair(fn, "kernel size", (kh, kw), 1)
    s = pair(fn, "stride", stride, 1)
    p = pair(fn, "padding", padding, 0)
    d = pair(fn, "dilation", dilation, 1)
    if len(x_shape) != 4:
        raise ValueError(f"{fn}: input must be 4-D (N, C, H, W), got shape {tuple(x_shape)}")
    size = tuple(conv_output_size(x_shape[2 + a], k[a], s[a], p[a], d[a]) for a in range(2))
    if min(size) < 1:
        raise ValueError(
            f"{fn}: kernel {k} with dilation {d} does not fit the input {tuple(x_shape[2:])} "
            f"padded by {p}"
        )
    return k, s, p, d, size


def _window(start: int, step: int, count: int) -> slice:
    return slice(start, start + step * (count - 1) + 1, step)


def im2col_numpy(
    x: np.ndarray, kh: int, kw: int, stride: IntPair = 1, padding: IntPair = 0,
    dilation: IntPair = 1,
) -> np.ndarray:
    """NumPy twin of `im2col`: a strided `sliding_window_view`, copied into column order.

    (It measured a little faster than copying one strided slice per kernel offset.)
    """
    (kh, kw), (sh, sw), (ph, pw), (dh, dw), (oh, ow) = _geometry(
        "im2col", x.shape, kh, kw, stride, padding, dilation
    )
    n, c = x.shape[:2]
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw))) if ph or pw else x
    span = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    windows = sliding_window_view(xp, span, axis=(2, 3))[:, :, ::sh, ::sw, ::dh, ::dw]
    windows = windows[:, :, :oh, :ow]  # (N, C, OH, OW, kh, kw)
    return windows.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * kh * kw, oh * ow)


def im2col_numba(
    x: np.ndarray, kh: int, kw: int, stride: IntPair = 1, padding: IntPair = 0,
    dilation: IntPair = 1,
) -> np.ndarray:
    """numba version of `im2col` (image planes on threads)."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw), (oh, ow) = _geometry(
        "im2col", x.shape, kh, kw, stride, padding, dilation
    )
    if x.dtype not in FLOATS:
        return im2col_numpy(x, kh, kw, stride, padding, dilation)
    x = contiguous(x, x.dtype)
    n, c = x.shape[:2]
    cols = np.empty((n, c * kh * kw, oh * ow), dtype=x.dtype)
    parallel_for(
        _im2col_kernel, n * c, kh * kw * oh * ow, x, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, cols
    )
    return cols


def im2col(
    x: np.ndarray, kh: int, kw: int, stride: IntPair = 1, padding: IntPair = 0,
    dilation: IntPair = 1,
) -> np.ndarray:
    """Receptive fields of the NCHW image batch `x` as columns: (N, C*kh*kw, OH*OW).

    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> im2col(x, 2, 2)          # four 2x2 windows, one per column
    array([[[0., 1., 3., 4.],
            [1., 2., 4., 5.],
            [3., 4., 6., 7.],
            [4., 5., 7., 8.]]])
    """
    impl = im2col_numpy if _mode.using_reference() else im2col_numba
    return impl(x, kh, kw, stride, padding, dilation)


def _check_cols(fn, cols, x_shape, kh, kw, size):
    n, c = x_shape[:2]
    want = (n, c * kh * kw, size[0] * size[1])
    if cols.shape != want:
        raise ValueError(
            f"{fn}: cols must have shape {want} for x_shape {x_shape}, got {cols.shape}"
        )


def col2im_numpy(
    cols: np.ndarray, x_shape: Sequence[int], kh: int, kw: int, stride: IntPair = 1,
    padding: IntPair = 0, dilation: IntPair = 1,
) -> np.ndarray:
    """NumPy twin of `col2im`: one strided slice accumulation per kernel offset."""
    x_shape = tuple(int(s) for s in x_shape)
    (kh, kw), (sh, sw), (ph, pw), (dh, dw), size = _geometry(
        "col2im", x_shape, kh, kw, stride, padding, dilation
    )
    _check_cols("col2im", cols, x_shape, kh, kw, size)
    n, c, h, w = x_shape
    oh, ow = size
    dxp = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=cols.dtype)
    blocks = cols.reshape(n, c, kh, kw, oh, ow)
    for i in range(kh):
        for j in range(kw):
            dxp[:, :, _window(i * dh, sh, oh), _window(j * dw, sw, ow)] += blocks[:, :, i, j]
    return np.ascontiguousarray(dxp[:, :, ph : ph + h, pw : pw + w])


def col2im_numba(
    cols: np.ndarray, x_shape: Sequence[int], kh: int, kw: int, stride: IntPair = 1,
    padding: IntPair = 0, dilation: IntPair = 1,
) -> np.ndarray:
    """numba version of `col2im` (image planes on threads)."""
    x_shape = tuple(int(s) for s in x_shape)
    (kh, kw), (sh, sw), (ph, pw), (dh, dw), (oh, ow) = _geometry(
        "col2im", x_shape, kh, kw, stride, padding, dilation
    )
    _check_cols("col2im", cols, x_shape, kh, kw, (oh, ow))
    if cols.dtype not in FLOATS:
        return col2im_numpy(cols, x_shape, kh, kw, stride, padding, dilation)
    dx = np.zeros(x_shape, dtype=cols.dtype)
    parallel_for(
        _col2im_kernel, x_shape[0] * x_shape[1], kh * kw * oh * ow, contiguous(cols, cols.dtype),
        kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, dx,
    )
    return dx


def col2im(
    cols: np.ndarray, x_shape: Sequence[int], kh: int, kw: int, stride: IntPair = 1,
    padding: IntPair = 0, dilation: IntPair = 1,
) -> np.ndarray:
    """Sum columns (N, C*kh*kw, OH*OW) back into an image of `x_shape`: the adjoint of im2col.

    Pixels covered by several windows receive the sum of their entries.

    >>> col2im(np.ones((1, 4, 4)), (1, 1, 3, 3), 2, 2)[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    impl = col2im_numpy if _mode.using_reference() else col2im_numba
    return impl(cols, x_shape, kh, kw, stride, padding, dilation)
