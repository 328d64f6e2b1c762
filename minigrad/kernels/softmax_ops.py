"""softmax and log_softmax over the last dimension, forward and backward.

    softmax(x) = exp(x - max) / sum(exp(x - max))
    log_softmax(x) = x - max - log(sum(exp(x - max)))
    softmax backward:      dx = y * (g - sum(g * y))
    log_softmax backward:  dx = g - exp(y) * sum(g)

The NumPy twins work in one output buffer with in-place ufuncs; the numba kernels handle one
row at a time (in parallel), so a row is read from memory once and stays in cache.
"""

from __future__ import annotations

import math

import numpy as np

from . import _mode
from ._arrays import contiguous, float_dtype
from ._fastexp import exp_shifted
from ._jit import lazy_njit
from ._parallel import parallel_for
from .layer_norm import REDUCE_MATH


@lazy_njit(fastmath=REDUCE_MATH)
def row_max(row):
    best = -np.inf
    for j in range(row.shape[0]):
        v = row[j]
        best = v if v > best else best
    return best


@lazy_njit(fastmath=REDUCE_MATH)
def _softmax_kernel(lo, hi, x, y, log, fast):
    for i in range(lo, hi):
        row, out = x[i], y[i]
        if row.shape[0] == 0:
            continue
        # A NaN in the row makes the sum, hence the whole row, NaN (as in NumPy).
        m = row_max(row)
        exp_shifted(row, m, out, fast)
        total = 0.0
        for j in range(row.shape[0]):
            total += out[j]
        if log:
            shift = m + math.log(total)
            for j in range(row.shape[0]):
                out[j] = row[j] - shift
        else:
            inv = 1.0 / total
            for j in range(row.shape[0]):
                out[j] *= inv


@lazy_njit(fastmath=REDUCE_MATH)
def _softmax_backward_kernel(lo, hi, grad, y, dx, log, fast, zero):
    for i in range(lo, hi):
        g, out, d = grad[i], y[i], dx[i]
        total = 0.0
        if log:
            for j in range(g.shape[0]):
                total += g[j]
            exp_shifted(out, zero, d, fast)
            for j in range(g.shape[0]):
                d[j] = g[j] - d[j] * total
        else:
            for j in range(g.shape[0]):
                total += g[j] * out[j]
            for j in range(g.shape[0]):
                d[j] = out[j] * (g[j] - total)


def _rows(fn: str, *arrays: np.ndarray) -> tuple[np.dtype, tuple[int, ...]]:
    shape = arrays[0].shape
    if arrays[0].ndim == 0:
        raise ValueError(f"{fn}: input must have at least 1 dimension, got a 0-d array")
    for a in arrays[1:]:
        if a.shape != shape:
            raise ValueError(f"{fn}: shapes {[b.shape for b in arrays]} must match")
    return float_dtype(fn, *arrays), shape


def _as_2d(a: np.ndarray, dtype: np.dtype) -> np.ndarray:
    return contiguous(a, dtype).reshape(-1, a.shape[-1]) if a.size else a.reshape(0, 0)


def softmax_numpy(x: np.ndarray) -> np.ndarray:
    """NumPy twin of `softmax`: one buffer, in-place ufuncs."""
    dtype, _ = _rows("softmax", x)
    with np.errstate(invalid="ignore"):  # inf - inf: NaN, as in the kernel
        out = np.subtract(x, x.max(axis=-1, keepdims=True, initial=-np.inf), dtype=dtype)
        np.exp(out, out=out)
        out /= out.sum(axis=-1, keepdims=True)
    return out


def log_softmax_numpy(x: np.ndarray) -> np.ndarray:
    """NumPy twin of `log_softmax`."""
    dtype, _ = _rows("log_softmax", x)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.subtract(x, x.max(axis=-1, keepdims=True, initial=-np.inf), dtype=dtype)
        total = np.exp(out).sum(axis=-1, keepdims=True)
        out -= np.log(total, out=total)
    return out


def _forward_numba(fn: str, x: np.ndarray, log: bool) -> np.ndarray:
    dtype, shape = _rows(fn, x)
    if x.size == 0:
        return np.empty(shape, dtype)
    x2 = _as_2d(x, dtype)
    y = np.empty_like(x2)
    parallel_for(_softmax_kernel, x2.shape[0], x2.shape[1], x2, y, log, dtype == np.float32)
    return y.reshape(shape)


def softmax_numba(x: np.ndarray) -> np.ndarray:
    """numba version of `softmax` (rows on threads)."""
    return _forward_numba("softmax", x, log=False)


def log_softmax_numba(x: np.ndarray) -> np.ndarray:
    """numba version of `log_softmax` (rows on threads)."""
    return _forward_numba("log_softmax", x, log=True)


def softmax(x: np.ndarray) -> np.ndarray:
    """Softmax over the last axis of `x` (any shape with ndim >= 1); a new array.

    >>> softmax(np.log(np.array([[1.0, 3.0]])))
    array([[0.25, 0.75]])
    """
    return (softmax_numpy if _mode.using_reference() else softmax_numba)(x)


def log_softmax(x: np.ndarray) -> np.ndarray:
    """log(softmax(x)) over the last axis, computed stably; a new array.

    >>> np.exp(log_softmax(np.log(np.array([1.0, 3.0]))))
    array([0.25, 0.75])
    """
    return (log_softmax_numpy if _mode.using_reference() else log_softmax_numba)(x)


def softmax_backward_numpy(grad: np.ndarray, y: np.ndarray) -> np.ndarray:
    """NumPy twin of `softmax_backward`."""
    dtype, _ = _rows("softmax_backward", grad, y)
    dx = np.multiply(grad, y, dtype=dtype)
    total = dx.sum(axis=-1, keepdims=True)
    dx -= y * total
    return dx


def log_softmax_backward_numpy(grad: np.ndarray, y: np.ndarray) -> np.ndarray:
    """NumPy twin of `log_softmax_backward`."""
    dtype, _ = _rows("log_softmax_backward", grad, y)
    dx = np.exp(y, dtype=dtype)
    dx *= grad.sum(axis=-1, keepdims=True)
    np.subtract(grad, dx, out=dx)
    return dx


def _backward_numba(fn: str, grad: np.ndarray, y: np.ndarray, log: bool) -> np.ndarray:
    dtype, shape = _rows(fn, grad, y)
    if y.size == 0:
        return np.zeros(shape, dtype)
    y2 = _as_2d(y, dtype)
    dx = np.empty_like(y2)
    zero = dtype.type(0)  # exp's shift in y's dtype, so float32 stays float32
    parallel_for(
        _softmax_backward_kernel, y2.shape[0], y2.shape[1], _as_2d(grad, dtype), y2, dx, log,
        dtype == np.float32, zero,
    )
    return dx.reshape(shape)


def softmax_backward_numba(grad: np.ndarray, y: np.ndarray) -> np.ndarray:
    """numba version of `softmax_backward`."""
    return _backward_numba("softmax_backward", grad, y, log=False)


def log_softmax_backward_numba(grad: np.ndarray, y: np.ndarray) -> np.ndarray:
    """numba version of `log_softmax_backward`."""
    return _backward_numba("log_softmax_backward", grad, y, log=True)


def softmax_backward(grad: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Gradient of `softmax` given its output `y`: `y * (grad - sum(grad * y, -1))`.

    >>> softmax_backward(np.array([1.0, 1.0]), np.array([0.25, 0.75]))
    array([0., 0.])
    """
    impl = softmax_backward_numpy if _mode.using_reference() else softmax_backward_numba
    return impl(grad, y)


def log_softmax_backward(grad: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Gradient of `log_softmax` given its output `y`: `grad - exp(y) * sum(grad, -1)`.

    >>> log_softmax_backward(np.array([1.0, 0.0]), np.log(np.array([0.25, 0.75])))
    array([ 0.75, -0.75])
    """
    impl = log_softmax_backward_numpy if _mode.using_reference() else log_softmax_backward_numba
    return impl(grad, y)
