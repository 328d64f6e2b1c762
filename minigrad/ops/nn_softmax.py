"""softmax, log_softmax and softmin over any dim, each one fused Function on the kernels.

The kernels work on the last axis, so the op moves ``dim`` there and back (a view). Under
``create_graph=True`` the backward is written with NumPy functions on Tensors instead, so
second derivatives work too.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import kernels
from .._tensor import Tensor, tensor_method
from ..autograd.function import Function
from ._args import check_dim, tensor_arg


def _to_last(a: np.ndarray, dim: int) -> np.ndarray:
    return a if dim == a.ndim - 1 else np.moveaxis(a, dim, -1)


def _from_last(a: np.ndarray, dim: int) -> np.ndarray:
    return a if dim == a.ndim - 1 else np.moveaxis(a, -1, dim)


class Softmax(Function):
    name = "softmax"

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        out = _from_last(kernels.softmax(_to_last(x, dim)), dim)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        dim = ctx.dim
        if ctx.create_graph:
            # d softmax: dx = y * (g - sum(g * y))
            return y * (grad - ctx.xp.sum(grad * y, axis=dim, keepdims=True)), None
        dx = kernels.softmax_backward(_to_last(grad, dim), _to_last(y, dim))
        return _from_last(dx, dim), None


class LogSoftmax(Function):
    name = "log_softmax"

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        out = _from_last(kernels.log_softmax(_to_last(x, dim)), dim)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        dim = ctx.dim
        if ctx.create_graph:
            # d log_softmax: dx = g - exp(y) * sum(g)
            return grad - ctx.xp.exp(y) * ctx.xp.sum(grad, axis=dim, keepdims=True), None
        dx = kernels.log_softmax_backward(_to_last(grad, dim), _to_last(y, dim))
        return _from_last(dx, dim), None


def _apply(fn: type[Function], input: Any, dim: Any, dtype: Any, op: str) -> Tensor:
    x = tensor_arg(input, op)
    if dim is None:
        raise TypeError(f"{op}: pass dim explicitly (the dimension to normalise over)")
    if dtype is not None:
        x = x.to(dtype)
    d = check_dim(dim, x.ndim, op)
    if x.ndim == 0:
        return fn.apply(x.reshape(1), 0).reshape(())
    return fn.apply(x, d)


@tensor_method("softmax")
def softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim`` (computed stably).

    >>> import minigrad as mg, minigrad.nn.functional as F
    >>> F.softmax(mg.tensor([[0.0, 0.0], [0.0, 1.0]]), dim=1).numpy().round(4)
    array([[0.5   , 0.5   ],
           [0.2689, 0.7311]], dtype=float32)
    """
    return _apply(Softmax, input, dim, dtype, "softmax")


@tensor_method("log_softmax")
def log_softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:
    """log(softmax(x)) along ``dim``: x - max - log(sum(exp(x - max)))."""
    return _apply(LogSoftmax, input, dim, dtype, "log_softmax")


def softmin(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:
    """softmax(-x) along ``dim``."""
    x = tensor_arg(input, "softmin")
    return _apply(Softmax, -x, dim, dtype, "softmin")
