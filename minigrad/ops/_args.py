"""Argument handling shared by the ops: operands and promotion, dims, reductions, index
tensors, and the ``out=`` argument. Each check raises an error naming the op."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import _dtypes
from .._tensor import Tensor
from ..creation import as_tensor


def as_operand(x: Any, op: str) -> Any:
    """A Tensor stays; an ndarray becomes a constant Tensor; a Python/NumPy scalar stays
    a Python scalar (so float32 tensors stay float32, as in PyTorch)."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, np.generic):  # before float: np.float64 subclasses float
        return x.item()
    if isinstance(x, bool | int | float):
        return x
    if isinstance(x, np.ndarray | list | tuple):
        return as_tensor(x)
    raise TypeError(f"{op}: unsupported operand of type {type(x).__name__}")


def binary_operands(a: Any, b: Any, op: str) -> tuple[Any, Any]:
    """Operands of a binary op, with PyTorch's promotion (int with float -> the float)."""
    a = as_operand(a, op)
    b = as_operand(b, op)
    a_tensor = isinstance(a, Tensor)
    b_tensor = isinstance(b, Tensor)
    if a_tensor and b_tensor:
        if a._array.dtype != b._array.dtype:
            target = _dtypes.promote(a._array.dtype, b._array.dtype)
            a = _cast(a, target)
            b = _cast(b, target)
    elif a_tensor:
        a = _int_with_float_scalar(a, b)
    elif b_tensor:
        b = _int_with_float_scalar(b, a)
    else:
        raise TypeError(f"{op}: at least one operand must be a Tensor")
    return a, b


def _cast(t: Tensor, dtype: np.dtype) -> Tensor:
    if t._array.dtype == dtype:
        return t
    return t.to(dtype)


def _int_with_float_scalar(t: Tensor, scalar: Any) -> Tensor:
    if isinstance(scalar, float) and t._array.dtype.kind != "f":
        return Tensor._make(t._array.astype(_dtypes.DEFAULT_FLOAT), False, None)
    return t


def normalize_dims(dim: Any, ndim: int, op: str) -> tuple[int, ...] | None:
    """``dim`` (None, an int or a sequence of ints) as sorted non-negative axes."""
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, int | np.integer) else tuple(dim)
    out = []
    for d in dims:
        d = int(d)
        if not -max(ndim, 1) <= d < max(ndim, 1):
            raise IndexError(
                f"{op}: dim {d} is out of range for a tensor with {ndim} dimension(s)"
            )
        out.append(d % max(ndim, 1) if ndim else 0)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: dim {dim} names a dimension twice")
    return tuple(sorted(out))


def reduction_dims(
    dim: Any, keepdim: bool, axis: Any, keepdims: Any, op: str, ndim: int
) -> tuple[tuple[int, ...] | None, bool]:
    """Resolve ``dim``/``axis`` and ``keepdim``/``keepdims`` aliases."""
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{op}: pass dim or axis, not both")
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    if ndim == 0:
        return None, bool(keepdim)
    return normalize_dims(dim, ndim, op), bool(keepdim)


def numpy_aliases(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator: accept NumPy's ``axis=`` for ``dim=`` and ``keepdims=`` for ``keepdim=``,
    as PyTorch's functions do (``torch.cat(xs, axis=1)``, ``x.all(axis=0, keepdims=True)``)."""

    @functools.wraps(fn)
    def with_aliases(*args: Any, **kwargs: Any) -> Any:
        for alias, name in (("axis", "dim"), ("keepdims", "keepdim")):
            if alias in kwargs:
                if name in kwargs:
                    raise TypeError(f"{fn.__name__}: pass {name} or {alias}, not both")
                kwargs[name] = kwargs.pop(alias)
        return fn(*args, **kwargs)

    return with_aliases


def keepdim_shape(shape: Sequence[int], dims: tuple[int, ...] | None) -> tuple[int, ...]:
    """``shape`` with the reduced ``dims`` set to 1."""
    if dims is None:
        return (1,) * len(shape)
    return tuple(1 if i in dims else n for i, n in enumerate(shape))


def as_dtype(t: Tensor, dtype: np.dtype) -> Tensor:
    """``t`` converted to ``dtype`` for an op's input (itself when it already has it);
    only for tensors that don't require grad (integer tensors never do)."""
    if t._array.dtype == dtype:
        return t
    return Tensor._make(t._array.astype(dtype), False, None)


def float_input(t: Any) -> Any:
    """An integer or bool tensor as the default float dtype, for ``sqrt``, ``exp`` and the
    other real-valued ops (``_dtypes.float_result``); anything else unchanged."""
    if isinstance(t, Tensor) and t._array.dtype.kind != "f":
        return as_dtype(t, _dtypes.float_result(t._array.dtype))
    return t


def write_out(result: Tensor, out: Tensor | None, op: str) -> Tensor:
    """PyTorch's ``out=``: write ``result`` into ``out`` (resized when its shape differs)
    and return ``out``; refused when the result would need a gradient."""
    if out is None:
        return result
    if not isinstance(out, Tensor):
        raise TypeError(f"{op}: out must be a Tensor, got {type(out).__name__}")
    if result.requires_grad:
        raise RuntimeError(
            f"{op}(): functions with out=... arguments don't support automatic "
            "differentiation, but one of the arguments requires grad"
        )
    if not np.can_cast(result._array.dtype, out._array.dtype, casting="same_kind"):
        raise RuntimeError(f"{op}: result type {result._array.dtype} can't be cast to the "
                           f"desired output type {out._array.dtype}")
    out._check_inplace(op)
    if out.shape == result.shape:
        np.copyto(out._array, result._array, casting="same_kind")
    else:
        out._array = result._array.astype(out.dtype)
    out._version += 1
    return out


REDUCTIONS = ("none", "mean", "sum")


def tensor_arg(x: Any, op: str, name: str = "input", floating: bool = True) -> Tensor:
    """``x`` as a Tensor (arrays and lists are wrapped); TypeError for anything else, or for
    a non-float tensor when ``floating``."""
    if not isinstance(x, Tensor):
        if not isinstance(x, np.ndarray | list | tuple | float | int | np.generic):
            raise TypeError(f"{op}: {name} must be a Tensor, got {type(x).__name__}")
        x = as_tensor(x)
    if floating and x._array.dtype.kind != "f":
        raise TypeError(f"{op}: {name} must be a floating-point tensor, got dtype {x.dtype}")
    return x


def optional_tensor(x: Any, op: str, name: str) -> Tensor | None:
    """None stays None; anything else goes through ``tensor_arg``."""
    return None if x is None else tensor_arg(x, op, name)


def index_data(x: Any, op: str, name: str = "target") -> np.ndarray:
    """The integer array inside an index tensor (or array, or list); TypeError otherwise."""
    data = x._array if isinstance(x, Tensor) else np.asarray(x)
    if data.dtype.kind not in "iu":
        raise TypeError(f"{op}: {name} must be an integer tensor, got dtype {data.dtype}")
    return data


def check_reduction(reduction: str, op: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{op}: reduction must be 'none', 'mean' or 'sum', got {reduction!r}")


def reduce(loss: Tensor, reduction: str) -> Tensor:
    """Apply a checked ``reduction`` to elementwise losses."""
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def int_pair(value: Any, op: str, name: str, minimum: int) -> tuple[int, int]:
    """An int or a pair of ints as an (h, w) pair, each >= ``minimum``."""
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        pair = (int(value), int(value))
    else:
        try:
            pair = tuple(int(v) for v in value)
        except TypeError:
            raise TypeError(
                f"{op}: {name} must be an int or a pair of ints, got {value!r}"
            ) from None
    if len(pair) != 2 or min(pair) < minimum:
        raise ValueError(f"{op}: {name} must be an int or (h, w) pair >= {minimum}, got {value!r}")
    return pair  # type: ignore[return-value]


def check_dim(dim: int, ndim: int, op: str) -> int:
    """``dim`` as a non-negative axis of an ``ndim``-dimensional tensor (0-d counts as 1-d)."""
    n = max(ndim, 1)
    if not isinstance(dim, int | np.integer) or isinstance(dim, bool):
        raise TypeError(f"{op}: dim must be an int, got {dim!r}")
    if not -n <= dim < n:
        raise IndexError(f"{op}: dim {dim} is out of range for a tensor with {ndim} dimension(s)")
    return int(dim) % n
