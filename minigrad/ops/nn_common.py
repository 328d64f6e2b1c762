"""Argument checks shared by the nn ops (``minigrad.nn.functional``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._tensor import Tensor

REDUCTIONS = ("none", "mean", "sum")


def tensor_arg(x: Any, op: str, name: str = "input", floating: bool = True) -> Tensor:
    """``x`` as a Tensor (arrays and lists are wrapped); TypeError for anything else, or for
    a non-float tensor when ``floating``."""
    if not isinstance(x, Tensor):
        if not isinstance(x, np.ndarray | list | tuple | float | int | np.generic):
            raise TypeError(f"{op}: {name} must be a Tensor, got {type(x).__name__}")
        from ..creation import as_tensor

        x = as_tensor(x)
    if floating and x.dtype.kind != "f":
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
