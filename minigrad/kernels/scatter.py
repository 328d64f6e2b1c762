"""Scatter-add: `out[index[i]] += src[i]` with repeated indices accumulating.

This is the backward of embedding lookup and of fancy indexing. NumPy's twin is `np.add.at`,
which handles repeats correctly but slowly; the numba loop is a plain accumulation.
"""

from __future__ import annotations

import numpy as np

from . import _mode
from ._arrays import (
    check_index_range,
    check_writable,
    contiguous,
    float_dtype,
    index_array,
    write_back,
)
from ._jit import lazy_njit


@lazy_njit()
def _scatter_add_rows_kernel(out, index, src):
    width = out.shape[1]
    for i in range(index.shape[0]):
        target = out[index[i]]
        row = src[i]
        for j in range(width):
            target[j] += row[j]


def _prepare_rows(out, index, src):
    fn = "scatter_add_rows"
    check_writable(fn, "out", out)
    if out.ndim != 2:
        raise ValueError(f"{fn}: out must be 2-D (N, D), got shape {out.shape}")
    idx = index_array(fn, index)
    src = np.asarray(src)
    want = idx.shape + out.shape[1:]
    try:
        if src.shape != want:
            src = np.broadcast_to(src, want)
    except ValueError:
        raise ValueError(
            f"{fn}: src of shape {src.shape} does not match index shape {idx.shape} + row "
            f"shape {out.shape[1:]}"
        ) from None
    float_dtype(fn, out, src)
    idx = check_index_range(fn, idx.reshape(-1), out.shape[0], "out rows")
    return idx, src.reshape(idx.shape[0], out.shape[1])


def scatter_add_rows_numpy(out: np.ndarray, index: np.ndarray, src: np.ndarray) -> None:
    """NumPy twin of `scatter_add_rows`: `np.add.at`."""
    idx, src = _prepare_rows(out, index, src)
    np.add.at(out, idx, src.astype(out.dtype, copy=False))


def scatter_add_rows_numba(out: np.ndarray, index: np.ndarray, src: np.ndarray) -> None:
    """numba version of `scatter_add_rows`."""
    idx, src = _prepare_rows(out, index, src)
    work = contiguous(out, out.dtype)
    _scatter_add_rows_kernel(work, idx, contiguous(src, out.dtype))
    write_back(out, work)


def scatter_add_rows(out: np.ndarray, index: np.ndarray, src: np.ndarray) -> None:
    """In place: `out[index[i]] += src[i]` for each i; repeated rows accumulate.

    out: (N, D) float array; index: int array of any shape (negative counts from the end);
    src: index.shape + (D,), or broadcastable to it. Out-of-range indices raise IndexError.

    >>> out = np.zeros((3, 2))
    >>> scatter_add_rows(out, np.array([0, 2, 0]), np.ones((3, 2)))
    >>> out
    array([[2., 2.],
           [0., 0.],
           [1., 1.]])
    """
    impl = scatter_add_rows_numpy if _mode.using_reference() else scatter_add_rows_numba
    impl(out, index, src)


def _prepare_flat(out, index, src):
    fn = "scatter_add_flat"
    check_writable(fn, "out", out)
    if out.ndim != 1:
        raise ValueError(f"{fn}: out must be 1-D, got shape {out.shape}")
    idx = index_array(fn, index).reshape(-1)
    src = np.asarray(src)
    try:
        if src.shape != idx.shape:
            src = np.broadcast_to(src, idx.shape)
    except ValueError:
        raise ValueError(
            f"{fn}: src of shape {src.shape} does not match index of {idx.size} elements"
        ) from None
    float_dtype(fn, out, src)
    return check_index_range(fn, idx, out.shape[0], "out"), src


def scatter_add_flat_numpy(out: np.ndarray, flat_index: np.ndarray, src: np.ndarray) -> None:
    """NumPy twin of `scatter_add_flat`: `np.add.at`."""
    idx, src = _prepare_flat(out, flat_index, src)
    np.add.at(out, idx, src.astype(out.dtype, copy=False))


def scatter_add_flat_numba(out: np.ndarray, flat_index: np.ndarray, src: np.ndarray) -> None:
    """numba version of `scatter_add_flat`."""
    idx, src = _prepare_flat(out, flat_index, src)
    work = contiguous(out, out.dtype)
    scatter_add_flat_into(work, idx, contiguous(src, out.dtype))
    write_back(out, work)


def scatter_add_flat_into(out: np.ndarray, index: np.ndarray, src: np.ndarray) -> None:
    """Unchecked: the rows kernel on (N, 1) views; contiguous 1-D out and src of one float
    dtype, int64 indices already in range."""
    _scatter_add_rows_kernel(out.reshape(-1, 1), index, src.reshape(-1, 1))


def scatter_add_flat(out: np.ndarray, flat_index: np.ndarray, src: np.ndarray) -> None:
    """In place on a 1-D `out`: `out[flat_index[i]] += src[i]`; repeats accumulate.

    >>> out = np.zeros(3)
    >>> scatter_add_flat(out, np.array([1, 1, 2]), np.array([1.0, 2.0, 3.0]))
    >>> out
    array([0., 3., 3.])
    """
    impl = scatter_add_flat_numpy if _mode.using_reference() else scatter_add_flat_numba
    impl(out, flat_index, src)
