"""More movement ops under PyTorch's names: roll, narrow, view_as, contiguous; and the
matrix products that check their ranks, mm and bmm."""

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
