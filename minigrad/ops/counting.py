"""Results that are counts, positions or fixed grids, with no gradient: ``unique
bincount tril_indices triu_indices logspace``."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtypes
from .._device import check_device
from .._tensor import Tensor, tensor_method
from ..creation import _finish, _float_dtype
from ._args import check_dim


def _constant(values: np.ndarray) -> Tensor:
    return Tensor._make(np.ascontiguousarray(values), False, None)


@tensor_method("unique")
def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False,
           return_counts: bool = False, dim: int | None = None) -> Any:
    """The distinct values of ``input`` (flattened, ascending), or the distinct slices
    along ``dim``; with ``return_inverse`` also where each element landed (``input``'s
    shape; along ``dim`` a 1-D tensor), with ``return_counts`` how often each occurs.
    Always sorted (PyTorch's CPU result for ``sorted=False`` is sorted too). No gradient.

    >>> import minigrad as mg
    >>> values, inverse, counts = mg.unique(mg.tensor([3, 1, 3, 2]), return_inverse=True,
    ...                                     return_counts=True)
    >>> values, inverse, counts
    (tensor([1, 2, 3]), tensor([2, 0, 2, 1]), tensor([1, 1, 2]))
    """
    x = input.numpy(force=True)
    if dim is None:
        values, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
        inverse = inverse.reshape(x.shape)
    else:
        d = check_dim(dim, x.ndim, "unique")
        values, inverse, counts = np.unique(x, return_inverse=True, return_counts=True,
                                            axis=d)
        inverse = inverse.reshape(-1)
    out = [_constant(values)]
    if return_inverse:
        out.append(_constant(inverse.astype(np.int64)))
    if return_counts:
        out.append(_constant(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


@tensor_method("bincount")
def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """How often each value 0, 1, ... occurs in the 1-D non-negative integer ``input``
    (length ``max(input) + 1``, at least ``minlength``); with ``weights``, the sum of the
    weights of each value's occurrences (float32 for float32 weights, else float64).
    No gradient.

    >>> import minigrad as mg
    >>> mg.bincount(mg.tensor([0, 2, 2, 5]))
    tensor([1, 0, 2, 0, 0, 1])
    """
    x = input.numpy(force=True)
    if x.ndim != 1 or x.dtype.kind not in "iub":
        raise RuntimeError(f"bincount: input must be a 1-D integer tensor, got shape "
                           f"{x.shape} and dtype {x.dtype}")
    if x.size and x.min() < 0:
        raise RuntimeError(f"bincount: input must be non-negative, got {int(x.min())}")
    if minlength < 0:
        raise RuntimeError(f"bincount: minlength should be >= 0, got {minlength}")
    if weights is None:
        return _constant(np.bincount(x, minlength=minlength).astype(np.int64))
    w = weights.numpy(force=True)
    if w.shape != x.shape:
        raise RuntimeError(f"bincount: weights should be 1-D and the same length as input, "
                           f"got shapes {w.shape} and {x.shape}")
    dtype = np.float32 if w.dtype == np.float32 else np.float64  # PyTorch's CPU rule
    return _constant(np.bincount(x, weights=w, minlength=minlength).astype(dtype))


def _triangle(which: str, row: int, col: int, offset: int, dtype: Any,
              device: Any) -> Tensor:
    check_device(device, which)
    if row < 0 or col < 0:
        raise RuntimeError(f"{which}: row and col must be non-negative, got {row} and {col}")
    fn = np.tril_indices if which == "tril_indices" else np.triu_indices
    rows, cols = fn(row, offset, col)
    dtype = np.int64 if dtype is None else _dtypes.canonical(dtype)
    return _constant(np.stack([rows, cols]).astype(dtype).reshape(2, -1))


def tril_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None,
                 device: Any = None) -> Tensor:
    """The (2, N) row and column indices of the lower triangle of a ``row`` x ``col``
    matrix (on and below the ``offset``-th diagonal), row by row.

    >>> import minigrad as mg
    >>> mg.tril_indices(3, 3)
    tensor([[0, 1, 1, 2, 2, 2],
            [0, 0, 1, 0, 1, 2]])
    """
    return _triangle("tril_indices", row, col, offset, dtype, device)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None,
                 device: Any = None) -> Tensor:
    """The (2, N) row and column indices of the upper triangle of a ``row`` x ``col``
    matrix (on and above the ``offset``-th diagonal), row by row."""
    return _triangle("triu_indices", row, col, offset, dtype, device)


def logspace(start: float, end: float, steps: int, base: float = 10.0, *, dtype: Any = None,
             requires_grad: bool = False, device: Any = None) -> Tensor:
    """``steps`` values ``base ** v`` for ``v`` evenly spaced from ``start`` to ``end``.

    >>> import minigrad as mg
    >>> mg.logspace(0, 2, 3)
    tensor([  1.,  10., 100.])
    """
    check_device(device, "logspace")
    if steps < 0:
        raise RuntimeError(f"logspace: number of steps must be non-negative, got {steps}")
    values = np.logspace(start, end, steps, base=base)
    return _finish(values.astype(_float_dtype(dtype)), requires_grad)
