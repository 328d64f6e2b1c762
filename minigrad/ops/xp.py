"""NumPy's names for minigrad's ops: the ``ctx.xp`` of a backward recorded under
``create_graph=True``.

A backward formula is written once, as ``grad * ctx.xp.cos(x)``. In an
ordinary backward ``ctx.xp`` is NumPy and the formula runs on arrays; under
``create_graph=True`` it is this module and the formula runs on Tensors, every
step recorded, so the gradient can itself be differentiated. Only the names
the backward formulas use are here, with NumPy's argument names.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtypes
from .._tensor import Tensor
from .activation import erf, tanh
from .arithmetic import matmul
from .cumulative import cumsum as _cumsum
from .einsum import einsum as _einsum
from .movement import roll as _roll
from .pointwise import ceil, cos, exp, floor, log, maximum, minimum, sign, sin, where
from .reduction import sum as _sum
from .shape import broadcast_to, flip, permute, swapaxes, tril, triu

__all__ = [
    "broadcast_to", "ceil", "cos", "cumsum", "einsum", "erf", "exp", "flip", "floor", "log",
    "matmul", "maximum", "minimum", "ones_like", "roll", "sign", "sin", "sum", "swapaxes",
    "tanh", "transpose", "tril", "triu", "where",
]


def sum(a: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    """``np.sum(a, axis, keepdims)``."""
    return _sum(a, axis, keepdims)


def cumsum(a: Tensor, axis: int) -> Tensor:
    """``np.cumsum(a, axis)``."""
    return _cumsum(a, axis)


def einsum(subscripts: str, *operands: Tensor) -> Tensor:
    """``np.einsum(subscripts, *operands)`` (explicit subscripts)."""
    return _einsum(subscripts, *operands)


def roll(a: Tensor, shift: Any, axis: Any = None) -> Tensor:
    """``np.roll(a, shift, axis)``."""
    return _roll(a, shift, axis)


def transpose(a: Tensor, axes: Any = None) -> Tensor:
    """``np.transpose(a, axes)``: reverse the dims, or reorder them as ``axes`` says."""
    axes = tuple(reversed(range(a.ndim))) if axes is None else tuple(int(d) for d in axes)
    return permute(a, axes)


def ones_like(a: Tensor, dtype: Any = None) -> Tensor:
    """``np.ones_like(a, dtype)``: a constant of ones (no gradient)."""
    dtype = a.dtype if dtype is None else _dtypes.canonical(dtype)
    return Tensor._make(np.ones(a.shape, dtype), False, None)
