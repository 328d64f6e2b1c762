"""Bind the ops to ``Tensor`` as operators and methods (``x + y``, ``x.sum()``...).

Each method is the public op function itself, so ``x.exp()`` and ``mg.exp(x)``
are the same code.
"""

from __future__ import annotations

from typing import Any

from .ops import activation, arithmetic, conversion, indexing, pointwise, reduction, shape
from .ops.numpy_protocol import array_function, array_ufunc
from .tensor import Tensor


def _fast(function: Any, general: Any) -> Any:
    """An operator method that skips argument conversion in the common cases (two float
    tensors of one dtype, or a float tensor and a Python number) and otherwise calls
    the general op function. Per-op overhead matters: small ops are dominated by it."""

    def method(self: Tensor, other: Any) -> Tensor:
        kind = self.data.dtype.kind
        if isinstance(other, Tensor):
            if other.data.dtype == self.data.dtype and kind == "f":
                return function.apply(self, other)
        elif (type(other) is float or type(other) is int) and kind == "f":
            return function.apply(self, other)
        return general(self, other)

    method.__name__ = general.__name__
    method.__doc__ = general.__doc__
    return method


def _fast_reflected(function: Any, general: Any) -> Any:
    """``number op tensor`` (``2 * x``, ``1 - x``) with the same fast path as ``_fast``."""

    def method(self: Tensor, other: Any) -> Tensor:
        if (type(other) is float or type(other) is int) and self.data.dtype.kind == "f":
            return function.apply(other, self)
        return general(other, self)

    method.__name__ = "r" + general.__name__
    return method


def _reflected(fn: Any) -> Any:
    def method(self: Tensor, other: Any) -> Tensor:
        return fn(other, self)

    return method


def _size_args(fn: Any) -> Any:
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        return fn(self, *args, **kwargs)

    return method


METHODS = {
    "__add__": _fast(arithmetic.Add, arithmetic.add),
    "__radd__": _fast_reflected(arithmetic.Add, arithmetic.add),
    "__sub__": _fast(arithmetic.Sub, arithmetic.sub),
    "__rsub__": _fast_reflected(arithmetic.Sub, arithmetic.sub),
    "__mul__": _fast(arithmetic.Mul, arithmetic.mul),
    "__rmul__": _fast_reflected(arithmetic.Mul, arithmetic.mul),
    "__truediv__": _fast(arithmetic.Div, arithmetic.div),
    "__rtruediv__": _fast_reflected(arithmetic.Div, arithmetic.div),
    "__pow__": _fast(arithmetic.Pow, arithmetic.pow),
    "__rpow__": _reflected(arithmetic.pow),
    "__matmul__": arithmetic.matmul,
    "__rmatmul__": _reflected(arithmetic.matmul),
    "__neg__": arithmetic.neg,
    "__abs__": pointwise.abs,
    "__eq__": pointwise.eq,
    "__ne__": pointwise.ne,
    "__lt__": pointwise.lt,
    "__le__": pointwise.le,
    "__gt__": pointwise.gt,
    "__ge__": pointwise.ge,
    "__and__": pointwise.logical_and,
    "__or__": pointwise.logical_or,
    "__xor__": pointwise.logical_xor,
    "__invert__": pointwise.logical_not,
    "__getitem__": indexing.getitem,
    "__array_ufunc__": array_ufunc,
    "__array_function__": array_function,
    "add": arithmetic.add,
    "sub": arithmetic.sub,
    "subtract": arithmetic.sub,
    "mul": arithmetic.mul,
    "multiply": arithmetic.mul,
    "div": arithmetic.div,
    "divide": arithmetic.div,
    "pow": arithmetic.pow,
    "matmul": arithmetic.matmul,
    "neg": arithmetic.neg,
    "exp": pointwise.exp,
    "log": pointwise.log,
    "log1p": pointwise.log1p,
    "sqrt": pointwise.sqrt,
    "rsqrt": pointwise.rsqrt,
    "square": pointwise.square,
    "sin": pointwise.sin,
    "cos": pointwise.cos,
    "abs": pointwise.abs,
    "maximum": pointwise.maximum,
    "minimum": pointwise.minimum,
    "clamp": pointwise.clamp,
    "clip": pointwise.clamp,
    "where": lambda self, condition, other: pointwise.where(condition, self, other),
    "sign": pointwise.sign,
    "floor": pointwise.floor,
    "ceil": pointwise.ceil,
    "round": pointwise.round,
    "isnan": pointwise.isnan,
    "isinf": pointwise.isinf,
    "isfinite": pointwise.isfinite,
    "eq": pointwise.eq,
    "ne": pointwise.ne,
    "lt": pointwise.lt,
    "le": pointwise.le,
    "gt": pointwise.gt,
    "ge": pointwise.ge,
    "logical_not": pointwise.logical_not,
    "allclose": pointwise.allclose,
    "all": pointwise.all,
    "any": pointwise.any,
    "equal": pointwise.equal,
    "tanh": activation.tanh,
    "sigmoid": activation.sigmoid,
    "relu": activation.relu,
    "erf": activation.erf,
    "sum": reduction.sum,
    "mean": reduction.mean,
    "prod": reduction.prod,
    "amax": reduction.amax,
    "amin": reduction.amin,
    "max": reduction.max,
    "min": reduction.min,
    "argmax": reduction.argmax,
    "argmin": reduction.argmin,
    "var": reduction.var,
    "std": reduction.std,
    "logsumexp": reduction.logsumexp,
    "norm": reduction.norm,
    "reshape": _size_args(shape.reshape),
    "view": _size_args(shape.reshape),
    "flatten": shape.flatten,
    "unflatten": shape.unflatten,
    "permute": _size_args(shape.permute),
    "transpose": shape.transpose,
    "swapaxes": shape.transpose,
    "swapdims": shape.transpose,
    "t": shape.t,
    "squeeze": shape.squeeze,
    "unsqueeze": shape.unsqueeze,
    "expand": _size_args(shape.expand),
    "expand_as": shape.expand_as,
    "broadcast_to": shape.broadcast_to,
    "repeat": _size_args(shape.repeat),
    "flip": shape.flip,
    "tril": shape.tril,
    "triu": shape.triu,
    "split": shape.split,
    "chunk": shape.chunk,
    "gather": indexing.gather,
    "index_select": indexing.index_select,
    "masked_fill": indexing.masked_fill,
    "clone": conversion.clone,
    "to": conversion.to,
    "type_as": conversion.type_as,
    "float": conversion.float,
    "double": conversion.double,
    "half": conversion.half,
    "long": conversion.long,
    "int": conversion.int,
    "bool": conversion.bool,
}


def _mT(self: Tensor) -> Tensor:
    return shape.transpose(self, -2, -1)


def bind() -> None:
    """Attach every method in ``METHODS`` to Tensor (called once at import)."""
    for name, fn in METHODS.items():
        setattr(Tensor, name, fn)
    Tensor.T = property(lambda self: shape.permute(self, tuple(reversed(range(self.ndim)))))
    Tensor.mT = property(_mT)
