"""Building and rearranging tensors: ``diag trace diff hstack vstack movedim tile
meshgrid`` and the in-place ``triu_ tril_``, composed of differentiable ops."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._tensor import Tensor, tensor_method
from ..creation import size_arg
from ._args import check_dim, tensor_arg, write_out
from .indexing import GetItem, IndexPut
from .movement import narrow
from .scatter import inplace_from
from .shape import broadcast_to, cat, permute, repeat, reshape, tril, triu


@tensor_method("diag")
def diag(input: Tensor, diagonal: int = 0, *, out: Tensor | None = None) -> Tensor:
    """A 1-D ``input`` as the ``diagonal``-th diagonal of a square matrix (0 the main
    one, > 0 above, < 0 below); a 2-D ``input``'s ``diagonal``-th diagonal as 1-D.

    >>> import minigrad as mg
    >>> mg.diag(mg.tensor([1.0, 2.0]), 1)
    tensor([[0., 1., 0.],
            [0., 0., 2.],
            [0., 0., 0.]])
    >>> mg.diag(mg.arange(9.0).reshape(3, 3))
    tensor([0., 4., 8.])
    """
    x = tensor_arg(input, "diag", floating=False)
    k = int(diagonal)
    if x.ndim == 1:
        n = x.shape[0] + abs(k)
        i = np.arange(x.shape[0])
        where = (i + max(-k, 0), i + max(k, 0))
        zeros = Tensor._make(np.zeros((n, n), x.dtype), False, None)
        return write_out(IndexPut.apply(zeros, x, where), out, "diag")
    if x.ndim == 2:
        rows, cols = x.shape
        length = max(0, min(rows + min(k, 0), cols - max(k, 0)))
        i = np.arange(length)
        return write_out(GetItem.apply(x, (i + max(-k, 0), i + max(k, 0))), out, "diag")
    raise RuntimeError(f"diag: input must be 1-D or 2-D, got shape {tuple(x.shape)}")


@tensor_method("trace")
def trace(input: Tensor) -> Tensor:
    """The sum of a matrix's main diagonal (0-dim).

    >>> import minigrad as mg
    >>> mg.trace(mg.arange(9.0).reshape(3, 3))
    tensor(12.)
    """
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, got shape {tuple(input.shape)}")
    return diag(input).sum()


@tensor_method("triu_")
def triu_(input: Tensor, diagonal: int = 0) -> Tensor:
    """``triu`` written into ``input`` (zeros below the ``diagonal``-th diagonal)."""
    return inplace_from(input, "triu_", lambda x: triu(x, diagonal), None)


@tensor_method("tril_")
def tril_(input: Tensor, diagonal: int = 0) -> Tensor:
    """``tril`` written into ``input`` (zeros above the ``diagonal``-th diagonal)."""
    return inplace_from(input, "tril_", lambda x: tril(x, diagonal), None)


@tensor_method("diff")
def diff(input: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None,
         append: Tensor | None = None) -> Tensor:
    """The ``n``-th forward difference along ``dim``: ``out[i] = x[i + 1] - x[i]``, applied
    ``n`` times; ``prepend``/``append`` are joined to ``input`` along ``dim`` first.

    >>> import minigrad as mg
    >>> mg.diff(mg.tensor([1.0, 4.0, 9.0, 16.0]))
    tensor([3., 5., 7.])
    >>> mg.diff(mg.tensor([1.0, 4.0, 9.0, 16.0]), n=2)
    tensor([2., 2.])
    """
    x = tensor_arg(input, "diff", floating=False)
    if x.ndim == 0:
        raise RuntimeError("diff: expected at least a 1-dimensional tensor")
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise RuntimeError(f"diff: order must be a non-negative int, got {n!r}")
    d = check_dim(dim, x.ndim, "diff")
    parts = [p for p in (prepend, x, append) if p is not None]
    if len(parts) > 1:
        x = cat([tensor_arg(p, "diff", floating=False) for p in parts], d)
    if n == 0:
        return x.clone()
    for _ in range(n):
        length = x.shape[d] - 1
        if length <= 0:
            return narrow(x, d, 0, 0)
        x = narrow(x, d, 1, length) - narrow(x, d, 0, length)
    return x


@tensor_method("movedim", "moveaxis")
def movedim(input: Tensor, source: int | Sequence[int], destination: int | Sequence[int]
            ) -> Tensor:
    """``input`` with its dims ``source`` moved to positions ``destination`` (the others
    keep their order).

    >>> import minigrad as mg
    >>> mg.movedim(mg.zeros(2, 3, 4), 0, -1).shape
    (3, 4, 2)
    """
    src = (source,) if isinstance(source, int) else tuple(source)
    dst = (destination,) if isinstance(destination, int) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: source ({len(src)} dims) and destination ({len(dst)} "
                           "dims) must have the same length")
    src = tuple(check_dim(s, input.ndim, "movedim") for s in src)
    dst = tuple(check_dim(s, input.ndim, "movedim") for s in dst)
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: repeated dim in source {source} or destination "
                           f"{destination}")
    order = [d for d in range(input.ndim) if d not in src]
    for s, d in sorted(zip(dst, src)):
        order.insert(s, d)
    return permute(input, order)


@tensor_method("tile")
def tile(input: Tensor, dims: Sequence[int]) -> Tensor:
    """``input`` repeated ``dims[i]`` times along each dim; missing leading entries of
    ``dims`` count as 1, extra ones add leading dims (``repeat`` with NumPy's rule).

    >>> import minigrad as mg
    >>> mg.tile(mg.tensor([[1, 2]]), (2,))
    tensor([[1, 2, 1, 2]])
    """
    dims = size_arg((dims,), "tile")
    dims = (1,) * (input.ndim - len(dims)) + tuple(dims)
    return repeat(input, *dims)


def hstack(tensors: Sequence[Tensor], *, out: Tensor | None = None) -> Tensor:
    """Join along the columns: 1-D tensors end to end, others along dim 1.

    >>> import minigrad as mg
    >>> mg.hstack([mg.tensor([1, 2]), mg.tensor([3])])
    tensor([1, 2, 3])
    """
    parts = [_at_least(tensor_arg(t, "hstack", floating=False), 1) for t in tensors]
    return cat(parts, 0 if parts and parts[0].ndim == 1 else 1, out=out)


def vstack(tensors: Sequence[Tensor], *, out: Tensor | None = None) -> Tensor:
    """Join along the rows: 1-D tensors become rows, then everything joins along dim 0.

    >>> import minigrad as mg
    >>> mg.vstack([mg.tensor([1, 2]), mg.tensor([3, 4])])
    tensor([[1, 2],
            [3, 4]])
    """
    return cat([_at_least(tensor_arg(t, "vstack", floating=False), 2) for t in tensors], 0,
               out=out)


def _at_least(t: Tensor, ndim: int) -> Tensor:
    if t.ndim >= ndim:
        return t
    return reshape(t, (1,) * (ndim - max(t.ndim, 1)) + (t.numel(),))


def meshgrid(*tensors: Any, indexing: str | None = None) -> tuple[Tensor, ...]:
    """Coordinate grids from 1-D tensors: with ``indexing="ij"`` (the default) output
    ``i`` varies along dim ``i``; with ``"xy"`` the first two dims are swapped (NumPy's
    and plotting's convention). Differentiable.

    >>> import minigrad as mg
    >>> xs, ys = mg.meshgrid(mg.tensor([1, 2, 3]), mg.tensor([4, 5]), indexing="ij")
    >>> xs
    tensor([[1, 1],
            [2, 2],
            [3, 3]])
    """
    if len(tensors) == 1 and isinstance(tensors[0], list | tuple):
        tensors = tuple(tensors[0])
    indexing = "ij" if indexing is None else indexing
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    ts = [tensor_arg(t, "meshgrid", floating=False) for t in tensors]
    for t in ts:
        if t.ndim > 1:
            raise RuntimeError(f"meshgrid: expects 0-D or 1-D tensors, got shape "
                               f"{tuple(t.shape)}")
    axes = list(range(len(ts)))
    if indexing == "xy" and len(ts) >= 2:
        axes[0], axes[1] = 1, 0
    shape = [0] * len(ts)
    for t, axis in zip(ts, axes):
        shape[axis] = t.numel()
    grids = []
    for t, axis in zip(ts, axes):
        view = [1] * len(ts)
        view[axis] = t.numel()
        grids.append(broadcast_to(reshape(t, tuple(view)), tuple(shape)))
    return tuple(grids)
