"""More movement ops under PyTorch's names: roll, narrow, select, view_as, contiguous,
unbind, numel; and the products that check their ranks: mm, bmm, mv, dot, outer."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._tensor import Tensor, tensor_method
from ..autograd.function import Function
from ._args import check_dim, numpy_aliases, write_out
from .arithmetic import matmul
from .indexing import getitem
from .shape import reshape


class Roll(Function):
    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        return np.roll(x, shifts, dims)

    @staticmethod
    def backward(ctx, grad):
        # rolling is a permutation of the elements: its gradient rolls back
        back = tuple(-s for s in ctx.shifts) if ctx.dims is not None else -ctx.shifts
        return ctx.xp.roll(grad, back, ctx.dims), None, None


def _ints(value: Any) -> tuple[int, ...]:
    return tuple(int(v) for v in value) if isinstance(value, tuple | list) else (int(value),)


@tensor_method("roll")
def roll(input: Tensor, shifts: Any, dims: Any = None) -> Tensor:
    """Shift elements along ``dims`` by ``shifts``, wrapping around (PyTorch's roll).

    Without ``dims`` the tensor is flattened, rolled and given its shape back.

    >>> import minigrad as mg
    >>> mg.roll(mg.arange(5), 2).tolist()
    [3, 4, 0, 1, 2]
    """
    if dims is None:
        if isinstance(shifts, tuple | list) and len(shifts) != 1:
            raise ValueError(f"roll: without dims, shifts must be one int, got {shifts}")
        return Roll.apply(input, _ints(shifts)[0], None)
    shift_t, dim_t = _ints(shifts), _ints(dims)
    if len(shift_t) != len(dim_t):
        raise ValueError(f"roll: shifts and dims must align, got shifts={shifts} "
                         f"and dims={dims}")
    dim_t = tuple(check_dim(d, input.ndim, "roll") for d in dim_t)
    return Roll.apply(input, shift_t, dim_t)


@tensor_method("narrow")
@numpy_aliases
def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """``input`` restricted to ``start .. start + length - 1`` along ``dim``.

    >>> import minigrad as mg
    >>> mg.arange(6).reshape(2, 3).narrow(1, 1, 2).tolist()
    [[1, 2], [4, 5]]
    """
    if input.ndim == 0:
        raise ValueError("narrow: cannot be applied to a 0-dim tensor")
    d = check_dim(dim, input.ndim, "narrow")
    size = input.shape[d]
    start = int(start) + (size if int(start) < 0 else 0)
    if not 0 <= start <= size:
        raise IndexError(f"narrow: start ({start}) out of range for dimension {dim} of "
                         f"size {size}")
    if length < 0 or start + length > size:
        raise ValueError(f"narrow: start ({start}) + length ({length}) exceeds dimension "
                         f"{dim} of size {size}")
    index = [slice(None)] * input.ndim
    index[d] = slice(start, start + length)
    return getitem(input, tuple(index))


@tensor_method("select")
def select(input: Tensor, dim: int, index: int) -> Tensor:
    """The slice at ``index`` along ``dim``, that dimension removed (``x.select(0, i)`` is
    ``x[i]``).

    >>> import minigrad as mg
    >>> mg.arange(6).reshape(2, 3).select(1, -1).tolist()
    [2, 5]
    """
    if input.ndim == 0:
        raise ValueError("select: cannot be applied to a 0-dim tensor")
    d = check_dim(dim, input.ndim, "select")
    size = input.shape[d]
    if not -size <= index < size:
        raise IndexError(f"select: index {index} out of range for dimension {dim} of size "
                         f"{size}")
    where: list[Any] = [slice(None)] * input.ndim
    where[d] = int(index)
    return getitem(input, tuple(where))


@tensor_method("view_as", "reshape_as")
def view_as(input: Tensor, other: Tensor) -> Tensor:
    """``input`` reshaped to ``other``'s shape."""
    return reshape(input, tuple(other.shape))


@tensor_method("contiguous")
def contiguous(input: Tensor, memory_format: Any = None) -> Tensor:
    """``input`` itself: minigrad's ops accept any memory layout, so there is nothing to
    make contiguous (PyTorch also returns the tensor itself when it already is)."""
    return input


@tensor_method("is_contiguous")
def is_contiguous(input: Tensor, memory_format: Any = None) -> bool:
    """Whether the values are laid out in C order without gaps."""
    return bool(input.numpy(force=True).flags.c_contiguous)


@tensor_method("mm")
def mm(input: Tensor, mat2: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The product of two matrices, (n, m) @ (m, p); both must be 2-D (see ``matmul``)."""
    if input.ndim != 2 or mat2.ndim != 2:
        raise ValueError(f"mm: both arguments must be 2-D matrices, got shapes "
                         f"{tuple(input.shape)} and {tuple(mat2.shape)}")
    return write_out(matmul(input, mat2), out, "mm")


@tensor_method("bmm")
def bmm(input: Tensor, mat2: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Batched matrix product, (b, n, m) @ (b, m, p); both 3-D with the same batch size."""
    if input.ndim != 3 or mat2.ndim != 3:
        raise ValueError(f"bmm: both arguments must be 3-D, got shapes "
                         f"{tuple(input.shape)} and {tuple(mat2.shape)}")
    if input.shape[0] != mat2.shape[0]:
        raise ValueError(f"bmm: batch sizes differ: {tuple(input.shape)} and "
                         f"{tuple(mat2.shape)}")
    return write_out(matmul(input, mat2), out, "bmm")


@tensor_method("mv")
def mv(input: Tensor, vec: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The product of a matrix (n, m) and a vector (m,): a vector (n,).

    >>> import minigrad as mg
    >>> mg.mv(mg.tensor([[1.0, 2.0], [3.0, 4.0]]), mg.tensor([1.0, 1.0]))
    tensor([3., 7.])
    """
    if input.ndim != 2 or vec.ndim != 1:
        raise ValueError(f"mv: expects a 2-D matrix and a 1-D vector, got shapes "
                         f"{tuple(input.shape)} and {tuple(vec.shape)}")
    return write_out(matmul(input, vec), out, "mv")


def _vectors(op: str, input: Tensor, other: Tensor) -> None:
    if input.ndim != 1 or other.ndim != 1:
        raise ValueError(f"{op}: 1D tensors expected, got shapes {tuple(input.shape)} and "
                         f"{tuple(other.shape)}")


@tensor_method("dot")
def dot(input: Tensor, tensor: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The inner product of two 1-D tensors of the same length, as a 0-dim tensor.

    >>> import minigrad as mg
    >>> mg.dot(mg.tensor([1.0, 2.0, 3.0]), mg.tensor([4.0, 5.0, 6.0]))
    tensor(32.)
    """
    _vectors("dot", input, tensor)
    if input.shape != tensor.shape:
        raise ValueError(f"dot: the vectors must have the same length, got {input.shape[0]} "
                         f"and {tensor.shape[0]}")
    return write_out(matmul(input, tensor), out, "dot")


@tensor_method("outer", "ger")
def outer(input: Tensor, vec2: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The outer product of two 1-D tensors: ``out[i, j] = input[i] * vec2[j]``.

    >>> import minigrad as mg
    >>> mg.outer(mg.tensor([1.0, 2.0]), mg.tensor([1.0, 10.0, 100.0]))
    tensor([[  1.,  10., 100.],
            [  2.,  20., 200.]])
    """
    _vectors("outer", input, vec2)
    return write_out(reshape(input, (-1, 1)) * reshape(vec2, (1, -1)), out, "outer")


@tensor_method("unbind")
def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices along ``dim``, that dimension removed: ``x.unbind(0) == tuple(x)``.

    >>> import minigrad as mg
    >>> [t.tolist() for t in mg.tensor([[1, 2], [3, 4]]).unbind(1)]
    [[1, 3], [2, 4]]
    """
    if input.ndim == 0:
        raise ValueError("unbind: cannot be applied to a 0-dim tensor")
    d = check_dim(dim, input.ndim, "unbind")
    return tuple(select(input, d, i) for i in range(input.shape[d]))


def numel(input: Tensor) -> int:
    """The number of elements of ``input`` (``torch.numel(x)``, same as ``x.numel()``)."""
    return input.numel()
