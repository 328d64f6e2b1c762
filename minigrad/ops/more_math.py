"""More elementwise math and small linear algebra, mostly composed of existing ops:
``tan sinh cosh atan2 reciprocal log2 exp2 lerp addmm cumprod``.

Only ``atan2`` needs its own Function; the rest are compositions, so their gradients
(and second derivatives) come from the ops they are built of.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._tensor import Tensor, tensor_method
from ..autograd.function import Function
from ._args import binary_operands, check_dim, float_input, tensor_arg, write_out
from .arithmetic import matmul
from .movement import unbind
from .pointwise import cos, exp, log, sin
from .shape import stack


class Atan2(Function):
    @staticmethod
    def forward(ctx, y, x):
        ctx.save_for_backward(y, x)
        return np.arctan2(y, x)

    @staticmethod
    def backward(ctx, grad):
        y, x = ctx.saved_tensors
        # d atan2(y, x)/dy = x / (x^2 + y^2), d/dx = -y / (x^2 + y^2)
        scaled = grad / (x * x + y * y)
        return scaled * x, -scaled * y


def _float(input: Any, op: str) -> Tensor:
    return float_input(tensor_arg(input, op, floating=False))


@tensor_method("tan")
def tan(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Elementwise tangent, ``sin(x) / cos(x)``."""
    x = _float(input, "tan")
    return write_out(sin(x) / cos(x), out, "tan")


@tensor_method("sinh")
def sinh(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Elementwise hyperbolic sine, ``(e^x - e^-x) / 2``."""
    x = _float(input, "sinh")
    return write_out((exp(x) - exp(-x)) * 0.5, out, "sinh")


@tensor_method("cosh")
def cosh(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Elementwise hyperbolic cosine, ``(e^x + e^-x) / 2``."""
    x = _float(input, "cosh")
    return write_out((exp(x) + exp(-x)) * 0.5, out, "cosh")


@tensor_method("atan2", "arctan2")
def atan2(input: Tensor, other: Any, *, out: Tensor | None = None) -> Tensor:
    """The angle of the point (``other``, ``input``) = (x, y), in (-pi, pi]: the
    elementwise arctangent of ``input / other`` in the right quadrant (broadcasts).

    >>> import minigrad as mg
    >>> mg.atan2(mg.tensor([1.0, -1.0]), mg.tensor([-1.0, -1.0]))
    tensor([ 2.3562, -2.3562])
    """
    y, x = binary_operands(float_input(input), float_input(other), "atan2")
    y = y if isinstance(y, Tensor) else Tensor._make(np.asarray(y, x.dtype), False, None)
    x = x if isinstance(x, Tensor) else Tensor._make(np.asarray(x, y.dtype), False, None)
    return write_out(Atan2.apply(y, x), out, "atan2")


@tensor_method("reciprocal")
def reciprocal(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Elementwise ``1 / x`` (integers give the default float dtype)."""
    return write_out(1.0 / _float(input, "reciprocal"), out, "reciprocal")


@tensor_method("log2")
def log2(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Elementwise base-2 logarithm."""
    return write_out(log(_float(input, "log2")) * (1 / math.log(2)), out, "log2")


@tensor_method("exp2")
def exp2(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Elementwise ``2 ** x``."""
    return write_out(exp(_float(input, "exp2") * math.log(2)), out, "exp2")


@tensor_method("lerp")
def lerp(input: Tensor, end: Any, weight: Any, *, out: Tensor | None = None) -> Tensor:
    """Linear interpolation ``input + weight * (end - input)``; ``weight`` is a number or
    a tensor (everything broadcasts).

    >>> import minigrad as mg
    >>> mg.lerp(mg.tensor([0.0, 10.0]), mg.tensor([10.0, 20.0]), 0.25)
    tensor([ 2.5, 12.5])
    """
    x = tensor_arg(input, "lerp")
    return write_out(x + weight * (end - x), out, "lerp")


@tensor_method("addmm")
def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: float = 1, alpha: float = 1,
          out: Tensor | None = None) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)`` for matrices ``mat1`` (n, m) and ``mat2``
    (m, p); ``input`` broadcasts to (n, p) (a bias row, typically).

    >>> import minigrad as mg
    >>> mg.addmm(mg.tensor([1.0, 2.0]), mg.eye(2), mg.ones(2, 2), alpha=2)
    tensor([[3., 4.],
            [3., 4.]])
    """
    if mat1.ndim != 2 or mat2.ndim != 2 or mat1.shape[1] != mat2.shape[0]:
        raise RuntimeError(f"addmm: mat1 and mat2 must be matrices (n, m) and (m, p), got "
                           f"shapes {tuple(mat1.shape)} and {tuple(mat2.shape)}")
    product = matmul(mat1, mat2)
    if alpha != 1:
        product = product * alpha
    if beta == 0:  # PyTorch ignores input then (even NaN in it)
        return write_out(product, out, "addmm")
    return write_out((input if beta == 1 else input * beta) + product, out, "addmm")


@tensor_method("cumprod")
def cumprod(input: Tensor, dim: int, *, dtype: Any = None,
            out: Tensor | None = None) -> Tensor:
    """Running products along ``dim``: ``out[i] = input[0] * ... * input[i]``. Integer
    and bool inputs give int64 (as in PyTorch); ``dtype`` converts first. The gradient is
    exact where inputs are zero (the products are recorded one step at a time).

    >>> import minigrad as mg
    >>> mg.cumprod(mg.tensor([1.0, 2.0, 3.0, 0.5]), dim=0)
    tensor([1., 2., 6., 3.])
    """
    x = tensor_arg(input, "cumprod", floating=False)
    if dtype is not None:
        x = x.to(dtype)
    elif x.dtype.kind in "biu":
        x = x.to(np.int64)
    d = check_dim(dim, x.ndim, "cumprod")
    if x.ndim == 0 or x.shape[d] == 0:
        return write_out(x.clone(), out, "cumprod")
    running = []
    for part in unbind(x, d):
        running.append(part if not running else running[-1] * part)
    return write_out(stack(running, d), out, "cumprod")
