"""Collation: stacking a list of dataset items into one batch of Tensors.

Mirrors ``torch.utils.data.default_collate``: tuples and lists of fields
become tuples/lists of stacked Tensors, dicts become dicts, strings stay a
list of strings. ndarrays and Tensors keep their dtype; Python floats become
minigrad's default float dtype (float32) and Python ints int64.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from minigrad._dtypes import DEFAULT_FLOAT
from minigrad._tensor import Tensor
from minigrad.data._utils import as_array


def default_collate(batch: Sequence[Any]) -> Any:
    """Stack ``batch`` (a list of items of the same structure) into Tensors.

    >>> x, y = default_collate([(np.zeros(2), 1), (np.ones(2), 0)])
    >>> x.shape, y.dtype
    ((2, 2), minigrad.int64)
    """
    return collate_items(list(batch), indices=None)


def collate_items(items: list[Any], indices: Sequence[int] | None) -> Any:
    """``default_collate``, with errors naming each item's dataset index if given."""
    if not items:
        raise ValueError("default_collate: cannot collate an empty batch")
    labels = [f"batch item {i}" for i in range(len(items))]
    if indices is not None:
        labels = [f"dataset index {i}" for i in indices]
    return _collate(items, labels, path="")


def _collate(items: list[Any], labels: list[str], path: str) -> Any:
    first = items[0]
    if isinstance(first, dict):
        _check_same_keys(items, labels, path)
        return {k: _collate([it[k] for it in items], labels, f"{path}[{k!r}]") for k in first}
    if isinstance(first, (tuple, list)):
        _check_same_length(items, labels, path)
        fields = [
            _collate([it[j] for it in items], labels, f"{path}[{j}]") for j in range(len(first))
        ]
        if isinstance(first, list):
            return fields
        if hasattr(first, "_fields"):
            return type(first)(*fields)
        return tuple(fields)
    if isinstance(first, str):
        return list(items)
    return Tensor(_stack(items, labels, path))


def _stack(items: list[Any], labels: list[str], path: str) -> np.ndarray:
    kinds = {type(it) for it in items}
    if kinds == {bool}:
        return np.array(items, dtype=np.bool_)
    if kinds <= {int, float, bool}:
        return np.array(items, dtype=DEFAULT_FLOAT if float in kinds else np.int64)
    arrays = [as_array(it) for it in items]
    for i, array in enumerate(arrays):
        if array.dtype == object:
            raise TypeError(
                f"default_collate: cannot batch {labels[i]}{_at(path)}: "
                f"unsupported item type {type(items[i]).__name__}"
            )
    for array, label in zip(arrays[1:], labels[1:], strict=True):
        if array.shape != arrays[0].shape:
            raise ValueError(
                f"DataLoader: items in a batch must have equal shapes{_at(path)}, but "
                f"{labels[0]} has shape {arrays[0].shape} and {label} has shape {array.shape}"
            )
    return np.stack(arrays)


def _check_same_keys(items: list[Any], labels: list[str], path: str) -> None:
    keys = set(items[0])
    for item, label in zip(items[1:], labels[1:], strict=True):
        if not isinstance(item, dict) or set(item) != keys:
            got = sorted(map(str, item)) if isinstance(item, dict) else type(item).__name__
            raise ValueError(
                f"DataLoader: items in a batch must have the same keys{_at(path)}, but "
                f"{labels[0]} has {sorted(map(str, keys))} and {label} has {got}"
            )


def _check_same_length(items: list[Any], labels: list[str], path: str) -> None:
    size = len(items[0])
    for item, label in zip(items[1:], labels[1:], strict=True):
        if not isinstance(item, (tuple, list)) or len(item) != size:
            got = len(item) if isinstance(item, (tuple, list)) else type(item).__name__
            raise ValueError(
                f"DataLoader: items in a batch must have the same number of fields{_at(path)}, "
                f"but {labels[0]} has {size} and {label} has {got}"
            )


def _at(path: str) -> str:
    return f" (field {path})" if path else ""
