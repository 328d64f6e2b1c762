"""2-D max and average pooling over NCHW arrays, forward and backward.

Max pooling pads with -inf and returns, beside the output, the argmax of each window as a flat
index into its input plane (`h * W + w`, PyTorch's `return_indices` convention); ties go to the
first element in row-major window order and NaN wins over numbers. Average pooling counts the
padding zeros (`count_include_pad=True`, PyTorch's default), so every window divides by kh*kw.

Average pooling has no numba kernel: a sum of kh*kw strided NumPy slices was as fast or
faster than the loop kernel we measured (see docs/kernels.md), so both modes run NumPy.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import _mode
from ._arrays import contiguous, float_dtype, pair
from ._jit import lazy_njit
from ._parallel import parallel_for
from .conv import IntPair, _window, conv_output_size
from .scatter import scatter_add_flat_into


@lazy_njit()
def _max_pool_forward_kernel(lo, hi, x, kh, kw, sh, sw, ph, pw, out, argmax):
    # out and argmax are (N * C, OH, OW): plane = n * channels + c
    channels, height, width = x.shape[1], x.shape[2], x.shape[3]
    oh, ow = out.shape[1], out.shape[2]
    for plane in range(lo, hi):
        image, res, arg = x[plane // channels, plane % channels], out[plane], argmax[plane]
        for oy in range(oh):
            y0 = oy * sh - ph
            best, at = res[oy], arg[oy]
            top = y0 if y0 > 0 else 0
            for ox in range(ow):  # start from -inf at the window's first real element
                x0 = ox * sw - pw
                best[ox] = -np.inf
                at[ox] = top * width + (x0 if x0 > 0 else 0)
            # Visit each window's elements in row-major order, all windows of the output row
            # at once (ox innermost), keeping the first maximum; a NaN beats any number.
            for i in range(kh):
                y = y0 + i
                if y < 0 or y >= height:
                    continue
                row = image[y]
                for j in range(kw):
                    # outputs whose column ox * sw - pw + j falls inside the image
                    ox_lo = 0 if pw - j <= 0 else (pw - j + sw - 1) // sw
                    ox_hi = (width - 1 + pw - j) // sw + 1
                    ox_hi = ow if ox_hi > ow else ox_hi
                    for ox in range(ox_lo, ox_hi):
                        xx = ox * sw - pw + j
                        v, b = row[xx], best[ox]
                        take = (v > b) | ((v != v) & (b == b))
                        # unconditional stores of selected values: no unpredictable branch
                        best[ox] = v if take else b
                        at[ox] = y * width + xx if take else at[ox]


def _geometry(fn, x_shape, kernel_size, stride, padding):
    """Validated kernel/stride/padding pairs and the output size; stride defaults to kernel."""
    k = pair(fn, "kernel_size", kernel_size, 1)
    s = pair(fn, "stride", k if stride is None else stride, 1)
    p = pair(fn, "padding", padding, 0)
    if len(x_shape) != 4:
        raise ValueError(f"{fn}: input must be 4-D (N, C, H, W), got shape {tuple(x_shape)}")
    if p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise ValueError(f"{fn}: padding {p} must be at most half the kernel size {k}")
    size = tuple(conv_output_size(x_shape[2 + a], k[a], s[a], p[a], 1) for a in range(2))
    if min(size) < 1:
        raise ValueError(f"{fn}: kernel {k} does not fit input {tuple(x_shape[2:])} padded by {p}")
    return k, s, p, size


def _windows(xp: np.ndarray, k, s, size) -> np.ndarray:
    """All pooling windows of the padded input, as (N, C, OH, OW, kh*kw) (a copy)."""
    n, c = xp.shape[:2]
    win = np.empty((n, c, size[0], size[1], k[0] * k[1]), dtype=xp.dtype)
    for i in range(k[0]):
        for j in range(k[1]):
            win[..., i * k[1] + j] = xp[:, :, _window(i, s[0], size[0]), _window(j, s[1], size[1])]
    return win


def max_pool2d_forward_numpy(
    x: np.ndarray, kernel_size: IntPair, stride: IntPair | None = None, padding: IntPair = 0
) -> tuple[np.ndarray, np.ndarray]:
    """NumPy twin of `max_pool2d_forward`: gather windows, then `argmax` over each."""
    k, s, p, size = _geometry("max_pool2d_forward", x.shape, kernel_size, stride, padding)
    float_dtype("max_pool2d_forward", x)
    pad = ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1]))
    xp = np.pad(x, pad, constant_values=-np.inf)
    win = _windows(xp, k, s, size)
    best = win.argmax(axis=-1)
    out = np.take_along_axis(win, best[..., None], axis=-1)[..., 0]
    top = np.arange(size[0])[:, None] * s[0] - p[0]
    left = np.arange(size[1]) * s[1] - p[1]
    rows, cols = top + best // k[1], left + best % k[1]
    # A window whose real elements are all -inf ties with its padding: take its first real one.
    stuck = out == -np.inf
    rows = np.where(stuck, np.maximum(top, 0), rows)
    cols = np.where(stuck, np.maximum(left, 0), cols)
    return out, (rows * x.shape[3] + cols).astype(np.int64)


def max_pool2d_forward_numba(
    x: np.ndarray, kernel_size: IntPair, stride: IntPair | None = None, padding: IntPair = 0
) -> tuple[np.ndarray, np.ndarray]:
    """numba version of `max_pool2d_forward` (planes on threads)."""
    k, s, p, size = _geometry("max_pool2d_forward", x.shape, kernel_size, stride, padding)
    x = contiguous(x, float_dtype("max_pool2d_forward", x))
    out = np.empty(x.shape[:2] + size, dtype=x.dtype)
    argmax = np.empty(out.shape, dtype=np.int64)
    planes = x.shape[0] * x.shape[1]
    parallel_for(
        _max_pool_forward_kernel, planes, k[0] * k[1] * size[0] * size[1], x, k[0], k[1], s[0],
        s[1], p[0], p[1], out.reshape(planes, *size), argmax.reshape(planes, *size),
    )
    return out, argmax


def max_pool2d_forward(
    x: np.ndarray, kernel_size: IntPair, stride: IntPair | None = None, padding: IntPair = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Max over each window of the NCHW input; returns `(out, argmax)`, argmax int64 flat
    indices into each (H, W) input plane. `stride` defaults to `kernel_size`.

    >>> out, arg = max_pool2d_forward(np.arange(16.0).reshape(1, 1, 4, 4), 2)
    >>> out[0, 0], arg[0, 0]
    (array([[ 5.,  7.],
           [13., 15.]]), array([[ 5,  7],
           [13, 15]]))
    """
    impl = max_pool2d_forward_numpy if _mode.using_reference() else max_pool2d_forward_numba
    return impl(x, kernel_size, stride, padding)


def _check_backward(fn, grad_out, argmax, x_shape):
    x_shape = tuple(int(v) for v in x_shape)
    if len(x_shape) != 4 or grad_out.ndim != 4 or grad_out.shape[:2] != x_shape[:2]:
        raise ValueError(f"{fn}: grad_out {grad_out.shape} does not match x_shape {x_shape}")
    if argmax is not None and argmax.shape != grad_out.shape:
        raise ValueError(f"{fn}: argmax {argmax.shape} != grad_out {grad_out.shape}")
    return x_shape, float_dtype(fn, grad_out)


def max_pool2d_backward_numpy(
    grad_out: np.ndarray, argmax: np.ndarray, x_shape: Sequence[int]
) -> np.ndarray:
    """NumPy twin of `max_pool2d_backward`: `np.add.at` into each plane."""
    x_shape, dtype = _check_backward("max_pool2d_backward", grad_out, argmax, x_shape)
    n, c, h, w = x_shape
    dx = np.zeros((n * c, h * w), dtype=dtype)
    per_plane = grad_out.shape[2] * grad_out.shape[3]
    planes = np.arange(n * c)[:, None]
    np.add.at(dx, (planes, argmax.reshape(n * c, per_plane)), grad_out.reshape(n * c, per_plane))
    return dx.reshape(x_shape)


def max_pool2d_backward_numba(
    grad_out: np.ndarray, argmax: np.ndarray, x_shape: Sequence[int]
) -> np.ndarray:
    """numba version of `max_pool2d_backward`: the scatter-add kernel on flat indices."""
    x_shape, dtype = _check_backward("max_pool2d_backward", grad_out, argmax, x_shape)
    n, c, h, w = x_shape
    arg = contiguous(argmax, np.dtype(np.int64))
    if arg.size and (arg.min() < 0 or arg.max() >= h * w):
        raise IndexError(f"max_pool2d_backward: argmax has indices outside the {x_shape} planes")
    # One flat scatter-add: plane p's indices are offset by p * h * w.
    per_plane = grad_out.shape[2] * grad_out.shape[3]
    flat_index = arg.reshape(n * c, per_plane) + (np.arange(n * c) * (h * w))[:, None]
    dx = np.zeros(n * c * h * w, dtype=dtype)
    scatter_add_flat_into(dx, flat_index.reshape(-1), contiguous(grad_out, dtype).reshape(-1))
    dx = dx.reshape(x_shape)
    return dx


def max_pool2d_backward(
    grad_out: np.ndarray, argmax: np.ndarray, x_shape: Sequence[int]
) -> np.ndarray:
    """Gradient of `max_pool2d_forward`: each output's gradient goes to its argmax element
    (summed where windows overlap).

    >>> g = max_pool2d_backward(np.ones((1, 1, 1, 1)), np.array([[[[3]]]]), (1, 1, 2, 2))
    >>> g[0, 0]
    array([[0., 0.],
           [0., 1.]])
    """
    impl = max_pool2d_backward_numpy if _mode.using_reference() else max_pool2d_backward_numba
    return impl(grad_out, argmax, x_shape)


def avg_pool2d_forward_numpy(
    x: np.ndarray, kernel_size: IntPair, stride: IntPair | None = None, padding: IntPair = 0
) -> np.ndarray:
    """NumPy twin of `avg_pool2d_forward`: a sum of strided slices."""
    k, s, p, size = _geometry("avg_pool2d_forward", x.shape, kernel_size, stride, padding)
    dtype = float_dtype("avg_pool2d_forward", x)
    xp = np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
    out = np.zeros(x.shape[:2] + size, dtype=dtype)
    for i in range(k[0]):
        for j in range(k[1]):
            out += xp[:, :, _window(i, s[0], size[0]), _window(j, s[1], size[1])]
    out /= k[0] * k[1]
    return out


def avg_pool2d_forward(
    x: np.ndarray, kernel_size: IntPair, stride: IntPair | None = None, padding: IntPair = 0
) -> np.ndarray:
    """Mean over each window of the NCHW input (padding zeros count); stride defaults to the
    kernel size.

    >>> avg_pool2d_forward(np.arange(16.0).reshape(1, 1, 4, 4), 2)[0, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    """
    return avg_pool2d_forward_numpy(x, kernel_size, stride, padding)


def avg_pool2d_backward_numpy(
    grad_out: np.ndarray, x_shape: Sequence[int], kernel_size: IntPair,
    stride: IntPair | None = None, padding: IntPair = 0,
) -> np.ndarray:
    """NumPy twin of `avg_pool2d_backward`: strided slice accumulation."""
    x_shape, dtype = _check_backward("avg_pool2d_backward", grad_out, None, x_shape)
    k, s, p, size = _geometry("avg_pool2d_backward", x_shape, kernel_size, stride, padding)
    n, c, h, w = x_shape
    if grad_out.shape[2:] != size:
        raise ValueError(f"avg_pool2d_backward: grad_out {grad_out.shape} should end in {size}")
    dxp = np.zeros((n, c, h + 2 * p[0], w + 2 * p[1]), dtype=dtype)
    share = grad_out / (k[0] * k[1])
    for i in range(k[0]):
        for j in range(k[1]):
            dxp[:, :, _window(i, s[0], size[0]), _window(j, s[1], size[1])] += share
    return np.ascontiguousarray(dxp[:, :, p[0] : p[0] + h, p[1] : p[1] + w])


def avg_pool2d_backward(
    grad_out: np.ndarray, x_shape: Sequence[int], kernel_size: IntPair,
    stride: IntPair | None = None, padding: IntPair = 0,
) -> np.ndarray:
    """Gradient of `avg_pool2d_forward`: each output's gradient spread evenly over its window.

    >>> avg_pool2d_backward(np.ones((1, 1, 1, 1)), (1, 1, 2, 2), 2)[0, 0]
    array([[0.25, 0.25],
           [0.25, 0.25]])
    """
    return avg_pool2d_backward_numpy(grad_out, x_shape, kernel_size, stride, padding)
