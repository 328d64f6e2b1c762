"""Reductions: sum, mean, prod, amax/amin, max/min, argmax/argmin, var, std,
logsumexp, norm.

``dim`` is an int, a tuple of ints or None (all dims); ``keepdim`` keeps the
reduced dims with size 1. ``axis``/``keepdims`` are accepted as aliases.
"""

from __future__ import annotations

import builtins
import math
from collections import namedtuple
from typing import Any

import numpy as np

from .. import _dtypes
from .._tensor import Tensor, tensor_method
from ..autograd.function import Function
from ._args import as_dtype, keepdim_shape, reduction_dims, write_out
from .pointwise import maximum, minimum


def _spread(grad, ctx):
    """A reduced gradient reshaped to keepdim form, broadcast to the input's shape."""
    return ctx.xp.broadcast_to(grad.reshape(ctx.kept_shape), ctx.in_shape)


def _setup(ctx, x, dims, keepdim):
    ctx.in_shape = x.shape
    ctx.kept_shape = keepdim_shape(x.shape, dims)
    ctx.dims, ctx.keepdim = dims, keepdim


class Sum(Function):
    @staticmethod
    def forward(ctx, x, dims, keepdim):
        _setup(ctx, x, dims, keepdim)
        return np.add.reduce(x, axis=dims, keepdims=keepdim)  # np.sum without its wrapper

    @staticmethod
    def backward(ctx, grad):
        return _spread(grad, ctx), None, None  # each input element contributes once


class Mean(Function):
    @staticmethod
    def forward(ctx, x, dims, keepdim):
        _setup(ctx, x, dims, keepdim)
        ctx.count = x.size // builtins.max(1, math.prod(ctx.kept_shape))
        total = np.add.reduce(x, axis=dims, keepdims=keepdim)
        return np.true_divide(total, ctx.count, dtype=x.dtype)

    @staticmethod
    def backward(ctx, grad):
        return _spread(grad / ctx.count, ctx), None, None  # d mean/dx_i = 1/n


class Prod(Function):
    @staticmethod
    def forward(ctx, x, dims, keepdim):
        _setup(ctx, x, dims, keepdim)
        out = np.prod(x, axis=dims, keepdims=keepdim)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        grad = grad.reshape(ctx.kept_shape)
        if (x == 0).any():
            if ctx.create_graph:
                raise NotImplementedError(
                    "prod: second derivatives through a product with zeros are not supported"
                )
            return grad * _product_of_others(x, ctx.dims), None, None
        return grad * (out.reshape(ctx.kept_shape) / x), None, None  # d prod/dx_i = prod/x_i


def _product_of_others(x: np.ndarray, dims: tuple[int, ...] | None) -> np.ndarray:
    """For each element, the product of the other elements in its reduced group
    (exact when some are zero)."""
    dims = tuple(range(x.ndim)) if dims is None else dims
    kept = [d for d in range(x.ndim) if d not in dims]
    moved = np.transpose(x, kept + list(dims))
    flat = moved.reshape(moved.shape[: len(kept)] + (-1,))
    ones = np.ones(flat.shape[:-1] + (1,), x.dtype)
    before = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    after = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    others = (before * after).reshape(moved.shape)
    return np.transpose(others, np.argsort(kept + list(dims)))


class Extremum(Function):
    """amax / amin: the gradient is shared evenly between tied extreme elements."""

    largest = True

    @classmethod
    def forward(cls, ctx, x, dims, keepdim):
        if x.size == 0:
            raise ValueError(f"{cls.name}: can't reduce an empty tensor")
        _setup(ctx, x, dims, keepdim)
        out = (np.max if cls.largest else np.min)(x, axis=dims, keepdims=True)
        ctx.save_for_backward(x, out)
        return out if keepdim else out.reshape(_reduced_shape(x.shape, dims))

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        ties = x == out
        count = ties.sum(axis=ctx.dims, keepdims=True)
        return grad.reshape(ctx.kept_shape) * ties / count, None, None


class Amax(Extremum):
    name = "amax"


class Amin(Extremum):
    name = "amin"
    largest = False


class LogSumExp(Function):
    @staticmethod
    def forward(ctx, x, dims, keepdim):
        _setup(ctx, x, dims, keepdim)
        peak = np.max(x, axis=dims, keepdims=True)
        peak = np.where(np.isfinite(peak), peak, 0)
        out = np.log(np.sum(np.exp(x - peak), axis=dims, keepdims=True)) + peak
        out = out if keepdim else out.reshape(_reduced_shape(x.shape, dims))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        softmax = ctx.xp.exp(x - out.reshape(ctx.kept_shape))
        return grad.reshape(ctx.kept_shape) * softmax, None, None


class Norm2(Function):
    name = "norm"

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        _setup(ctx, x, dims, keepdim)
        out = np.sqrt(np.sum(x * x, axis=dims, keepdims=keepdim))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        out = out.reshape(ctx.kept_shape)
        safe = ctx.xp.where(out == 0, 1, out)  # the subgradient 0 at the origin, as PyTorch
        return grad.reshape(ctx.kept_shape) * x / safe, None, None  # d|x|/dx = x/|x|


def _reduced_shape(shape: tuple[int, ...], dims: tuple[int, ...] | None) -> tuple[int, ...]:
    if dims is None:
        return ()
    return tuple(n for i, n in enumerate(shape) if i not in dims)


def _resolve(x: Tensor, dim: Any, keepdim: bool, axis: Any, keepdims: Any, op: str):
    return reduction_dims(dim, keepdim, axis, keepdims, op, x.ndim)


@tensor_method("sum")
def sum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None,
        out: Tensor | None = None, axis: Any = None, keepdims: Any = None) -> Tensor:
    """Sum over ``dim`` (all elements by default).

    >>> import minigrad as mg
    >>> mg.tensor([[1.0, 2.0], [3.0, 4.0]]).sum(dim=0)
    tensor([4., 6.])
    """
    dims, keepdim = _resolve(input, dim, keepdim, axis, keepdims, "sum")
    return write_out(Sum.apply(_accumulated(input, dtype), dims, keepdim), out, "sum")


@tensor_method("mean")
def mean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None,
         out: Tensor | None = None, axis: Any = None, keepdims: Any = None) -> Tensor:
    """Arithmetic mean over ``dim`` (floating-point tensors only, as in PyTorch)."""
    dims, keepdim = _resolve(input, dim, keepdim, axis, keepdims, "mean")
    if input._array.dtype.kind != "f":
        raise TypeError(f"mean: needs a floating-point tensor, got dtype {input.dtype}; "
                        "convert with .float() first")
    if dtype is not None:
        input = input.to(dtype)
    return write_out(Mean.apply(input, dims, keepdim), out, "mean")


@tensor_method("prod")
def prod(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None,
         out: Tensor | None = None, axis: Any = None, keepdims: Any = None) -> Tensor:
    """Product over ``dim``; the gradient is exact even when elements are zero."""
    dims, keepdim = _resolve(input, dim, keepdim, axis, keepdims, "prod")
    return write_out(Prod.apply(_accumulated(input, dtype), dims, keepdim), out, "prod")


def _accumulated(input: Tensor, dtype: Any) -> Tensor:
    """``input`` in the dtype a sum or product accumulates in: ``dtype`` if given, else
    PyTorch's rule (integers and bools in int64)."""
    if dtype is not None:
        return input.to(dtype)
    return as_dtype(input, _dtypes.sum_result(input._array.dtype))


@tensor_method("amax")
def amax(input: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
         keepdims: Any = None) -> Tensor:
    """Largest value over ``dim``; tied maxima share the gradient evenly."""
    dims, keepdim = _resolve(input, dim, keepdim, axis, keepdims, "amax")
    return Amax.apply(input, dims, keepdim)


@tensor_method("amin")
def amin(input: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
         keepdims: Any = None) -> Tensor:
    """Smallest value over ``dim``; tied minima share the gradient evenly."""
    dims, keepdim = _resolve(input, dim, keepdim, axis, keepdims, "amin")
    return Amin.apply(input, dims, keepdim)


MaxResult = namedtuple("MaxResult", ["values", "indices"])


@tensor_method("max")
def max(input: Tensor, dim: int | None = None, keepdim: bool = False, *,
        out: Tensor | None = None, axis: Any = None, keepdims: Any = None) -> Any:
    """``max()`` is the largest element; ``max(dim)`` returns ``(values, indices)``
    like PyTorch; ``max(other_tensor)`` is ``maximum``. Gradients are shared between
    ties, as in ``amax``."""
    if isinstance(dim, Tensor):
        return write_out(maximum(input, dim), out, "max")
    if dim is None and axis is None:
        return write_out(amax(input), out, "max")
    values = amax(input, dim, keepdim, axis=axis, keepdims=keepdims)
    dim = dim if axis is None else axis
    indices = argmax(input, dim, keepdim if keepdims is None else keepdims)
    return MaxResult(values, indices)


@tensor_method("min")
def min(input: Tensor, dim: int | None = None, keepdim: bool = False, *,
        out: Tensor | None = None, axis: Any = None, keepdims: Any = None) -> Any:
    """``min()`` is the smallest element; ``min(dim)`` returns ``(values, indices)``;
    ``min(other_tensor)`` is ``minimum``."""
    if isinstance(dim, Tensor):
        return write_out(minimum(input, dim), out, "min")
    if dim is None and axis is None:
        return write_out(amin(input), out, "min")
    values = amin(input, dim, keepdim, axis=axis, keepdims=keepdims)
    dim = dim if axis is None else axis
    indices = argmin(input, dim, keepdim if keepdims is None else keepdims)
    return MaxResult(values, indices)


def _arg(fn: Any, input: Tensor, dim: Any, keepdim: bool, axis: Any, keepdims: Any,
         out: Tensor | None, op: str) -> Tensor:
    """argmax / argmin: int64 indices over ``dim`` (over the flattened tensor if None)."""
    if input._array.size == 0:
        raise ValueError(f"{op}: can't reduce an empty tensor")
    dims, keepdim = reduction_dims(dim, keepdim, axis, keepdims, op, input.ndim)
    if dims is None:
        result = fn(input._array)
    else:
        result = fn(input._array, axis=dims[0], keepdims=keepdim)
    return write_out(Tensor._make(np.asarray(result, dtype=np.int64), False, None), out, op)


@tensor_method("argmax")
def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False, *,
           out: Tensor | None = None, axis: int | None = None, keepdims: Any = None) -> Tensor:
    """Index of the largest value (over the flattened tensor when ``dim`` is None)."""
    return _arg(np.argmax, input, dim, keepdim, axis, keepdims, out, "argmax")


@tensor_method("argmin")
def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False, *,
           out: Tensor | None = None, axis: int | None = None, keepdims: Any = None) -> Tensor:
    """Index of the smallest value."""
    return _arg(np.argmin, input, dim, keepdim, axis, keepdims, out, "argmin")


@tensor_method("var")
def var(input: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
        correction: int | None = None, dtype: Any = None, out: Tensor | None = None,
        axis: Any = None, keepdims: Any = None, ddof: int | None = None) -> Tensor:
    """Variance over ``dim`` with Bessel's ``correction`` (default 1; ``unbiased=False``
    means 0; NumPy's ``ddof`` is the same number), composed from mean and sum so its
    gradient comes for free."""
    dims, keepdim = _resolve(input, dim, keepdim, axis, keepdims, "var")
    if correction is None:
        correction = ddof if ddof is not None else (0 if unbiased is False else 1)
    if dtype is not None:
        input = input.to(dtype)
    n = input._array.size // builtins.max(1, int(np.prod(keepdim_shape(input.shape, dims))))
    centred = input - mean(input, dims, keepdim=True)
    result = sum(centred * centred, dims, keepdim) / builtins.max(n - correction, 0)
    return write_out(result, out, "var")


@tensor_method("std")
def std(input: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
        correction: int | None = None, dtype: Any = None, out: Tensor | None = None,
        axis: Any = None, keepdims: Any = None, ddof: int | None = None) -> Tensor:
    """Standard deviation: the square root of ``var``."""
    v = var(input, dim, unbiased, keepdim, correction=correction, dtype=dtype, axis=axis,
            keepdims=keepdims, ddof=ddof)
    return write_out(v.sqrt(), out, "std")


@tensor_method("logsumexp")
def logsumexp(input: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
              keepdims: Any = None) -> Tensor:
    """log(sum(exp(x))) over ``dim``, computed stably."""
    dims, keepdim = _resolve(input, dim, keepdim, axis, keepdims, "logsumexp")
    return LogSumExp.apply(input, dims, keepdim)


@tensor_method("norm")
def norm(input: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False) -> Tensor:
    """Vector p-norm over ``dim`` (the 2-norm / Frobenius norm by default; also
    ``p=inf`` and any p > 0)."""
    dims, keepdim = reduction_dims(dim, keepdim, None, None, "norm", input.ndim)
    if p in ("fro", 2, 2.0):
        return Norm2.apply(input, dims, keepdim)
    if p in (float("inf"), "inf"):
        return amax(input.abs(), dims, keepdim)
    if p == 1:
        return sum(input.abs(), dims, keepdim)
    if not isinstance(p, int | float) or p <= 0:
        raise ValueError(f"norm: unsupported p={p!r}")
    return sum(input.abs() ** p, dims, keepdim) ** (1.0 / p)
