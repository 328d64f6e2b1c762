"""Copies and dtype conversions: clone, to(dtype), float(), double(), long()."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtypes
from .._device import check_device, is_device_name
from .._tensor import Tensor, tensor_method
from ..autograd.function import Function


class Clone(Function):
    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad


class Cast(Function):
    name = "to"

    @staticmethod
    def forward(ctx, x, dtype):
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad, None  # the engine casts the gradient back to the input's dtype


@tensor_method("clone")
def clone(input: Tensor) -> Tensor:
    """A copy with its own memory; gradients flow back to ``input``."""
    return Clone.apply(input)


@tensor_method("to")
def to(input: Tensor, *args: Any, dtype: Any = None, **kwargs: Any) -> Tensor:
    """Convert to ``dtype`` (``x.to(mg.float64)``, or ``x.to(other)``: other's dtype);
    returns ``input`` if already that dtype. The device "cpu" (a string or
    ``mg.device("cpu")``) is accepted and ignored; any other device is an error."""
    check_device(kwargs.get("device"), "to")
    for a in args:
        if is_device_name(a):
            check_device(a, "to")
            continue
        dtype = a.dtype if isinstance(a, Tensor) else a  # x.to(other): other's dtype
    if dtype is None:
        return input
    dtype = _dtypes.canonical(dtype)
    if dtype == input.dtype:
        return input
    if dtype.kind != "f":
        return Tensor._make(input._array.astype(dtype), False, None)
    return Cast.apply(input, dtype)


@tensor_method("type_as")
def type_as(input: Tensor, other: Tensor) -> Tensor:
    return to(input, other.dtype)


@tensor_method("float")
def float(input: Tensor) -> Tensor:
    return to(input, np.float32)


@tensor_method("double")
def double(input: Tensor) -> Tensor:
    return to(input, np.float64)


@tensor_method("half")
def half(input: Tensor) -> Tensor:
    return to(input, np.float16)


@tensor_method("bfloat16")
def bfloat16(input: Tensor) -> Tensor:
    """Raises TypeError: minigrad has no bfloat16 (NumPy lacks it); use ``float()``."""
    return to(input, _dtypes.bfloat16)


@tensor_method("long")
def long(input: Tensor) -> Tensor:
    return to(input, np.int64)


@tensor_method("int")
def int(input: Tensor) -> Tensor:
    return to(input, np.int32)


@tensor_method("bool")
def bool(input: Tensor) -> Tensor:
    return to(input, np.bool_)


_TYPE_NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
               "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor",
               "int8": "CharTensor", "uint8": "ByteTensor", "bool": "BoolTensor"}
_TYPE_DTYPES = {name: dtype for dtype, name in _TYPE_NAMES.items()}


@tensor_method("type")
def tensor_type(input: Tensor, dtype: Any = None, non_blocking: bool = False,
                **kwargs: Any) -> Any:
    """Without ``dtype``: the type name, ``'minigrad.FloatTensor'`` (PyTorch's
    ``'torch.FloatTensor'``). With one (a dtype, ``mg.LongTensor`` or a type name such
    as ``'torch.LongTensor'``): the tensor converted to it.

    >>> import minigrad as mg
    >>> mg.ones(2).type(), mg.ones(2).type(mg.int64).type()
    ('minigrad.FloatTensor', 'minigrad.LongTensor')
    """
    if dtype is None:
        return f"minigrad.{_TYPE_NAMES.get(input.dtype.name, input.dtype.name)}"
    if isinstance(dtype, str):
        short = dtype.rsplit(".", 1)[-1]
        if short not in _TYPE_DTYPES:
            raise ValueError(f"type: invalid type {dtype!r}; expected a name such as "
                             f"'torch.FloatTensor' ({', '.join(_TYPE_DTYPES)})")
        dtype = _TYPE_DTYPES[short]
    dtype = getattr(dtype, "dtype", dtype)  # mg.LongTensor carries its dtype
    return to(input, dtype)


@tensor_method("cpu")
def cpu(input: Tensor, memory_format: Any = None) -> Tensor:
    """``input`` itself: it already lives on the CPU."""
    return input


@tensor_method("cuda")
def cuda(input: Tensor, device: Any = None, non_blocking: bool = False,
         memory_format: Any = None) -> Tensor:
    """Always the device error: minigrad runs on the CPU only."""
    check_device("cuda" if device is None else device, "cuda")
    return input
