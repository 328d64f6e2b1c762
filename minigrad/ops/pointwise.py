"""Elementwise math: exp, log, sqrt, trig, abs, maximum/minimum, clamp, where.

Also the ops with no gradient (sign, floor, round, comparisons), which
return tensors that never require grad.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtypes
from .._tensor import Tensor, tensor_method
from ..autograd.function import Function
from ._args import (
    as_operand,
    binary_operands,
    float_input,
    normalize_dims,
    numpy_aliases,
    write_out,
)
from .arithmetic import mul, pow


class Exp(Function):
    @staticmethod
    def forward(ctx, x):
        out = np.exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out  # d exp(x)/dx = exp(x)


class Log(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / x  # d ln(x)/dx = 1/x


class Log1p(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log1p(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x + 1)  # d ln(1+x)/dx = 1/(1+x)


class Sqrt(Function):
    @staticmethod
    def forward(ctx, x):
        out = np.sqrt(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad / (out * 2)  # d sqrt(x)/dx = 1/(2 sqrt(x))


class Sin(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * ctx.xp.cos(x)  # d sin(x)/dx = cos(x)


class Cos(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.cos(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return -grad * ctx.xp.sin(x)  # d cos(x)/dx = -sin(x)


class Abs(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * ctx.xp.sign(x)  # d|x|/dx = sign(x), 0 at 0


class Maximum(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        # the larger input takes the gradient; ties split it evenly (as PyTorch does)
        share_a = (a > b) + (a == b) * 0.5
        grad_a = grad * share_a if ctx.needs_input_grad[0] else None
        grad_b = grad * (1 - share_a) if ctx.needs_input_grad[1] else None
        return grad_a, grad_b


class Minimum(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        share_a = (a < b) + (a == b) * 0.5
        grad_a = grad * share_a if ctx.needs_input_grad[0] else None
        grad_b = grad * (1 - share_a) if ctx.needs_input_grad[1] else None
        return grad_a, grad_b


class Clamp(Function):
    @staticmethod
    def forward(ctx, x, low, high):
        ctx.save_for_backward(x)
        ctx.low, ctx.high = low, high
        return np.clip(x, low, high)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        inside = ctx.xp.ones_like(x, dtype=bool) if ctx.low is None else x >= ctx.low
        if ctx.high is not None:
            inside = inside * (x <= ctx.high)
        return grad * inside, None, None  # slope 1 inside [low, high], 0 outside


class Where(Function):
    @staticmethod
    def forward(ctx, condition, a, b):
        ctx.save_for_backward(condition)
        return np.where(condition, a, b)

    @staticmethod
    def backward(ctx, grad):
        (condition,) = ctx.saved_tensors
        grad_a = ctx.xp.where(condition, grad, 0) if ctx.needs_input_grad[1] else None
        grad_b = ctx.xp.where(condition, 0, grad) if ctx.needs_input_grad[2] else None
        return None, grad_a, grad_b


@tensor_method("exp")
def exp(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """e to the power of each element.

    >>> import minigrad as mg
    >>> mg.exp(mg.tensor([0.0, 1.0]))
    tensor([1.    , 2.7183])
    """
    return write_out(Exp.apply(float_input(input)), out, "exp")


@tensor_method("log")
def log(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Natural logarithm (nan for negatives, -inf at 0, like NumPy)."""
    return write_out(Log.apply(float_input(input)), out, "log")


@tensor_method("log1p")
def log1p(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """ln(1 + x), accurate for small x."""
    return write_out(Log1p.apply(float_input(input)), out, "log1p")


@tensor_method("sqrt")
def sqrt(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Square root."""
    return write_out(Sqrt.apply(float_input(input)), out, "sqrt")


@tensor_method("rsqrt")
def rsqrt(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """1 / sqrt(x)."""
    return write_out(pow(input, -0.5), out, "rsqrt")


@tensor_method("square")
def square(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """x * x."""
    return write_out(mul(input, input), out, "square")


@tensor_method("sin")
def sin(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Sine."""
    return write_out(Sin.apply(float_input(input)), out, "sin")


@tensor_method("cos")
def cos(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Cosine."""
    return write_out(Cos.apply(float_input(input)), out, "cos")


@tensor_method("abs", "__abs__")
def abs(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Absolute value (gradient 0 at 0, as PyTorch)."""
    return write_out(Abs.apply(input), out, "abs")


@tensor_method("maximum")
def maximum(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """Elementwise maximum of two tensors; on ties each gets half the gradient."""
    return write_out(Maximum.apply(*binary_operands(input, other, "maximum")), out, "maximum")


@tensor_method("minimum")
def minimum(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """Elementwise minimum of two tensors; on ties each gets half the gradient."""
    return write_out(Minimum.apply(*binary_operands(input, other, "minimum")), out, "minimum")


@tensor_method("clamp", "clip")
def clamp(input: Tensor, min: Any = None, max: Any = None, *,
          out: Tensor | None = None) -> Tensor:
    """Limit values to [min, max]; the gradient is 1 inside and 0 outside.

    >>> import minigrad as mg
    >>> mg.clamp(mg.tensor([-2.0, 0.5, 3.0]), min=-1, max=1)
    tensor([-1. ,  0.5,  1. ])
    """
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        result = input
        if min is not None:
            result = maximum(result, min)
        if max is not None:
            result = minimum(result, max)
        return write_out(result, out, "clamp")
    return write_out(Clamp.apply(input, min, max), out, "clamp")


clip = clamp


def where(condition: Any, input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """``input`` where ``condition`` is true, else ``other`` (broadcasting all three).

    >>> import minigrad as mg
    >>> x = mg.tensor([-1.0, 2.0])
    >>> mg.where(x > 0, x, 0.0)
    tensor([0., 2.])
    """
    cond = as_operand(condition, "where")
    if isinstance(cond, Tensor):
        if cond._array.dtype != np.bool_:
            cond = Tensor._make(cond._array.astype(bool), False, None)
    else:
        cond = Tensor._make(np.asarray(cond, dtype=bool), False, None)
    a = as_operand(input, "where")
    b = as_operand(other, "where")
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        a, b = binary_operands(a, b, "where")
    elif not isinstance(a, Tensor) and not isinstance(b, Tensor):
        dtype = _dtypes.DEFAULT_FLOAT if isinstance(a, float) else None
        a = Tensor._make(np.asarray(a, dtype=dtype), False, None)
    return write_out(Where.apply(cond, a, b), out, "where")


@tensor_method("where")
def _where_method(self: Tensor, condition: Any, other: Any) -> Tensor:
    """``x.where(condition, y)`` is ``where(condition, x, y)``."""
    return where(condition, self, other)


# ------------------------------------------------------------ no gradient
def _no_grad(values: np.ndarray) -> Tensor:
    return Tensor._make(np.asarray(values), False, None)


@tensor_method("sign")
def sign(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """-1, 0 or 1 for each element (no gradient)."""
    return write_out(_no_grad(np.sign(input._array)), out, "sign")


@tensor_method("floor")
def floor(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Round down (no gradient)."""
    return write_out(_no_grad(np.floor(input._array)), out, "floor")


@tensor_method("ceil")
def ceil(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Round up (no gradient)."""
    return write_out(_no_grad(np.ceil(input._array)), out, "ceil")


@tensor_method("round")
def round(input: Tensor, decimals: int = 0, *, out: Tensor | None = None) -> Tensor:
    """Round half to even, like PyTorch (no gradient)."""
    return write_out(_no_grad(np.round(input._array, decimals)), out, "round")


@tensor_method("isnan")
def isnan(input: Tensor) -> Tensor:
    return _no_grad(np.isnan(input._array))


@tensor_method("isinf")
def isinf(input: Tensor) -> Tensor:
    return _no_grad(np.isinf(input._array))


@tensor_method("isfinite")
def isfinite(input: Tensor) -> Tensor:
    return _no_grad(np.isfinite(input._array))


def _compare(ufunc: np.ufunc, name: str) -> Any:
    def compare(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
        a, b = (x._array if isinstance(x, Tensor) else x
                for x in (as_operand(input, name), as_operand(other, name)))
        try:
            result = _no_grad(ufunc(a, b))
        except ValueError as exc:
            raise ValueError(
                f"{name}: shapes {np.shape(a)} and {np.shape(b)} can't be broadcast together"
            ) from exc
        return write_out(result, out, name)

    compare.__name__ = name
    compare.__doc__ = f"Elementwise ``{name}`` comparison; returns a bool tensor (no gradient)."
    return compare


eq = tensor_method("eq", "__eq__")(_compare(np.equal, "eq"))
ne = tensor_method("ne", "__ne__")(_compare(np.not_equal, "ne"))
lt = tensor_method("lt", "__lt__")(_compare(np.less, "lt"))
le = tensor_method("le", "__le__")(_compare(np.less_equal, "le"))
gt = tensor_method("gt", "__gt__")(_compare(np.greater, "gt"))
ge = tensor_method("ge", "__ge__")(_compare(np.greater_equal, "ge"))
logical_and = tensor_method("logical_and", "__and__")(_compare(np.logical_and, "logical_and"))
logical_or = tensor_method("logical_or", "__or__")(_compare(np.logical_or, "logical_or"))
logical_xor = tensor_method("logical_xor", "__xor__")(_compare(np.logical_xor, "logical_xor"))


@tensor_method("logical_not", "__invert__")
def logical_not(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    return write_out(_no_grad(np.logical_not(input._array)), out, "logical_not")


@tensor_method("all")
@numpy_aliases
def all(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """True where every element (along ``dim``) is nonzero; a bool tensor, no gradient."""
    dims = normalize_dims(dim, input.ndim, "all") if input.ndim else None
    return _no_grad(np.all(input._array, axis=dims, keepdims=keepdim))


@tensor_method("any")
@numpy_aliases
def any(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """True where some element (along ``dim``) is nonzero; a bool tensor, no gradient."""
    dims = normalize_dims(dim, input.ndim, "any") if input.ndim else None
    return _no_grad(np.any(input._array, axis=dims, keepdims=keepdim))


@tensor_method("allclose")
def allclose(input: Tensor, other: Any, rtol: float = 1e-5, atol: float = 1e-8) -> bool:
    """True when all elements are close (a Python bool, like PyTorch)."""
    b = other._array if isinstance(other, Tensor) else other
    return bool(np.allclose(input._array, b, rtol=rtol, atol=atol))


@tensor_method("equal")
def equal(input: Tensor, other: Tensor) -> bool:
    """True when shapes and all values are equal."""
    return input.shape == other.shape and bool(np.array_equal(input._array, other._array))
