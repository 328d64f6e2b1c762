"""The dtypes minigrad supports and the rules for choosing one.

Tensors hold NumPy arrays, so dtypes are NumPy dtypes; ``mg.float32`` is
``numpy.dtype("float32")``. Floats default to float32 and Python ints to
int64, as in PyTorch. Type promotion follows PyTorch where it differs from
NumPy: mixing an integer tensor with a float tensor gives the float's dtype.
"""

from __future__ import annotations

from typing import Any

import numpy as np

float16 = half = np.dtype("float16")
float32 = float = np.dtype("float32")
float64 = double = np.dtype("float64")
int8 = np.dtype("int8")
int16 = short = np.dtype("int16")
int32 = int = np.dtype("int32")
int64 = long = np.dtype("int64")
uint8 = np.dtype("uint8")
bool_ = np.dtype("bool")

SUPPORTED = (float16, float32, float64, int8, int16, int32, int64, uint8, bool_)
DEFAULT_FLOAT = float32


def canonical(dtype: Any) -> np.dtype:
    """Turn ``dtype`` (a NumPy dtype, type or name like "float32") into a supported dtype.

    Raises TypeError for object, string, complex and other unsupported dtypes.
    """
    try:
        dt = np.dtype(dtype)
    except TypeError as exc:
        raise TypeError(f"minigrad: {dtype!r} is not a dtype") from exc
    if dt not in SUPPORTED:
        names = ", ".join(d.name for d in SUPPORTED)
        raise TypeError(f"minigrad: dtype {dt} is not supported (supported: {names})")
    return dt


def promote(a: np.dtype, b: np.dtype) -> np.dtype:
    """Result dtype of a binary op on tensors of dtypes ``a`` and ``b`` (PyTorch's rule)."""
    if a == b:
        return a
    if a.kind == "f" and b.kind != "f":
        return a
    if b.kind == "f" and a.kind != "f":
        return b
    return np.result_type(a, b)


def float_result(dtype: np.dtype) -> np.dtype:
    """Result dtype of an op whose values are real numbers (``sqrt exp log log1p sin cos
    tanh sigmoid erf``, true division, ``rsqrt``): a float keeps its dtype, an integer or
    bool tensor gives the default float dtype (PyTorch's rule, not NumPy's float64)."""
    return dtype if dtype.kind == "f" else DEFAULT_FLOAT


def sum_result(dtype: np.dtype) -> np.dtype:
    """Result dtype of ``sum`` and ``prod``: every integer and bool dtype sums in int64
    (PyTorch's rule; NumPy would give uint64 for uint8), floats keep theirs."""
    return int64 if dtype.kind in "biu" else dtype


def as_array(data: Any, dtype: Any, where: str) -> np.ndarray:
    """``data`` (nested lists, a number, an array or a tensor) as a new ndarray of a
    supported dtype, with PyTorch's defaults: Python floats become the default float
    dtype and Python ints int64, while arrays and tensors keep their dtype."""
    if dtype is not None:
        dtype = canonical(dtype)
    try:
        array = np.array(data, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{where}: can't make a tensor from {type(data).__name__}: {exc}") from None
    if dtype is None:
        typed = isinstance(data, np.ndarray | np.generic) or hasattr(data, "__array__")
        if array.dtype.kind == "f" and not typed:
            array = array.astype(DEFAULT_FLOAT)
        elif array.dtype.kind in "iu" and not typed:
            array = array.astype(int64)
        if array.dtype.kind in "OUSVcMm":
            raise TypeError(
                f"{where}: can't make a tensor of dtype {array.dtype} "
                "(object, string, complex and datetime data are not supported)"
            )
        if array.dtype not in SUPPORTED:
            canonical(array.dtype)
    return array
