"""Indexing: ``x[...]`` with ints, slices, None, Ellipsis, integer arrays and boolean
masks; ``gather``, ``index_select``, ``masked_fill``.

``GetItem`` and ``IndexAdd`` are each other's adjoints: the gradient of a read
is a scatter-add into zeros (repeated indices accumulate), and the gradient of
that scatter-add is a read again, so second derivatives work too.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import kernels
from .._tensor import Tensor, tensor_method
from ..autograd.function import Function
from ..autograd.grad_mode import _state
from ._args import normalize_dims, numpy_aliases
from .pointwise import where


def normalize_index(index: Any, shape: tuple[int, ...], op: str) -> Any:
    """Turn Tensors and lists inside an index into arrays, and check that every integer
    (and every element of an integer array) is within the dimension it indexes.

    Raises IndexError naming the op, the index and the dimension's size, instead of
    NumPy's message from deep inside (or, for ``uint64`` indices, a silent wrap-around).
    """
    items = index if isinstance(index, tuple) else (index,)
    out = []
    for item in items:
        if isinstance(item, Tensor):
            item = item._array
        elif isinstance(item, list):
            item = np.asarray(item)
        if isinstance(item, np.ndarray) and item.dtype.kind not in "biu":
            raise IndexError(
                f"{op}: tensors used as indices must be integer or bool, got dtype {item.dtype}"
            )
        out.append(item)
    _check_bounds(out, shape, op)
    return tuple(out) if isinstance(index, tuple) else out[0]


def _consumed(item: Any) -> int:
    """How many of the indexed tensor's dims one index item uses up."""
    if item is None or item is Ellipsis:
        return 0
    if isinstance(item, np.ndarray) and item.dtype == np.bool_:
        return max(item.ndim, 1)
    return 1


def _check_bounds(items: list[Any], shape: tuple[int, ...], op: str) -> None:
    used = sum(_consumed(item) for item in items)
    if used > len(shape):
        raise IndexError(f"{op}: too many indices for a tensor of shape {shape}")
    dim = 0
    for item in items:
        if item is Ellipsis:
            dim += len(shape) - used
            continue
        is_int = isinstance(item, int | np.integer) and not isinstance(item, bool | np.bool_)
        is_int_array = isinstance(item, np.ndarray) and item.dtype.kind in "iu"
        if (is_int or is_int_array) and np.size(item):
            n = shape[dim]
            low, high = int(np.min(item)), int(np.max(item))
            if low < -n or high >= n:
                bad = low if low < -n else high
                raise IndexError(
                    f"{op}: index {bad} is out of bounds for dimension {dim} with size {n}"
                )
        dim += _consumed(item)


def _is_basic(index: Any) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return not any(isinstance(i, np.ndarray) and i.dtype != np.bool_ for i in items)


def _scatter_add(grad: np.ndarray, index: Any, shape: tuple[int, ...]) -> np.ndarray:
    """Zeros of ``shape`` with ``grad`` added at ``index`` (repeats accumulate). A float16
    gradient is accumulated in float32 (the kernels' dtypes) and rounded back once."""
    if grad.dtype == np.float16:
        return _scatter_add(grad.astype(np.float32), index, shape).astype(np.float16)
    out = np.zeros(shape, grad.dtype)
    if _is_basic(index):
        out[index] = grad  # basic and boolean indexing never repeat an element
        return out
    if isinstance(index, np.ndarray) and index.ndim >= 1 and len(shape) >= 1:
        rows = np.where(index < 0, index + shape[0], index).reshape(-1)
        width = int(np.prod(shape[1:]))
        kernels.scatter_add_rows(out.reshape(shape[0], width), rows, grad.reshape(-1, width))
        return out
    positions = np.arange(out.size).reshape(shape)[index]
    kernels.scatter_add_flat(out.reshape(-1), positions.reshape(-1), grad.reshape(-1))
    return out


class GetItem(Function):
    """``x[index]``. The index Tensors it came from follow as extra arguments: their
    arrays are saved, so editing one in place before backward is caught."""

    name = "index"

    @staticmethod
    def forward(ctx, x, index, *index_arrays):
        ctx.index, ctx.in_shape = index, x.shape
        if index_arrays:
            ctx.save_for_backward(*index_arrays)
        return np.asarray(x[index])

    @staticmethod
    def backward(ctx, grad):
        ctx.saved_tensors  # noqa: B018 - raises if an index was edited in place
        rest = (None,) * (len(ctx.parents) - 1)
        if ctx.create_graph:  # recorded: the scatter-add as a differentiable op
            return (IndexAdd.apply(grad, ctx.index, ctx.in_shape), *rest)
        return (_scatter_add(grad, ctx.index, ctx.in_shape), *rest)


class IndexAdd(Function):
    name = "index_add"

    @staticmethod
    def forward(ctx, grad, index, shape):
        ctx.index = index
        return _scatter_add(grad, index, shape)

    @staticmethod
    def backward(ctx, grad):
        return grad[ctx.index], None, None


class IndexPut(Function):
    """``x`` with ``value`` written at ``index`` (out of place): the recorded form of
    ``x[index] = value``. Index Tensors follow as extra arguments, as for ``GetItem``."""

    name = "__setitem__"

    @staticmethod
    def forward(ctx, x, value, index, *index_arrays):
        ctx.index = index
        if index_arrays:
            ctx.save_for_backward(*index_arrays)
        out = x.copy()
        out[index] = value
        return out

    @staticmethod
    def backward(ctx, grad):
        ctx.saved_tensors  # noqa: B018 - raises if an index was edited in place
        grad_x = None
        if ctx.needs_input_grad[0]:  # d out/dx = 1 where not overwritten, else 0
            keep = np.ones(ctx.out_shape, ctx.out_dtype)
            keep[ctx.index] = 0
            grad_x = grad * keep
        grad_value = grad[ctx.index] if ctx.needs_input_grad[1] else None  # d out[i]/dv = 1
        return (grad_x, grad_value) + (None,) * (len(ctx.parents) - 2)


@tensor_method("__getitem__")
def getitem(input: Tensor, index: Any) -> Tensor:
    """``input[index]``: NumPy's indexing rules, differentiable.

    >>> import minigrad as mg
    >>> x = mg.arange(6.0).reshape(2, 3)
    >>> x[:, [0, 0, 2]]
    tensor([[0., 0., 2.],
            [3., 3., 5.]])
    """
    return _index(input, normalize_index(index, input.shape, "index"), index)


def _index_tensors(index: Any) -> tuple[Tensor, ...]:
    """The integer/bool Tensors inside an index (the version check guards them)."""
    items = index if isinstance(index, tuple) else (index,)
    return tuple(i for i in items if isinstance(i, Tensor))


def _index(input: Tensor, normalized: Any, index: Any) -> Tensor:
    """``GetItem`` on a normalized index, with the Tensors of the original ``index``."""
    return GetItem.apply(input, normalized, *_index_tensors(index))


@tensor_method("__setitem__")
def setitem(input: Tensor, index: Any, value: Any) -> None:
    """``input[index] = value``, in place. Recorded (as PyTorch does) when ``value``
    requires grad or ``input`` is a non-leaf that does; refused on a leaf that requires
    grad while grad mode is on."""
    from .inplace import _check_writeable, _records, commit  # inplace builds on this module

    normalized = normalize_index(index, input.shape, "__setitem__")
    if _records(input, "__setitem__", value):
        if not isinstance(value, Tensor):
            value = Tensor._make(np.asarray(value, input.dtype), False, None)
        result = IndexPut.apply(input, value, normalized, *_index_tensors(index))
        commit(input, result, "__setitem__")
        return
    if _state.tracer is not None:
        _state.tracer.refuse("an unrecorded write x[index] = value (use no_grad() + copy_)")
    input._check_inplace("__setitem__")
    _check_writeable(input, "__setitem__")
    value = value._array if isinstance(value, Tensor) else value
    input._array[normalized] = value
    input._version += 1


def _check_in_range(idx: np.ndarray, n: int, dim: int, op: str) -> None:
    """PyTorch's rule for gather/index_select: every index in 0..n-1 (no negatives)."""
    if idx.size:
        low, high = int(idx.min()), int(idx.max())
        if low < 0 or high >= n:
            bad = low if low < 0 else high
            raise IndexError(f"{op}: index {bad} is out of range for dimension {dim} with "
                             f"size {n} (valid: 0..{n - 1})")


@tensor_method("index_select")
@numpy_aliases
def index_select(input: Tensor, dim: int, index: Any) -> Tensor:
    """Rows (or slices along ``dim``) picked by a 1-D integer ``index``."""
    idx = index._array if isinstance(index, Tensor) else np.asarray(index)
    if idx.ndim != 1 or idx.dtype.kind not in "iu":
        raise IndexError(f"index_select: index must be a 1-D integer tensor, got shape "
                         f"{idx.shape} and dtype {idx.dtype}")
    d = normalize_dims(dim, input.ndim, "index_select")[0]
    _check_in_range(idx, input.shape[d] if input.ndim else 1, d, "index_select")
    return _index(input, (slice(None),) * d + (idx,), index)


@tensor_method("gather")
@numpy_aliases
def gather(input: Tensor, dim: int, index: Any) -> Tensor:
    """``out[i][j] = input[i][index[i][j]]`` along ``dim`` (PyTorch's gather)."""
    idx = index._array if isinstance(index, Tensor) else np.asarray(index)
    d = normalize_dims(dim, input.ndim, "gather")[0]
    if idx.ndim != input.ndim:
        raise ValueError(f"gather: index has {idx.ndim} dims but input has {input.ndim} "
                         f"(shapes {idx.shape} and {input.shape})")
    if idx.dtype.kind not in "iu":
        raise TypeError(f"gather: index must be an integer tensor, got dtype {idx.dtype}")
    _check_in_range(idx, input.shape[d], d, "gather")
    grids = list(np.indices(idx.shape, sparse=True))
    grids[d] = idx
    return _index(input, tuple(grids), index)


@tensor_method("masked_fill")
def masked_fill(input: Tensor, mask: Any, value: Any) -> Tensor:
    """``value`` where ``mask`` is true, else ``input`` (mask broadcasts)."""
    m = mask._array if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise TypeError(f"masked_fill: mask must be a bool tensor, got dtype {m.dtype}")
    value = value.item() if isinstance(value, Tensor) else value
    fill = Tensor._make(np.asarray(value, dtype=input.dtype), False, None)
    return where(mask if isinstance(mask, Tensor) else m, fill, input)
