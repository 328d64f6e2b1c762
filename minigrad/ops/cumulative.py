"""Running totals along a dimension: cumsum."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._tensor import Tensor, tensor_method
from ..autograd.function import Function
from ._args import check_dim, tensor_arg, write_out


class Cumsum(Function):
    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        return np.cumsum(x, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        # out_i = sum_{j <= i} x_j, so dL/dx_j = sum_{i >= j} g_i: a cumsum from the end
        flipped = ctx.xp.flip(grad, ctx.dim)
        return ctx.xp.flip(ctx.xp.cumsum(flipped, axis=ctx.dim), ctx.dim), None


@tensor_method("cumsum")
def cumsum(input: Tensor, dim: int | None = None, *, dtype: Any = None,
           axis: int | None = None, out: Tensor | None = None) -> Tensor:
    """Running sums along ``dim`` (or NumPy's name, ``axis``): ``out[i] = input[0] + ... +
    input[i]``. Integer and bool inputs give int64 (as in PyTorch); ``dtype`` converts first.

    >>> import minigrad as mg
    >>> mg.cumsum(mg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), dim=1)
    tensor([[ 1.,  3.,  6.],
            [ 4.,  9., 15.]])
    """
    x = tensor_arg(input, "cumsum", floating=False)
    if dtype is not None:
        x = x.to(dtype)
    if (dim is None) == (axis is None):
        raise TypeError("cumsum: give dim (or its alias axis), once")
    d = check_dim(dim if axis is None else axis, x.ndim, "cumsum")
    if x.ndim == 0:
        return write_out(Cumsum.apply(x.reshape(1), 0).reshape(()), out, "cumsum")
    return write_out(Cumsum.apply(x, d), out, "cumsum")
