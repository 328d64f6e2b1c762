"""Layer normalisation over the last dimension of a (rows, D) array.

    mean = x.mean(-1);  rstd = 1 / sqrt(x.var(-1) + eps);  xhat = (x - mean) * rstd
    y = xhat * weight + bias

Backward, with g = grad * weight (or grad without affine):

    dx = rstd * (g - mean(g) - xhat * mean(g * xhat));  dweight = sum_rows(grad * xhat);
    dbias = sum_rows(grad)

The numba kernels work row by row (ranges of rows on threads), accumulating statistics in
float64.
"""

from __future__ import annotations

import math

import numpy as np

from . import _mode
from ._arrays import contiguous, float_dtype
from ._jit import lazy_njit
from ._parallel import parallel_for

# Reassociation lets LLVM vectorise the row sums; NaN and inf semantics are kept.
REDUCE_MATH = {"reassoc", "nsz", "contract"}
# Row chunks for the parameter-gradient partial sums: a fixed number, so results do not
# depend on the thread count.
N_CHUNKS = 16


@lazy_njit(fastmath=REDUCE_MATH)
def _layer_norm_forward_kernel(lo, hi, x, weight, bias, eps, y, mean, rstd):
    d = x.shape[1]
    for i in range(lo, hi):
        row = x[i]
        total = 0.0
        for j in range(d):
            total += row[j]
        mu = total / d
        squares = 0.0
        for j in range(d):
            centred = row[j] - mu
            squares += centred * centred
        mean[i] = mu
        rstd[i] = 1.0 / math.sqrt(squares / d + eps)
        m, r = mean[i], rstd[i]  # read back in the array's dtype
        out = y[i]
        for j in range(d):
            out[j] = (row[j] - m) * r * weight[j] + bias[j]


@lazy_njit(fastmath=REDUCE_MATH)
def _layer_norm_backward_kernel(
    lo, hi, grad, x, mean, rstd, weight, dx, dweight, dbias, scratch, row_stats
):
    # Row chunks lo..hi-1; chunk c adds its parameter gradients into dweight[c], dbias[c] and
    # uses scratch[c] (2, D) for xhat and grad * weight. row_stats (rows, 2) in x's dtype
    # holds the two row means, read back so the dx loop runs in x's dtype.
    rows, d = x.shape
    chunk = (rows + dweight.shape[0] - 1) // dweight.shape[0]
    for c in range(lo, hi):
        xhat, gw = scratch[c, 0], scratch[c, 1]
        dw, db = dweight[c], dbias[c]
        stop = (c + 1) * chunk if (c + 1) * chunk < rows else rows
        for i in range(c * chunk, stop):
            row, g = x[i], grad[i]
            m, r = mean[i], rstd[i]
            sum_g = 0.0
            sum_gx = 0.0
            for j in range(d):
                xhat[j] = (row[j] - m) * r
                gw[j] = g[j] * weight[j]
                dw[j] += g[j] * xhat[j]
                db[j] += g[j]
                sum_g += gw[j]
                sum_gx += gw[j] * xhat[j]
            row_stats[i, 0] = sum_g / d
            row_stats[i, 1] = sum_gx / d
            mean_g, mean_gx = row_stats[i, 0], row_stats[i, 1]
            out = dx[i]
            for j in range(d):
                out[j] = r * (gw[j] - mean_g - xhat[j] * mean_gx)


def _check_forward(fn, x, weight, bias):
    if x.ndim != 2:
        raise ValueError(f"{fn}: x must be 2-D (rows, D), got shape {x.shape}")
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and p.shape != (x.shape[1],):
            raise ValueError(f"{fn}: {name} must have shape ({x.shape[1]},), got {p.shape}")
    return float_dtype(fn, x, weight, bias)


def layer_norm_forward_numpy(
    x2d: np.ndarray, weight: np.ndarray | None, bias: np.ndarray | None, eps: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """NumPy twin of `layer_norm_forward`."""
    dtype = _check_forward("layer_norm_forward", x2d, weight, bias)
    x = np.asarray(x2d, dtype=dtype)
    mean = x.mean(axis=1)
    y = x - mean[:, None]
    var = np.mean(np.square(y), axis=1)
    rstd = 1.0 / np.sqrt(var + eps)
    y *= rstd[:, None]
    if weight is not None:
        y *= weight
    if bias is not None:
        y += bias
    return y, mean, rstd.astype(dtype, copy=False)


def layer_norm_forward_numba(
    x2d: np.ndarray, weight: np.ndarray | None, bias: np.ndarray | None, eps: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """numba version of `layer_norm_forward` (rows in parallel)."""
    dtype = _check_forward("layer_norm_forward", x2d, weight, bias)
    x = contiguous(x2d, dtype)
    y = np.empty_like(x)
    mean = np.empty(x.shape[0], dtype)
    rstd = np.empty(x.shape[0], dtype)
    w = np.ones(x.shape[1], dtype) if weight is None else contiguous(weight, dtype)
    b = np.zeros(x.shape[1], dtype) if bias is None else contiguous(bias, dtype)
    parallel_for(_layer_norm_forward_kernel, x.shape[0], x.shape[1], x, w, b, float(eps), y, mean,
                 rstd)
    return y, mean, rstd


def layer_norm_forward(
    x2d: np.ndarray, weight: np.ndarray | None, bias: np.ndarray | None, eps: float = 1e-5
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Normalise each row of `x2d` (rows, D); returns `(y, mean, rstd)`, the last two (rows,).

    `weight`/`bias` are (D,) or None (no affine). Keep `mean` and `rstd` for the backward.

    >>> y, mean, rstd = layer_norm_forward(np.array([[1.0, 3.0]]), None, None, eps=0.0)
    >>> y, mean, rstd
    (array([[-1.,  1.]]), array([2.]), array([1.]))
    """
    impl = layer_norm_forward_numpy if _mode.using_reference() else layer_norm_forward_numba
    return impl(x2d, weight, bias, eps)


def _check_backward(fn, grad, x, mean, rstd, weight):
    dtype = _check_forward(fn, x, weight, None)
    if grad.shape != x.shape or mean.shape != x.shape[:1] or rstd.shape != x.shape[:1]:
        raise ValueError(
            f"{fn}: grad {grad.shape}, mean {mean.shape} and rstd {rstd.shape} do not match "
            f"x {x.shape} (want grad {x.shape}, mean and rstd ({x.shape[0]},))"
        )
    return np.result_type(dtype, float_dtype(fn, grad, mean, rstd))


def layer_norm_backward_numpy(
    grad2d: np.ndarray, x2d: np.ndarray, mean: np.ndarray, rstd: np.ndarray,
    weight: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """NumPy twin of `layer_norm_backward`."""
    dtype = _check_backward("layer_norm_backward", grad2d, x2d, mean, rstd, weight)
    grad = np.asarray(grad2d, dtype=dtype)
    r = rstd.astype(dtype, copy=False)[:, None]
    xhat = (x2d - mean[:, None]) * r
    xhat = xhat.astype(dtype, copy=False)
    gw = grad * weight if weight is not None else grad
    mean_g = gw.mean(axis=1, keepdims=True)
    mean_gx = np.mean(gw * xhat, axis=1, keepdims=True)
    dx = r * (gw - mean_g - xhat * mean_gx)
    if weight is None:
        return dx, None, None
    return dx, np.sum(grad * xhat, axis=0), grad.sum(axis=0)


def layer_norm_backward_numba(
    grad2d: np.ndarray, x2d: np.ndarray, mean: np.ndarray, rstd: np.ndarray,
    weight: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """numba version of `layer_norm_backward` (row chunks in parallel)."""
    dtype = _check_backward("layer_norm_backward", grad2d, x2d, mean, rstd, weight)
    x = contiguous(x2d, dtype)
    rows, d = x.shape
    dx = np.empty_like(x)
    n_chunks = max(1, min(N_CHUNKS, rows))
    dweight = np.zeros((n_chunks, d), np.float64)
    dbias = np.zeros((n_chunks, d), np.float64)
    w = np.ones(d, dtype) if weight is None else contiguous(weight, dtype)
    parallel_for(
        _layer_norm_backward_kernel, n_chunks, -(-rows // n_chunks) * d,
        contiguous(grad2d, dtype), x, contiguous(mean, dtype), contiguous(rstd, dtype), w, dx,
        dweight, dbias, np.empty((n_chunks, 2, d), dtype), np.empty((rows, 2), dtype),
    )
    if weight is None:
        return dx, None, None
    return dx, dweight.sum(axis=0).astype(dtype), dbias.sum(axis=0).astype(dtype)


def layer_norm_backward(
    grad2d: np.ndarray, x2d: np.ndarray, mean: np.ndarray, rstd: np.ndarray,
    weight: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Gradients `(dx, dweight, dbias)` of `layer_norm_forward`; None for the affine grads
    when `weight` is None.

    >>> x = np.array([[1.0, 3.0]])
    >>> _, mean, rstd = layer_norm_forward(x, None, None, eps=0.0)
    >>> layer_norm_backward(np.array([[1.0, 1.0]]), x, mean, rstd, None)[0]
    array([[0., 0.]])
    """
    impl = layer_norm_backward_numpy if _mode.using_reference() else layer_norm_backward_numba
    return impl(grad2d, x2d, mean, rstd, weight)
