"""`sum_to_shape`: undo NumPy broadcasting on a gradient.

A gradient flowing into an input that was broadcast must be summed back to the input's shape:
leading dimensions are summed away, and dimensions where the input had size 1 are summed with
keepdims. The numba kernel handles the common layouts of C-contiguous float gradients (summed
dimensions before and after one block of kept ones, as for a bias); everything else goes to
NumPy. The kernel accumulates in float64, so it is also more accurate than float32 `np.sum`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import _mode
from ._arrays import FLOATS
from ._jit import lazy_njit
from ._parallel import parallel_for
from .layer_norm import N_CHUNKS, REDUCE_MATH


@lazy_njit(fastmath=REDUCE_MATH)
def _sum_outer_inner_kernel(lo, hi, x, partial):
    # x: (outer, kept, inner) -> partial[c, k] = sum over chunk c of outer and all of inner.
    outer, kept, inner = x.shape
    chunk = (outer + partial.shape[0] - 1) // partial.shape[0]
    for c in range(lo, hi):
        acc = partial[c]
        for a in range(c * chunk, min(outer, (c + 1) * chunk)):
            block = x[a]
            if inner == 1:
                for k in range(kept):
                    acc[k] += block[k, 0]
            else:
                for k in range(kept):
                    total = 0.0
                    for b in range(inner):
                        total += block[k, b]
                    acc[k] += total


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
    shape = tuple(int(s) for s in shape)
    aligned = _check(grad, shape)
    axes = _summed_axes(grad, aligned)
    if not axes:
        return grad.reshape(shape).copy()
    return np.sum(grad, axis=axes, dtype=grad.dtype).reshape(shape)


def _outer_kept_inner(grad: np.ndarray, axes: tuple[int, ...]) -> tuple[int, int, int] | None:
    """(outer, kept, inner) sizes when the summed axes are a prefix plus a suffix, else None."""
    summed = [i in axes or grad.shape[i] == 1 for i in range(grad.ndim)]
    first_kept = summed.index(False) if False in summed else grad.ndim
    last_kept = grad.ndim - summed[::-1].index(False) if False in summed else grad.ndim
    if not all(summed[:first_kept]) or not all(summed[last_kept:]):
        return None
    if not all(not s for s in summed[first_kept:last_kept]):
        return None
    outer = int(np.prod(grad.shape[:first_kept]))
    kept = int(np.prod(grad.shape[first_kept:last_kept]))
    inner = int(np.prod(grad.shape[last_kept:]))
    return outer, kept, inner


def sum_to_shape_numba(grad: np.ndarray, shape: Sequence[int]) -> np.ndarray:
    """numba version of `sum_to_shape`; layouts the kernel does not cover use NumPy."""
    grad = np.asarray(grad)
    shape = tuple(int(s) for s in shape)
    aligned = _check(grad, shape)
    axes = _summed_axes(grad, aligned)
    layout = _outer_kept_inner(grad, axes) if axes else None
    # Strided or read-only gradients (broadcast views) would need a copy first: NumPy is
    # faster on those.
    fits = grad.flags.c_contiguous and grad.flags.writeable and grad.size > 0
    if layout is None or grad.dtype not in FLOATS or not fits:
        return sum_to_shape_numpy(grad, shape)
    outer, kept, inner = layout
    x = grad.reshape(outer, kept, inner)
    n_chunks = max(1, min(N_CHUNKS, outer))
    partial = np.zeros((n_chunks, kept), np.float64)
    parallel_for(_sum_outer_inner_kernel, n_chunks, grad.size // n_chunks, x, partial)
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
    impl = sum_to_shape_numpy if _mode.using_reference() else sum_to_shape_numba
    return impl(grad, shape)
