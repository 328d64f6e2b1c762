"""Writes at indices along a dimension: ``scatter``, ``scatter_add``, ``index_add``,
``index_fill``, their in-place forms, and ``masked_select``.

All are built on indexing's differentiable pieces (``GetItem``, ``IndexAdd``, ``IndexPut``),
so gradients, second derivatives and the in-place version checks come from there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._tensor import Tensor, tensor_method
from .indexing import GetItem, IndexAdd, IndexPut, _check_in_range
from .inplace import _records, _snapshot, _write, commit
from .shape import broadcast_to


def _index_array(index: Any, op: str) -> np.ndarray:
    idx = index._array if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{op}: index must be an integer tensor, got dtype {idx.dtype}")
    return idx


def _dim(dim: int, ndim: int, op: str) -> int:
    n = max(ndim, 1)
    if isinstance(dim, bool) or not isinstance(dim, int | np.integer) or not -n <= dim < n:
        raise IndexError(f"{op}: dim {dim!r} is out of range for a tensor with {ndim} "
                         "dimension(s)")
    return int(dim) % n


def _scatter_positions(input: Tensor, dim: int, index: Any, src: Any,
                       op: str) -> tuple[int, tuple[np.ndarray, ...], np.ndarray]:
    """PyTorch's scatter rules: ``index`` has ``input``'s number of dims, is no larger than
    ``src`` in any dim nor ``input`` outside ``dim``; the result is the dim, the positions
    in ``input`` (an index tuple) and the index array."""
    idx = _index_array(index, op)
    d = _dim(dim, input.ndim, op)
    if idx.ndim != input.ndim:
        raise ValueError(f"{op}: index has {idx.ndim} dims but input has {input.ndim} "
                         f"(shapes {idx.shape} and {tuple(input.shape)})")
    for i, n in enumerate(idx.shape):
        if i != d and n > input.shape[i]:
            raise RuntimeError(f"{op}: index {idx.shape} is larger than input "
                               f"{tuple(input.shape)} in dimension {i}")
        if isinstance(src, Tensor) and (src.ndim != idx.ndim or n > src.shape[i]):
            raise RuntimeError(f"{op}: index {idx.shape} is larger than src "
                               f"{tuple(src.shape)} in dimension {i}")
    _check_in_range(idx, input.shape[d], d, op)
    grids = list(np.indices(idx.shape, sparse=True))
    grids[d] = idx
    return d, tuple(grids), idx


def _part(src: Tensor, shape: tuple[int, ...]) -> Tensor:
    """``src[:shape[0], :shape[1], ...]``: the part of ``src`` an index of ``shape`` reads."""
    if tuple(src.shape) == shape:
        return src
    return GetItem.apply(src, tuple(slice(0, n) for n in shape))


def _value(value: Any, input: Tensor) -> Tensor:
    if isinstance(value, Tensor):
        return value.to(input.dtype) if value.dtype != input.dtype else value
    return Tensor._make(np.asarray(value, dtype=input.dtype), False, None)


def inplace_from(input: Tensor, op: str, fn: Callable[[Tensor], Tensor], other: Any) -> Tensor:
    """``input = fn(input)`` in place: recorded when grad mode needs it, else a plain write."""
    if _records(input, op, other):
        return commit(input, fn(_snapshot(input)), op)
    return _write(input, op, np.copyto, fn(input.detach()).numpy(force=True))


@tensor_method("scatter")
def scatter(input: Tensor, dim: int, index: Any, src: Any = None, *, value: Any = None,
            reduce: str | None = None) -> Tensor:
    """A copy of ``input`` with ``src`` written at ``index`` along ``dim`` (for a 2-D
    input and dim 0: ``out[index[i][j]][j] = src[i][j]``). ``src`` is a tensor (only its
    first ``index.shape`` part is read) or a number; ``value=`` is the number form.
    Where ``index`` repeats a position, which write wins is unspecified (as in PyTorch).

    >>> import minigrad as mg
    >>> mg.zeros(2, 3).scatter(0, mg.tensor([[1, 0, 1]]), mg.tensor([[5., 6., 7.]]))
    tensor([[0., 6., 0.],
            [5., 0., 7.]])
    """
    if reduce is not None:
        raise NotImplementedError(f"scatter: reduce={reduce!r} is not supported; use "
                                  "scatter_add for 'add'")
    if (src is None) == (value is None):
        raise TypeError("scatter: give src (a tensor or a number) or value, once")
    src = value if src is None else src
    _, positions, idx = _scatter_positions(input, dim, index, src, "scatter")
    if isinstance(src, Tensor):
        values = _part(_value(src, input), idx.shape)
    else:
        values = Tensor._make(np.full(idx.shape, src, dtype=input.dtype), False, None)
    return IndexPut.apply(input, values, positions, *_index_tensors(index))


@tensor_method("scatter_")
def scatter_(input: Tensor, dim: int, index: Any, src: Any = None, *, value: Any = None,
             reduce: str | None = None) -> Tensor:
    """``scatter`` written into ``input``; returns ``input``."""
    return inplace_from(input, "scatter_",
                    lambda x: scatter(x, dim, index, src, value=value, reduce=reduce), src)


@tensor_method("scatter_add")
def scatter_add(input: Tensor, dim: int, index: Any, src: Tensor) -> Tensor:
    """``input`` plus ``src`` added at ``index`` along ``dim`` (for dim 0:
    ``out[index[i][j]][j] += src[i][j]``); repeated positions accumulate.

    >>> import minigrad as mg
    >>> mg.zeros(3).scatter_add(0, mg.tensor([0, 2, 0]), mg.tensor([1., 2., 3.]))
    tensor([4., 0., 2.])
    """
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add: src must be a Tensor, got {type(src).__name__}")
    _, positions, idx = _scatter_positions(input, dim, index, src, "scatter_add")
    added = IndexAdd.apply(_part(_value(src, input), idx.shape), positions, tuple(input.shape))
    return input + added


@tensor_method("scatter_add_")
def scatter_add_(input: Tensor, dim: int, index: Any, src: Tensor) -> Tensor:
    """``scatter_add`` written into ``input``; returns ``input``."""
    return inplace_from(input, "scatter_add_", lambda x: scatter_add(x, dim, index, src), src)


def _along(input: Tensor, dim: int, index: Any, op: str) -> tuple[int, tuple[Any, ...]]:
    idx = _index_array(index, op)
    if idx.ndim > 1:
        raise IndexError(f"{op}: index must be a 1-D integer tensor, got shape {idx.shape}")
    d = _dim(dim, input.ndim, op)
    _check_in_range(idx.reshape(-1), input.shape[d] if input.ndim else 1, d, op)
    return d, (slice(None),) * d + (idx.reshape(-1),)


@tensor_method("index_add")
def index_add(input: Tensor, dim: int, index: Any, source: Tensor, *,
              alpha: float = 1) -> Tensor:
    """``input`` plus ``alpha * source`` added at the 1-D ``index`` along ``dim``
    (``out[:, index[i]] += alpha * source[:, i]`` for dim 1); repeats accumulate.

    >>> import minigrad as mg
    >>> mg.zeros(3, 2).index_add(0, mg.tensor([0, 0]), mg.ones(2, 2), alpha=2)
    tensor([[4., 4.],
            [0., 0.],
            [0., 0.]])
    """
    d, positions = _along(input, dim, index, "index_add")
    expected = tuple(input.shape[:d]) + (len(positions[-1]),) + tuple(input.shape[d + 1:])
    if not isinstance(source, Tensor) or tuple(source.shape) != expected:
        got = tuple(source.shape) if isinstance(source, Tensor) else type(source).__name__
        raise RuntimeError(f"index_add: source must be a Tensor of shape {expected} "
                           f"(input {tuple(input.shape)}, dim {d}, {expected[d]} indices), "
                           f"got {got}")
    source = _value(source, input)
    if alpha != 1:
        source = source * alpha
    return input + IndexAdd.apply(source, positions, tuple(input.shape))


@tensor_method("index_add_")
def index_add_(input: Tensor, dim: int, index: Any, source: Tensor, *,
               alpha: float = 1) -> Tensor:
    """``index_add`` written into ``input``; returns ``input``."""
    return inplace_from(input, "index_add_",
                    lambda x: index_add(x, dim, index, source, alpha=alpha), source)


@tensor_method("index_fill")
def index_fill(input: Tensor, dim: int, index: Any, value: Any) -> Tensor:
    """A copy of ``input`` with the slices at the 1-D ``index`` along ``dim`` set to the
    number ``value`` (or a 0-dim tensor).

    >>> import minigrad as mg
    >>> mg.zeros(2, 3).index_fill(1, mg.tensor([0, 2]), -1.0)
    tensor([[-1.,  0., -1.],
            [-1.,  0., -1.]])
    """
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(f"index_fill: value must be a number or a 0-dim tensor, got a "
                           f"tensor of shape {tuple(value.shape)}")
    d, positions = _along(input, dim, index, "index_fill")
    # each slot once: a repeated index must not count a tensor value's gradient twice
    positions = positions[:d] + (np.unique(positions[d]),)
    return IndexPut.apply(input, _value(value, input), positions, *_index_tensors(index))


@tensor_method("index_fill_")
def index_fill_(input: Tensor, dim: int, index: Any, value: Any) -> Tensor:
    """``index_fill`` written into ``input``; returns ``input``."""
    return inplace_from(input, "index_fill_", lambda x: index_fill(x, dim, index, value), value)


@tensor_method("masked_select")
def masked_select(input: Tensor, mask: Any) -> Tensor:
    """The elements of ``input`` where the bool ``mask`` is true, as a 1-D tensor
    (``input`` and ``mask`` broadcast together first).

    >>> import minigrad as mg
    >>> mg.tensor([[1., 2.], [3., 4.]]).masked_select(mg.tensor([True, False]))
    tensor([1., 3.])
    """
    m = mask._array if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise TypeError(f"masked_select: mask must be a bool tensor, got dtype {m.dtype}")
    try:
        shape = np.broadcast_shapes(tuple(input.shape), m.shape)
    except ValueError:
        raise RuntimeError(f"masked_select: the shapes of input {tuple(input.shape)} and "
                           f"mask {m.shape} don't broadcast") from None
    x = input if tuple(input.shape) == shape else broadcast_to(input, shape)
    return GetItem.apply(x, np.broadcast_to(m, shape), *_index_tensors(mask))


def _index_tensors(index: Any) -> tuple[Tensor, ...]:
    return (index,) if isinstance(index, Tensor) else ()
