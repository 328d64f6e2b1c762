"""Ordering: topk and sort, returning (values, indices) named tuples as PyTorch does.
The values are gathered from the input, so gradients flow back to the chosen elements."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .._tensor import Tensor, tensor_method
from ._args import check_dim, numpy_aliases
from .indexing import gather


class topk_result(NamedTuple):  # noqa: N801  (PyTorch's torch.return_types.topk)
    values: Tensor
    indices: Tensor


class sort_result(NamedTuple):  # noqa: N801  (PyTorch's torch.return_types.sort)
    values: Tensor
    indices: Tensor


def _order(input: Tensor, dim: int, descending: bool, op: str) -> tuple[int, np.ndarray]:
    """The axis and the stable argsort along it (equal values keep index order)."""
    d = check_dim(dim, input.ndim, op)
    a = input._array
    if a.dtype.kind == "b":
        a = a.astype(np.int8)
    if descending:
        a = a.max(axis=d, keepdims=True) - a if a.dtype.kind == "u" else -a
    return d, np.argsort(a, axis=d, kind="stable")


def _pick(input: Tensor, d: int, idx: np.ndarray) -> tuple[Tensor, Tensor]:
    indices = Tensor(np.ascontiguousarray(idx, dtype=np.int64))
    return gather(input, d, indices), indices


def _as_1d(input: Tensor) -> Tensor:
    return input.reshape(1) if input.ndim == 0 else input


def _back(result: tuple[Tensor, Tensor], ndim: int) -> tuple[Tensor, Tensor]:
    values, indices = result
    if ndim == 0 and values.numel() == 1:
        return values.reshape(()), indices.reshape(())
    return values, indices


@tensor_method("topk")
@numpy_aliases
def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True,
         sorted: bool = True) -> topk_result:  # noqa: A002  (PyTorch's argument name)
    """The ``k`` largest (``largest=False``: smallest) elements along ``dim``:
    ``(values, indices)``, in order when ``sorted`` (always, here). Ties keep the
    lower index first.

    >>> import minigrad as mg
    >>> values, indices = mg.tensor([1.0, 5.0, 3.0, 4.0]).topk(2)
    >>> values.tolist(), indices.tolist()
    ([5.0, 4.0], [1, 3])
    """
    if not isinstance(k, int | np.integer) or isinstance(k, bool):
        raise TypeError(f"topk: k must be an int, got {k!r}")
    size = input.shape[check_dim(dim, input.ndim, "topk")] if input.ndim else 1
    if not 0 <= k <= size:
        raise IndexError(f"topk: k ({k}) out of range for dimension {dim} of size {size}")
    x = _as_1d(input)
    d, order = _order(x, dim, largest, "topk")
    return topk_result(*_back(_pick(x, d, np.take(order, np.arange(k), axis=d)), input.ndim))


@tensor_method("sort")
@numpy_aliases
def sort(input: Tensor, dim: int = -1, descending: bool = False,
         stable: bool = False) -> sort_result:
    """``(values, indices)`` sorted along ``dim`` (a stable sort, whatever ``stable``).

    >>> import minigrad as mg
    >>> mg.tensor([3, 1, 2]).sort().values.tolist()
    [1, 2, 3]
    """
    x = _as_1d(input)
    d, order = _order(x, dim, descending, "sort")
    return sort_result(*_back(_pick(x, d, order), input.ndim))


@tensor_method("argsort")
@numpy_aliases
def argsort(input: Tensor, dim: int = -1, descending: bool = False,
            stable: bool = False) -> Tensor:
    """The indices that sort ``input`` along ``dim`` (int64)."""
    return sort(input, dim, descending).indices


__all__: list[Any] = ["argsort", "sort", "topk"]
