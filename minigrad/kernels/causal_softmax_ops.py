"""Causal softmax of scaled attention scores, forward and backward, on (N, L, S) arrays.

    y[n, i, :] = softmax(scale * x[n, i, :] with keys j > i set to -inf)     (scale > 0)
    backward:  dx = scale * y * (g - sum(g * y))

This is the middle of causal attention, ``softmax(q k^T * scale + mask) v``, in one pass
instead of three (scale, add the mask, softmax). Query i sees keys 0..i, the top-left
alignment of ``np.tril(np.ones((L, S)))``, so every row sees at least one key.

The numba kernels loop over whole rows even where the mask makes the result 0: rows of
a few dozen elements are too short for LLVM's vector loops to pay off on a ragged length
(the remainder runs one element at a time), and a select per element is cheap. The row
maximum and sum are separate functions compiled with reassociation, so that they
vectorise, while the exp loop is compiled without it (see `_fastexp`).
"""

from __future__ import annotations

import math

import numpy as np

from . import _mode
from ._arrays import contiguous, float_dtype
from ._fastexp import exp32
from ._jit import lazy_njit
from ._parallel import parallel_for


# softmax_ops.row_max does the same with eight scalar lanes; on a prefix of a short row
# this reduction, which LLVM vectorises under nnan, measured 1.6x faster in this kernel.
# NaN may be ignored here (nnan): a NaN in the row makes its sum, hence the row, NaN anyway.
@lazy_njit(fastmath={"nnan", "reassoc", "nsz"})
def _prefix_max(row, stop):
    best = row[0]
    for j in range(1, stop):
        best = max(best, row[j])
    return best


@lazy_njit(fastmath={"reassoc", "nsz", "contract"})
def _dot(a, b):
    total = a.dtype.type(0.0)  # from 0 over the whole row: a trip count the vector loop likes
    for j in range(a.shape[0]):
        total += a[j] * b[j]
    return total


@lazy_njit(fastmath={"reassoc", "nsz", "contract"})
def _row_sum(row):
    total = row.dtype.type(0.0)
    for j in range(row.shape[0]):
        total += row[j]
    return total


@lazy_njit(fastmath={"contract"})
def _causal_softmax_kernel(lo, hi, x, scale, y, fast):
    rows, keys = x.shape[1], x.shape[2]
    zero, one = y.dtype.type(0.0), y.dtype.type(1.0)  # keep float32 rows in float32
    for n in range(lo, hi):
        xn, yn = x[n], y[n]
        for i in range(rows):
            seen = i + 1 if i + 1 < keys else keys
            shift = _prefix_max(xn[i], seen) * scale  # max of scale * x, as scale > 0
            if fast:
                for j in range(keys):
                    e = exp32(xn[i, j] * scale - shift)
                    yn[i, j] = e if j < seen else zero
            else:
                for j in range(keys):
                    yn[i, j] = math.exp(xn[i, j] * scale - shift) if j < seen else zero
            inv = one / _row_sum(yn[i])
            for j in range(keys):
                yn[i, j] *= inv


@lazy_njit(fastmath={"contract"})
def _causal_softmax_backward_kernel(lo, hi, grad, y, scale, dx):
    rows, keys = y.shape[1], y.shape[2]
    for n in range(lo, hi):
        gn, yn, dn = grad[n], y[n], dx[n]
        for i in range(rows):
            gy = _dot(gn[i], yn[i])
            for j in range(keys):
                dn[i, j] = scale * yn[i, j] * (gn[i, j] - gy)


def _check(fn: str, scale: float, *arrays: np.ndarray) -> np.dtype:
    shape = arrays[0].shape
    if len(shape) != 3 or 0 in shape:
        raise ValueError(f"{fn}: want a non-empty (N, L, S) array, got shape {shape}")
    if any(a.shape != shape for a in arrays[1:]):
        raise ValueError(f"{fn}: shapes {[a.shape for a in arrays]} must match")
    if not scale > 0:
        raise ValueError(f"{fn}: scale must be positive, got {scale}")
    return float_dtype(fn, *arrays)


def causal_softmax_numpy(x: np.ndarray, scale: float) -> np.ndarray:
    """NumPy twin of `causal_softmax`: mask, then the plain softmax formula."""
    dtype = _check("causal_softmax", scale, x)
    allowed = np.tril(np.ones(x.shape[1:], dtype=bool))
    scores = np.where(allowed, np.multiply(x, scale, dtype=dtype), -np.inf).astype(dtype)
    out = np.exp(scores - scores.max(axis=-1, keepdims=True))
    out /= out.sum(axis=-1, keepdims=True)
    return out


def causal_softmax_numba(x: np.ndarray, scale: float) -> np.ndarray:
    """numba version of `causal_softmax` (the N blocks in parallel)."""
    dtype = _check("causal_softmax", scale, x)
    x = contiguous(x, dtype)
    y = np.empty_like(x)
    parallel_for(_causal_softmax_kernel, x.shape[0], x.shape[1] * x.shape[2], x,
                 dtype.type(scale), y, dtype == np.float32)
    return y


def causal_softmax(x: np.ndarray, scale: float) -> np.ndarray:
    """Softmax over the last axis of ``scale * x`` (N, L, S), row i seeing keys 0..i only.

    Returns the weights, 0 where the mask hides a key.

    >>> causal_softmax(np.zeros((1, 2, 2)), 1.0)
    array([[[1. , 0. ],
            [0.5, 0.5]]])
    """
    impl = causal_softmax_numpy if _mode.using_reference() else causal_softmax_numba
    return impl(x, scale)


def causal_softmax_backward_numpy(grad: np.ndarray, y: np.ndarray, scale: float) -> np.ndarray:
    """NumPy twin of `causal_softmax_backward`."""
    dtype = _check("causal_softmax_backward", scale, grad, y)
    grad = np.asarray(grad, dtype)
    return (scale * y * (grad - np.sum(grad * y, axis=-1, keepdims=True))).astype(dtype)


def causal_softmax_backward_numba(grad: np.ndarray, y: np.ndarray, scale: float) -> np.ndarray:
    """numba version of `causal_softmax_backward`."""
    dtype = _check("causal_softmax_backward", scale, grad, y)
    y = contiguous(y, dtype)
    dx = np.empty_like(y)
    parallel_for(_causal_softmax_backward_kernel, y.shape[0], y.shape[1] * y.shape[2],
                 contiguous(grad, dtype), y, dtype.type(scale), dx)
    return dx


def causal_softmax_backward(grad: np.ndarray, y: np.ndarray, scale: float) -> np.ndarray:
    """Gradient of `causal_softmax` with respect to its input ``x``, given the weights ``y``
    it returned and the gradient ``grad`` of the weights (both (N, L, S)).

    >>> y = causal_softmax(np.zeros((1, 2, 2)), 1.0)
    >>> causal_softmax_backward(np.array([[[0.0, 0.0], [1.0, 0.0]]]), y, 1.0)
    array([[[ 0.  ,  0.  ],
            [ 0.25, -0.25]]])
    """
    impl = causal_softmax_backward_numpy if _mode.using_reference() else \
        causal_softmax_backward_numba
    return impl(grad, y, scale)
