"""`sum_to_shape`: undo NumPy broadcasting on a gradient.

A gradient flowing into an input that was broadcast must be summed back to the input's shape:
leading dimensions are summed away, and dimensions where the input had size 1 are summed with
keepdims. The numba kernel handles the common layout of a bias gradient: a C-contiguous float
gradient summed over its leading dimensions only, as (rows, D) -> (D,). Everything else goes to
NumPy (for summed trailing dimensions too, as for a conv bias, NumPy measured as fast). The
kernel adds chunks of rows in the gradient's dtype and the chunk sums in float64: about as
fast as `np.sum(axis=0)`, which adds the rows one after another, and more accurate.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import _mode
from ._arrays import FLOATS
from ._jit import lazy_njit
from ._parallel import parallel_for
from .layer_norm import N_CHUNKS, REDUCE_MATH

SMALL = 1 << 16


@lazy_njit(fastmath=REDUCE_MATH)
def _sum_rows_kernel(lo, hi, x, partial, chunk_sum):
    # x (rows, D): for row chunks c in lo..hi-1, chunk_sum[c] = the chunk's rows added in x's
    # dtype (full vector width), then partial[c] (float64) = chunk_sum[c].
    rows, d = x.shape
    chunk = (rows + partial.shape[0] - 1) // partial.shape[0]
    for c in range(lo, hi):
        acc, lanes = partial[c], chunk_sum[c]
        for k in range(d):
            lanes[k] = 0.0
        stop = (c + 1) * chunk if (c + 1) * chunk < rows else rows
        for a in range(c * chunk, stop):
            row = x[a]
            for k in range(d):
                lanes[k] += row[k]
        for k in range(d):
            acc[k] = lanes[k]


def _check(grad: np.ndarray, shape: tuple[int, ...]) -> tuple[int, ...]:
    """Aligned target shape (padded with leading 1s); ValueError if not broadcastable."""
    lead = grad.ndim - len(shape)
    bad = lead < 0 or any(s not in (1, g) for s, g in zip(shape, grad.shape[lead:]))
    if bad:
        raise ValueError(
            f"sum_to_shape: gradient of shape {grad.shape} cannot be summed to shape {shape}: "
            "the shape is not broadcastable to it"
        )
    return (1,) * lead + shape


def _summed_axes(grad: np.ndarray, aligned: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(i for i, (s, g) in enumerate(zip(aligned, grad.shape)) if s == 1 and g != 1)


def sum_to_shape_numpy(grad: np.ndarray, shape: Sequence[int]) -> np.ndarray:
    """NumPy twin of `sum_to_shape`: one `np.sum` over the broadcast axes."""
    grad = np.asarray(grad)
    shape = tuple(shape)
    aligned = _check(grad, shape)
    axes = _summed_axes(grad, aligned)
    if not axes:
        return grad.reshape(shape).copy()
    return np.asarray(np.sum(grad, axis=axes, dtype=grad.dtype)).reshape(shape)


def _leading_axes_only(grad: np.ndarray, axes: tuple[int, ...]) -> bool:
    """True when the summed axes (ignoring size-1 ones) are exactly the leading ones."""
    summed = [i in axes or grad.shape[i] == 1 for i in range(grad.ndim)]
    lead = summed.index(False) if False in summed else grad.ndim
    return bool(axes) and not any(summed[lead:])


def sum_to_shape_numba(grad: np.ndarray, shape: Sequence[int]) -> np.ndarray:
    """numba version of `sum_to_shape` for sums over leading axes; other layouts use NumPy."""
    grad = np.asarray(grad)
    shape = tuple(int(s) for s in shape)
    aligned = _check(grad, shape)
    axes = _summed_axes(grad, aligned)
    # Strided or read-only gradients (broadcast views) would need a copy first: NumPy is
    # faster on those.
    # Small gradients too: below SMALL elements the kernel's call overhead costs more
    # than the sum itself.
    fits = grad.flags.c_contiguous and grad.flags.writeable and grad.size >= SMALL
    if not (fits and grad.dtype in FLOATS and _leading_axes_only(grad, axes)):
        return sum_to_shape_numpy(grad, shape)
    x = grad.reshape(-1, int(np.prod(shape)))
    n_chunks = max(1, min(N_CHUNKS, x.shape[0]))
    partial = np.empty((n_chunks, x.shape[1]), np.float64)
    chunk_sum = np.empty((n_chunks, x.shape[1]), grad.dtype)
    parallel_for(_sum_rows_kernel, n_chunks, grad.size // n_chunks, x, partial, chunk_sum)
    return partial.sum(axis=0).astype(grad.dtype).reshape(shape)


def sum_to_shape(grad: np.ndarray, shape: Sequence[int]) -> np.ndarray:
    """Sum `grad` over the axes along which `shape` was broadcast to `grad.shape`.

    Returns a new array (never a view of `grad`) of `grad`'s dtype and of shape `shape`.

    >>> sum_to_shape(np.ones((2, 3, 4)), (3, 1))
    array([[8.],
           [8.],
           [8.]])
    >>> sum_to_shape(np.arange(3.0), ())
    array(3.)
    """
    if grad.size < SMALL or _mode.using_reference():
        return sum_to_shape_numpy(grad, shape)
    return sum_to_shape_numba(grad, shape)
