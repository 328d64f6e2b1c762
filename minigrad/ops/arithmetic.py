"""Arithmetic: + - * / ** @ and negation.

Backward formulas return gradients in the output's (broadcast) shape; the
engine sums them back to each input's shape.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._tensor import Tensor, tensor_method
from ..autograd.function import Function
from ._args import binary_operands, float_input, write_out


class Add(Function):
    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, grad):
        return grad, grad  # d(a+b)/da = d(a+b)/db = 1


class Sub(Function):
    name = "sub"

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, grad):
        return grad, -grad if ctx.needs_input_grad[1] else None


class Mul(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        grad_a = grad * b if ctx.needs_input_grad[0] else None  # d(ab)/da = b
        grad_b = grad * a if ctx.needs_input_grad[1] else None  # d(ab)/db = a
        return grad_a, grad_b


class Div(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a / b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        grad_a = grad / b if ctx.needs_input_grad[0] else None  # d(a/b)/da = 1/b
        grad_b = -grad * a / (b * b) if ctx.needs_input_grad[1] else None  # d(a/b)/db = -a/b^2
        return grad_a, grad_b


class Pow(Function):
    @staticmethod
    def forward(ctx, a, b):
        out = np.power(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_a = grad * b * a ** (b - 1)  # d(a^b)/da = b a^(b-1)
        if ctx.needs_input_grad[1]:
            # d(a^b)/db = a^b ln a (taken as 0 where a == 0)
            with np.errstate(divide="ignore", invalid="ignore"):
                log_a = ctx.xp.log(ctx.xp.where(a == 0, 1, a))
            grad_b = grad * out * log_a
        return grad_a, grad_b


class Neg(Function):
    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, grad):
        return -grad


class MatMul(Function):
    @staticmethod
    def forward(ctx, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(
                f"matmul: both arguments need at least 1 dimension, got shapes {a.shape} and "
                f"{b.shape}"
            )
        k_a = a.shape[-1]
        k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
        if k_a != k_b:
            raise ValueError(
                f"matmul: shapes {a.shape} {a.dtype} and {b.shape} {b.dtype} don't line up "
                f"({k_a} != {k_b})"
            )
        ctx.save_for_backward(a, b)
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        a2 = a.reshape((1, a.shape[0])) if a.ndim == 1 else a
        b2 = b.reshape((b.shape[0], 1)) if b.ndim == 1 else b
        if b.ndim == 1:
            grad = grad[..., None]
        if a.ndim == 1:
            grad = grad[..., None, :]
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_a = grad @ ctx.xp.swapaxes(b2, -1, -2)  # dL/dA = G B^T
            if a.ndim == 1:
                grad_a = grad_a[..., 0, :]
        if ctx.needs_input_grad[1]:
            grad_b = ctx.xp.swapaxes(a2, -1, -2) @ grad  # dL/dB = A^T G
            if b.ndim == 1:
                grad_b = grad_b[..., 0]
        return grad_a, grad_b


@tensor_method("add")
def add(input: Any, other: Any, alpha: float = 1, *, out: Tensor | None = None) -> Tensor:
    """``input + alpha * other`` with broadcasting.

    >>> import minigrad as mg
    >>> mg.add(mg.tensor([1.0, 2.0]), 10)
    tensor([11., 12.])
    """
    if out is not None:  # PyTorch's out=: compute, then write into out
        return write_out(add(input, other, alpha), out, "add")
    if alpha != 1:
        other = mul(other, alpha)
    return Add.apply(*binary_operands(input, other, "add"))


@tensor_method("sub", "subtract")
def sub(input: Any, other: Any, alpha: float = 1, *, out: Tensor | None = None) -> Tensor:
    """``input - alpha * other`` with broadcasting."""
    if out is not None:  # PyTorch's out=: compute, then write into out
        return write_out(sub(input, other, alpha), out, "sub")
    if alpha != 1:
        other = mul(other, alpha)
    return Sub.apply(*binary_operands(input, other, "sub"))


@tensor_method("mul", "multiply")
def mul(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """Elementwise product with broadcasting."""
    if out is not None:  # PyTorch's out=: compute, then write into out
        return write_out(mul(input, other), out, "mul")
    return Mul.apply(*binary_operands(input, other, "mul"))


@tensor_method("div", "divide")
def div(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """True division with broadcasting (integer inputs give the default float dtype,
    as in PyTorch)."""
    if out is not None:  # PyTorch's out=: compute, then write into out
        return write_out(div(input, other), out, "div")
    a, b = binary_operands(input, other, "div")
    return Div.apply(float_input(a), float_input(b))


@tensor_method("pow")
def pow(input: Any, exponent: Any, *, out: Tensor | None = None) -> Tensor:
    """``input ** exponent``; either may be a tensor or a scalar."""
    return write_out(Pow.apply(*binary_operands(input, exponent, "pow")), out, "pow")


@tensor_method("neg", "negative", "__neg__")
def neg(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``-input``."""
    return write_out(Neg.apply(input), out, "neg")


@tensor_method("matmul", "__matmul__")
def matmul(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """Matrix product with NumPy's rules: 1-D @ 1-D is a dot product, 1-D operands are
    promoted to matrices and the added dimension removed, and leading batch
    dimensions broadcast.

    >>> import minigrad as mg
    >>> (mg.ones(2, 3) @ mg.ones(3)).tolist()
    [3.0, 3.0]
    """
    if out is not None:  # PyTorch's out=: compute, then write into out
        return write_out(matmul(input, other), out, "matmul")
    a, b = binary_operands(input, other, "matmul")
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError("matmul: both operands must be tensors or arrays, not scalars")
    if a is not input or b is not other:  # promoted: name the dtypes the caller passed
        try:
            return MatMul.apply(a, b)
        except ValueError as exc:
            given = ", ".join(str(getattr(t, "dtype", type(t).__name__)) for t in (input, other))
            raise ValueError(f"{exc} (given dtypes: {given})") from exc
    return MatMul.apply(a, b)


@tensor_method("__rmatmul__")
def _rmatmul(self: Tensor, other: Any) -> Tensor:
    return matmul(other, self)  # ``array @ x``


# ``x + y``, ``x * 2``, ``2 * x``: the operators. On small tensors the argument handling
# costs more than the arithmetic, so when there is nothing to convert (two float tensors of
# one dtype, or a float tensor and a Python number) they call the op's Function at once;
# anything else goes through the op function above.
def _operator(function: type[Function], general: Any) -> Any:
    def method(self: Tensor, other: Any) -> Tensor:
        if self._array.dtype.kind == "f":
            if type(other) is float or type(other) is int:
                return function.apply(self, other)
            if isinstance(other, Tensor) and other._array.dtype == self._array.dtype:
                return function.apply(self, other)
        return general(self, other)

    return method


def _reflected_operator(function: type[Function], general: Any) -> Any:
    def method(self: Tensor, other: Any) -> Tensor:
        if self._array.dtype.kind == "f" and (type(other) is float or type(other) is int):
            return function.apply(other, self)
        return general(other, self)

    return method


for _names, _function, _general in (
    (("__add__", "__radd__"), Add, add),
    (("__sub__", "__rsub__"), Sub, sub),
    (("__mul__", "__rmul__"), Mul, mul),
    (("__truediv__", "__rtruediv__"), Div, div),
    (("__pow__", "__rpow__"), Pow, pow),
):
    tensor_method(_names[0])(_operator(_function, _general))
    tensor_method(_names[1])(_reflected_operator(_function, _general))
del _names, _function, _general
