"""RMS normalisation over the last dimension of a (rows, D) array.

    rstd = 1 / sqrt(mean(x^2, -1) + eps);  y = x * rstd * weight

Backward, with xhat = x * rstd and g = grad * weight (or grad without weight):

    dx = rstd * (g - xhat * mean(g * xhat));  dweight = sum_rows(grad * xhat)
"""

from __future__ import annotations

import math

import numpy as np

from . import _mode
from ._arrays import contiguous, float_dtype
from ._jit import lazy_njit
from ._parallel import parallel_for
from .layer_norm import N_CHUNKS, REDUCE_MATH


@lazy_njit(fastmath=REDUCE_MATH)
def _rms_norm_forward_kernel(lo, hi, x, weight, eps, y, rstd):
    d = x.shape[1]
    for i in range(lo, hi):
        row = x[i]
        squares = 0.0
        for j in range(d):
            squares += row[j] * row[j]
        rstd[i] = 1.0 / math.sqrt(squares / d + eps)
        r = rstd[i]  # read back in the array's dtype
        out = y[i]
        for j in range(d):
            out[j] = row[j] * r * weight[j]


@lazy_njit(fastmath=REDUCE_MATH)
def _rms_norm_backward_kernel(lo, hi, grad, x, rstd, weight, dx, dweight, scratch, row_stat):
    # Row chunks lo..hi-1; chunk c adds its weight gradient into dweight[c] and uses
    # scratch[c] (2, D) for xhat and grad * weight. row_stat (rows,) in x's dtype holds the
    # row mean of g * xhat, read back so the dx loop runs in x's dtype.
    rows, d = x.shape
    chunk = (rows + dweight.shape[0] - 1) // dweight.shape[0]
    for c in range(lo, hi):
        xhat, gw, dw = scratch[c, 0], scratch[c, 1], dweight[c]
        stop = (c + 1) * chunk if (c + 1) * chunk < rows else rows
        for i in range(c * chunk, stop):
            row, g, r = x[i], grad[i], rstd[i]
            sum_gx = 0.0
            for j in range(d):
                xhat[j] = row[j] * r
                gw[j] = g[j] * weight[j]
                dw[j] += g[j] * xhat[j]
                sum_gx += gw[j] * xhat[j]
            row_stat[i] = sum_gx / d
            mean_gx = row_stat[i]
            out = dx[i]
            for j in range(d):
                out[j] = r * (gw[j] - xhat[j] * mean_gx)


def _check_forward(fn, x, weight):
    if x.ndim != 2:
        raise ValueError(f"{fn}: x must be 2-D (rows, D), got shape {x.shape}")
    if weight is not None and weight.shape != (x.shape[1],):
        raise ValueError(f"{fn}: weight must have shape ({x.shape[1]},), got {weight.shape}")
    return float_dtype(fn, x, weight)


def rms_norm_forward_numpy(
    x2d: np.ndarray, weight: np.ndarray | None, eps: float
) -> tuple[np.ndarray, np.ndarray]:
    """NumPy twin of `rms_norm_forward`."""
    dtype = _check_forward("rms_norm_forward", x2d, weight)
    x = np.asarray(x2d, dtype=dtype)
    rstd = 1.0 / np.sqrt(np.mean(np.square(x), axis=1) + eps)
    rstd = rstd.astype(dtype, copy=False)
    y = x * rstd[:, None]
    if weight is not None:
        y *= weight
    return y, rstd


def rms_norm_forward_numba(
    x2d: np.ndarray, weight: np.ndarray | None, eps: float
) -> tuple[np.ndarray, np.ndarray]:
    """numba version of `rms_norm_forward` (rows in parallel)."""
    dtype = _check_forward("rms_norm_forward", x2d, weight)
    x = contiguous(x2d, dtype)
    y = np.empty_like(x)
    rstd = np.empty(x.shape[0], dtype)
    w = np.ones(x.shape[1], dtype) if weight is None else contiguous(weight, dtype)
    parallel_for(_rms_norm_forward_kernel, x.shape[0], x.shape[1], x, w, float(eps), y, rstd)
    return y, rstd


def rms_norm_forward(
    x2d: np.ndarray, weight: np.ndarray | None, eps: float = 1e-6
) -> tuple[np.ndarray, np.ndarray]:
    """RMS-normalise each row of `x2d` (rows, D); returns `(y, rstd)`, rstd of shape (rows,).

    >>> y, rstd = rms_norm_forward(np.array([[3.0, 4.0]]), None, eps=0.0)
    >>> (y * np.sqrt(12.5)).round(6), rstd * np.sqrt(12.5)
    (array([[3., 4.]]), array([1.]))
    """
    impl = rms_norm_forward_numpy if _mode.using_reference() else rms_norm_forward_numba
    return impl(x2d, weight, eps)


def _check_backward(fn, grad, x, rstd, weight):
    dtype = _check_forward(fn, x, weight)
    if grad.shape != x.shape or rstd.shape != x.shape[:1]:
        raise ValueError(
            f"{fn}: grad {grad.shape} and rstd {rstd.shape} do not match x {x.shape} "
            f"(want grad {x.shape}, rstd ({x.shape[0]},))"
        )
    return np.result_type(dtype, float_dtype(fn, grad, rstd))


def rms_norm_backward_numpy(
    grad2d: np.ndarray, x2d: np.ndarray, rstd: np.ndarray, weight: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray | None]:
    """NumPy twin of `rms_norm_backward`."""
    dtype = _check_backward("rms_norm_backward", grad2d, x2d, rstd, weight)
    grad = np.asarray(grad2d, dtype=dtype)
    r = rstd.astype(dtype, copy=False)[:, None]
    xhat = (x2d * r).astype(dtype, copy=False)
    gw = grad * weight if weight is not None else grad
    mean_gx = np.mean(gw * xhat, axis=1, keepdims=True)
    dx = r * (gw - xhat * mean_gx)
    dweight = np.sum(grad * xhat, axis=0) if weight is not None else None
    return dx, dweight


def rms_norm_backward_numba(
    grad2d: np.ndarray, x2d: np.ndarray, rstd: np.ndarray, weight: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray | None]:
    """numba version of `rms_norm_backward` (row chunks in parallel)."""
    dtype = _check_backward("rms_norm_backward", grad2d, x2d, rstd, weight)
    x = contiguous(x2d, dtype)
    rows, d = x.shape
    dx = np.empty_like(x)
    n_chunks = max(1, min(N_CHUNKS, rows))
    dweight = np.zeros((n_chunks, d), np.float64)
    w = np.ones(d, dtype) if weight is None else contiguous(weight, dtype)
    parallel_for(
        _rms_norm_backward_kernel, n_chunks, -(-rows // n_chunks) * d,
        contiguous(grad2d, dtype), x, contiguous(rstd, dtype), w, dx, dweight,
        np.empty((n_chunks, 2, d), dtype), np.empty(rows, dtype),
    )
    return dx, (dweight.sum(axis=0).astype(dtype) if weight is not None else None)


def rms_norm_backward(
    grad2d: np.ndarray, x2d: np.ndarray, rstd: np.ndarray, weight: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray | None]:
    """Gradients `(dx, dweight)` of `rms_norm_forward`; dweight is None without weight.

    >>> x = np.array([[3.0, 4.0]])
    >>> _, rstd = rms_norm_forward(x, None, eps=0.0)
    >>> dx, _ = rms_norm_backward(np.array([[4.0, -3.0]]), x, rstd, None)
    >>> (dx * np.sqrt(12.5)).round(6)   # orthogonal to x: only the rstd scale remains
    array([[ 4., -3.]])
    """
    impl = rms_norm_backward_numpy if _mode.using_reference() else rms_norm_backward_numba
    return impl(grad2d, x2d, rstd, weight)
