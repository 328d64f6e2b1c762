"""Small helpers shared by the layers: dtype arguments and int-or-pair arguments."""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import _dtypes
from ..._device import check_device
from ..parameter import Parameter


def float_dtype(dtype: Any, device: Any, where: str) -> np.dtype:
    """The dtype new parameters get: float32 unless ``dtype`` names another float."""
    check_device(device, where)
    if dtype is None:
        return _dtypes.DEFAULT_FLOAT
    dt = _dtypes.canonical(dtype)
    if dt.kind != "f":
        raise TypeError(f"{where}: parameters must have a floating dtype, got {dt}")
    return dt


def empty_parameter(shape: tuple[int, ...], dtype: np.dtype) -> Parameter:
    """A Parameter of ``shape`` whose values ``reset_parameters`` fills in."""
    return Parameter(np.empty(shape, dtype))


def pair(value: Any, name: str, where: str) -> tuple[int, int]:
    """``3`` -> ``(3, 3)``; ``(2, 3)`` stays; anything else is a TypeError/ValueError."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value), int(value)
    if isinstance(value, (tuple, list)) and len(value) == 2:
        if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value):
            return int(value[0]), int(value[1])
    raise TypeError(f"{where}: {name} must be an int or a pair of ints, got {value!r}")


def positive_int(value: Any, name: str, where: str) -> int:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{where}: {name} must be a positive int, got {value!r}")
    return int(value)
