"""Division that rounds: ``floor_divide`` (``//``), ``remainder`` (``%``), ``fmod``, and
``div(a, b, rounding_mode="floor" | "trunc")``.

As in PyTorch, ``remainder`` takes the divisor's sign (Python's ``%``) and ``fmod`` the
dividend's (C's); integer division by zero raises instead of giving NumPy's 0.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._tensor import Tensor, tensor_method
from ..autograd.function import Function
from ._args import binary_operands, write_out


def _check_divisor(b: Any, dtype: np.dtype, op: str) -> None:
    if dtype.kind in "iub" and np.any(np.asarray(b) == 0):
        raise ZeroDivisionError(f"{op}: integer division by zero")


class Remainder(Function):
    @staticmethod
    def forward(ctx, a, b):
        _check_divisor(b, np.result_type(a, b), "remainder")
        ctx.save_for_backward(a, b)
        with np.errstate(divide="ignore", invalid="ignore"):  # floats: nan, as in PyTorch
            return np.remainder(a, b)

    @staticmethod
    def backward(ctx, grad):
        # a % b = a - floor(a / b) b: d/da = 1, d/db = -floor(a / b)
        a, b = ctx.saved_tensors
        grad_b = -grad * ctx.xp.floor(a / b) if ctx.needs_input_grad[1] else None
        return grad, grad_b


class Fmod(Function):
    @staticmethod
    def forward(ctx, a, b):
        _check_divisor(b, np.result_type(a, b), "fmod")
        ctx.save_for_backward(a, b)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.fmod(a, b)

    @staticmethod
    def backward(ctx, grad):
        # fmod(a, b) = a - trunc(a / b) b: d/da = 1, d/db = -trunc(a / b)
        a, b = ctx.saved_tensors
        if not ctx.needs_input_grad[1]:
            return grad, None
        q = a / b
        return grad, -grad * ctx.xp.where(q < 0, ctx.xp.ceil(q), ctx.xp.floor(q))


class RoundedDiv(Function):
    name = "div"

    @staticmethod
    def forward(ctx, a, b, mode):
        _check_divisor(b, np.result_type(a, b), "div")
        with np.errstate(divide="ignore", invalid="ignore"):  # floats: inf or nan
            if mode == "floor":
                return np.floor_divide(a, b)
            if np.result_type(a, b).kind in "iu":
                return (a - np.fmod(a, b)) // b  # exact for integers, unlike trunc(a / b)
            return np.trunc(np.true_divide(a, b))

    @staticmethod
    def backward(ctx, grad):
        # a step function of a and b: its derivative is 0 wherever it exists
        zero = grad * 0
        return zero, zero, None


def rounded_div(input: Any, other: Any, rounding_mode: str) -> Tensor:
    """``div`` with ``rounding_mode``: "floor" rounds the quotient down, "trunc" toward 0."""
    if rounding_mode not in ("floor", "trunc"):
        raise ValueError(f"div: rounding_mode must be None, 'trunc' or 'floor', got "
                         f"{rounding_mode!r}")
    a, b = binary_operands(input, other, "div")
    return RoundedDiv.apply(a, b, rounding_mode)


@tensor_method("floor_divide")
def floor_divide(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """``input // other``, rounded down (``div(input, other, rounding_mode="floor")``).

    >>> import minigrad as mg
    >>> mg.tensor([7, -7]) // 2
    tensor([ 3, -4])
    """
    return write_out(rounded_div(input, other, "floor"), out, "floor_divide")


@tensor_method("remainder")
def remainder(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """``input % other`` with the divisor's sign, as Python's ``%``.

    >>> import minigrad as mg
    >>> mg.tensor([7, -7]) % 3, mg.remainder(mg.tensor([5.5]), 2)
    (tensor([1, 2]), tensor([1.5]))
    """
    return write_out(Remainder.apply(*binary_operands(input, other, "remainder")), out,
                     "remainder")


@tensor_method("fmod")
def fmod(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """The remainder with the dividend's sign, as C's ``fmod``.

    >>> import minigrad as mg
    >>> mg.fmod(mg.tensor([7, -7]), 3)
    tensor([ 1, -1])
    """
    return write_out(Fmod.apply(*binary_operands(input, other, "fmod")), out, "fmod")


@tensor_method("__floordiv__")
def _floordiv(self: Tensor, other: Any) -> Tensor:
    return floor_divide(self, other)


@tensor_method("__rfloordiv__")
def _rfloordiv(self: Tensor, other: Any) -> Tensor:
    return floor_divide(other, self)


@tensor_method("__mod__")
def _mod(self: Tensor, other: Any) -> Tensor:
    return remainder(self, other)


@tensor_method("__rmod__")
def _rmod(self: Tensor, other: Any) -> Tensor:
    return remainder(other, self)
