"""Order statistics: ``median``, ``kthvalue``, ``mode`` and ``quantile``.

All are compositions: the chosen elements are gathered from the input (or
interpolated between two gathered elements), so the gradient flows back to
exactly those elements, as in PyTorch.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .._tensor import Tensor, tensor_method
from ._args import check_dim, numpy_aliases, tensor_arg
from .indexing import gather, index_select
from .sorting import sort

_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


class median_result(NamedTuple):  # noqa: N801  (PyTorch's torch.return_types.median)
    values: Tensor
    indices: Tensor


class kthvalue_result(NamedTuple):  # noqa: N801  (PyTorch's torch.return_types.kthvalue)
    values: Tensor
    indices: Tensor


class mode_result(NamedTuple):  # noqa: N801  (PyTorch's torch.return_types.mode)
    values: Tensor
    indices: Tensor


def _pick_along(input: Tensor, d: int, idx: np.ndarray, keepdim: bool) -> tuple[Tensor, Tensor]:
    """Gather ``input`` at ``idx`` (one index per line along ``d``, kept as size 1)."""
    x = input.reshape(1) if input.ndim == 0 else input
    indices = Tensor(np.ascontiguousarray(idx, dtype=np.int64))
    values = gather(x, d, indices)
    if input.ndim == 0:
        return values.reshape(()), indices.reshape(())
    if not keepdim:
        return values.squeeze(d), indices.squeeze(d)
    return values, indices


def _kth_indices(input: Tensor, k: int, d: int) -> np.ndarray:
    """Indices of the k-th smallest (0-based k) element along ``d``, ties in index order."""
    a = input._array.reshape(1) if input.ndim == 0 else input._array
    order = np.argsort(a, axis=d, kind="stable")
    return np.take(order, [k], axis=d)


@tensor_method("kthvalue")
@numpy_aliases
def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> kthvalue_result:
    """The ``k``-th smallest element (``k`` counts from 1) along ``dim``: a named tuple
    ``(values, indices)``; ``keepdim`` keeps ``dim`` with size 1. Among equal values the
    index is the k-th in a stable sort (PyTorch leaves which one unspecified).

    >>> import minigrad as mg
    >>> values, indices = mg.kthvalue(mg.tensor([4.0, 1.0, 3.0, 2.0]), 2)
    >>> values, indices
    (tensor(2.), tensor(3))
    """
    input = tensor_arg(input, "kthvalue", floating=False)
    d = check_dim(dim, input.ndim, "kthvalue")
    size = input.shape[d] if input.ndim else 1
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= k <= size:
        raise IndexError(f"kthvalue(): selected number k out of range for dimension {dim} "
                         f"of size {size}, got k={k!r}")
    return kthvalue_result(*_pick_along(input, d, _kth_indices(input, k - 1, d), keepdim))


@tensor_method("median")
@numpy_aliases
def median(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    """The median, the lower of the two middle values for an even count (PyTorch's rule,
    not NumPy's mean of the two). Without ``dim``: one value over all elements. With
    ``dim``: a named tuple ``(values, indices)`` along it.

    >>> import minigrad as mg
    >>> mg.median(mg.tensor([4.0, 1.0, 3.0, 2.0]))
    tensor(2.)
    >>> mg.tensor([[1.0, 9.0, 5.0], [7.0, 0.0, 2.0]]).median(dim=1).values
    tensor([5., 2.])
    """
    input = tensor_arg(input, "median", floating=False)
    if dim is None:
        if input.numel() == 0:
            raise IndexError("median(): cannot compute the median of an empty tensor")
        flat = input.reshape(-1)
        return flat[_kth_indices(flat, (flat.shape[0] - 1) // 2, 0)[0]]
    d = check_dim(dim, input.ndim, "median")
    size = input.shape[d] if input.ndim else 1
    return median_result(*_pick_along(input, d, _kth_indices(input, (size - 1) // 2, d),
                                      keepdim))


@tensor_method("mode")
@numpy_aliases
def mode(input: Tensor, dim: int = -1, keepdim: bool = False) -> mode_result:
    """The most frequent value along ``dim`` (the smallest one among equally frequent
    values) and the index of its last occurrence: a named tuple ``(values, indices)``.

    >>> import minigrad as mg
    >>> mg.mode(mg.tensor([3, 1, 3, 2, 1, 3])).values
    tensor(3)
    """
    input = tensor_arg(input, "mode", floating=False)
    d = check_dim(dim, input.ndim, "mode")
    a = np.moveaxis(input._array.reshape(1) if input.ndim == 0 else input._array, d, -1)
    rows = a.reshape(-1, a.shape[-1])
    idx = np.empty(len(rows), np.int64)
    for r, row in enumerate(rows):
        values, counts = np.unique(row, return_counts=True)
        idx[r] = np.flatnonzero(row == values[np.argmax(counts)])[-1]
    idx = np.moveaxis(idx.reshape(a.shape[:-1] + (1,)), -1, d)
    return mode_result(*_pick_along(input, d, idx, keepdim))


def _q_positions(q: Any, n: int) -> tuple[np.ndarray, bool]:
    """q as a 1-D float array checked to lie in [0, 1], and whether q was a scalar."""
    scalar = not isinstance(q, Tensor | np.ndarray | list | tuple) or np.ndim(
        q.numpy(force=True) if isinstance(q, Tensor) else q) == 0
    qs = np.atleast_1d(np.asarray(q.numpy(force=True) if isinstance(q, Tensor) else q,
                                  dtype=np.float64))
    if qs.ndim != 1:
        raise RuntimeError(f"quantile() q must be a scalar or 1D tensor, got shape {qs.shape}")
    if not np.all((qs >= 0) & (qs <= 1)):
        bad = qs[~((qs >= 0) & (qs <= 1))][0]
        raise RuntimeError(f"quantile() q must be in the range [0, 1] but got {bad:g}")
    return qs * (n - 1), scalar


@tensor_method("quantile")
@numpy_aliases
def quantile(input: Tensor, q: Any, dim: int | None = None, keepdim: bool = False, *,
             interpolation: str = "linear") -> Tensor:
    """The ``q``-th quantiles (``q`` in [0, 1], a number or a 1-D tensor) over all
    elements or along ``dim``. Between two sorted values ``interpolation`` chooses:
    ``"linear"`` (default), ``"lower"``, ``"higher"``, ``"midpoint"`` or ``"nearest"``.
    A 1-D ``q`` adds a leading dimension of its length to the result; a ``q`` tensor must
    have the input's dtype.

    >>> import minigrad as mg
    >>> mg.quantile(mg.tensor([0.0, 1.0, 2.0, 10.0]), 0.5)
    tensor(1.5)
    >>> mg.quantile(mg.tensor([0.0, 1.0, 2.0, 10.0]), mg.tensor([0.25, 1.0]))  # same dtype
    tensor([ 0.75, 10.  ])
    """
    input = tensor_arg(input, "quantile", floating=False)
    if input.dtype.kind != "f":
        raise RuntimeError(f"quantile() input tensor must be either float or double dtype, "
                           f"got {input.dtype}")
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"quantile() interpolation must be one of {_INTERPOLATIONS}, "
                         f"got {interpolation!r}")
    x = input.reshape(-1) if dim is None else input
    d = 0 if dim is None else check_dim(dim, input.ndim, "quantile")
    x = x.reshape(1) if x.ndim == 0 else x
    n = x.shape[d]
    if n == 0:
        raise IndexError("quantile() input tensor must be non-empty")
    if isinstance(q, Tensor) and q.dtype != input.dtype:
        raise RuntimeError(f"quantile() q tensor must be same dtype as the input tensor, got "
                           f"{q.dtype} and {input.dtype}")
    pos, scalar = _q_positions(q, n)
    s = sort(x, dim=d).values.movedim(d, -1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.ceil(pos).astype(np.int64)
    if interpolation == "nearest":
        lo = hi = np.round(pos).astype(np.int64)  # half to even, as torch.round
    elif interpolation == "lower":
        hi = lo
    elif interpolation == "higher":
        lo = hi
    v_lo = index_select(s, -1, lo)
    result = v_lo
    if interpolation in ("linear", "midpoint") and np.any(hi != lo):
        frac = 0.5 if interpolation == "midpoint" else (pos - lo).astype(s.dtype)
        frac = np.where(hi != lo, frac, 0.0).astype(s.dtype)
        result = v_lo + (index_select(s, -1, hi) - v_lo) * Tensor(frac)
    if keepdim:
        if dim is None:
            result = result.reshape((1,) * input.ndim + (len(pos),))
        else:
            result = result.unsqueeze(d)
    result = result.squeeze(-1) if scalar else result.movedim(-1, 0)
    return result
