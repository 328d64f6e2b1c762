"""PyTorch's legacy typed constructors: ``mg.FloatTensor([1, 2])``, ``mg.LongTensor(3)``.

Each is a constructor and an ``isinstance`` test by dtype, as in PyTorch:
``mg.LongTensor([1, 2])`` copies the data as int64, ``mg.FloatTensor(2, 3)`` is an
uninitialised float32 tensor of that shape, and ``isinstance(x, mg.FloatTensor)`` is
true for a float32 tensor.

>>> import minigrad as mg
>>> mg.LongTensor([1, 2]).dtype, mg.FloatTensor(2, 3).shape
(minigrad.int64, (2, 3))
>>> isinstance(mg.ones(2), mg.FloatTensor), isinstance(mg.ones(2), mg.LongTensor)
(True, False)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _dtypes
from ._tensor import Tensor


class _TensorType(type):
    dtype: np.dtype

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype

    def __call__(cls, *data: Any) -> Tensor:  # type: ignore[override]
        if data and all(isinstance(n, int) and not isinstance(n, bool) for n in data):
            if any(n < 0 for n in data):
                raise ValueError(f"{cls.__name__}: negative dimension in size {data}")
            return Tensor(np.zeros(data, cls.dtype))
        if not data:
            return Tensor(np.zeros((0,), cls.dtype))
        if len(data) != 1:
            raise TypeError(f"{cls.__name__}: expected data or sizes (ints), got {data!r}")
        return Tensor(_dtypes.as_array(data[0], cls.dtype, cls.__name__))


def _make(name: str, dtype: Any) -> type:
    return _TensorType(name, (), {"dtype": _dtypes.canonical(dtype),
                                  "__doc__": f"{name}: tensors of dtype {dtype}."})


FloatTensor = _make("FloatTensor", np.float32)
DoubleTensor = _make("DoubleTensor", np.float64)
HalfTensor = _make("HalfTensor", np.float16)
LongTensor = _make("LongTensor", np.int64)
IntTensor = _make("IntTensor", np.int32)
ShortTensor = _make("ShortTensor", np.int16)
CharTensor = _make("CharTensor", np.int8)
ByteTensor = _make("ByteTensor", np.uint8)
BoolTensor = _make("BoolTensor", np.bool_)

__all__ = ["BoolTensor", "ByteTensor", "CharTensor", "DoubleTensor", "FloatTensor",
           "HalfTensor", "IntTensor", "LongTensor", "ShortTensor"]
