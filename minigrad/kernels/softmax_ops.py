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


@lazy_njit()
def row_max(row):
    """Largest element of a non-empty 1-D array (NaN may be ignored: it makes softmax NaN anyway).

    Eight independent running maxima, in scalars: LLVM does not vectorise a single max chain,
    and eight lanes measured twice as fast. (A lanes array would cost compile time.)
    """
    n = row.shape[0]
    if n < 8:
        best = row[0]
        for j in range(1, n):
            best = row[j] if row[j] > best else best
        return best
    m0, m1, m2, m3 = row[0], row[1], row[2], row[3]
    m4, m5, m6, m7 = row[4], row[5], row[6], row[7]
    n8 = n // 8 * 8
    for j in range(8, n8, 8):
        m0 = row[j] if row[j] > m0 else m0
        m1 = row[j + 1] if row[j + 1] > m1 else m1
        m2 = row[j + 2] if row[j + 2] > m2 else m2
        m3 = row[j + 3] if row[j + 3] > m3 else m3
        m4 = row[j + 4] if row[j + 4] > m4 else m4
        m5 = row[j + 5] if row[j + 5] > m5 else m5
        m6 = row[j + 6] if row[j + 6] > m6 else m6
        m7 = row[j + 7] if row[j + 7] > m7 else m7
    m0 = m1 if m1 > m0 else m0
    m2 = m3 if m3 > m2 else m2
    m4 = m5 if m5 > m4 else m4
    m6 = m7 if m7 > m6 else m6
    m0 = m2 if m2 > m0 else m0
    m4 = m6 if m6 > m4 else m4
    best = m4 if m4 > m0 else m0
    for j in range(n8, n):
        best = row[j] if row[j] > best else best
    return best


@lazy_njit(fastmath=REDUCE_MATH)
def _softmax_kernel(lo, hi, x, y, log, fast, row_scalar):
    # row_scalar (rows,) in x's dtype: a per-row constant is stored there and read back, so
    # the element loops run in x's dtype (float32 stays float32, twice the vector width).
    # It is left holding each row's log-sum-exp, which the cross-entropy needs.
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
            row_scalar[i] = m + math.log(total)
            shift = row_scalar[i]
            for j in range(row.shape[0]):
                out[j] = row[j] - shift
        else:
            row_scalar[i] = 1.0 / total
            inv = row_scalar[i]
            for j in range(row.shape[0]):
                out[j] *= inv
            row_scalar[i] = m + math.log(total)


@lazy_njit(fastmath=REDUCE_MATH)
def _softmax_backward_kernel(lo, hi, grad, y, dx, log, fast, row_scalar):
    # row_scalar (rows,) in y's dtype, as in _softmax_kernel.
    for i in range(lo, hi):
        g, out, d = grad[i], y[i], dx[i]
        total = 0.0
        if log:
            for j in range(g.shape[0]):
                total += g[j]
            row_scalar[i] = 0.0
            exp_shifted(out, row_scalar[i], d, fast)  # exp(y), shift 0 in y's dtype
            row_scalar[i] = total
            g_sum = row_scalar[i]
            for j in range(g.shape[0]):
                d[j] = g[j] - d[j] * g_sum
        else:
            for j in range(g.shape[0]):
                total += g[j] * out[j]
            row_scalar[i] = total
            gy_sum = row_scalar[i]
            for j in range(g.shape[0]):
                d[j] = out[j] * (g[j] - gy_sum)


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
    parallel_for(
        _softmax_kernel, x2.shape[0], x2.shape[1], x2, y, log, dtype == np.float32,
        np.empty(x2.shape[0], dtype),
    )
    return y.reshape(shape)


def softmax_and_logsumexp(x2d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unchecked: softmax of the rows of a contiguous float (rows, D>0) array and each row's
    log-sum-exp, from one run of the softmax kernel."""
    y = np.empty_like(x2d)
    lse = np.empty(x2d.shape[0], x2d.dtype)
    parallel_for(_softmax_kernel, x2d.shape[0], x2d.shape[1], x2d, y, False,
                 x2d.dtype == np.float32, lse)
    return y, lse


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
    parallel_for(
        _softmax_backward_kernel, y2.shape[0], y2.shape[1], _as_2d(grad, dtype), y2, dx, log,
        dtype == np.float32, np.empty(y2.shape[0], dtype),
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
