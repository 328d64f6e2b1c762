"""Making tensors: ``mg.tensor`` and the factories (zeros, ones, randn, ...)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import _dtypes
from ._device import check_device
from ._tensor import Tensor, tensor_method
from .random import Generator, rng

Size = Any  # ints or one tuple/list of ints, as in PyTorch: zeros(2, 3) or zeros((2, 3))


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """A new tensor holding a copy of ``data`` (nested lists, a scalar, or an array).

    Python floats become float32 and Python ints int64; arrays keep their dtype.

    >>> tensor([[1, 2], [3, 4]]).dtype
    minigrad.int64
    >>> tensor([1.5, 2.0], requires_grad=True)
    tensor([1.5, 2. ], requires_grad=True)
    """
    check_device(device, "tensor")
    t = Tensor._make(_dtypes.as_array(data, dtype, "tensor"), False, None)
    if requires_grad:
        t.requires_grad = True
    return t


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """Like ``tensor`` but shares memory with an ndarray (or Tensor) when no conversion
    is needed."""
    check_device(device, "as_tensor")
    if isinstance(data, Tensor) and (dtype is None or data.dtype == _dtypes.canonical(dtype)):
        return data
    if isinstance(data, np.ndarray) and (dtype is None or data.dtype == _dtypes.canonical(dtype)):
        _dtypes.canonical(data.dtype)
        return Tensor._make(data, False, None)
    return tensor(data, dtype)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array``."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected an ndarray, got {type(array).__name__}")
    _dtypes.canonical(array.dtype)
    return Tensor._make(array, False, None)


def size_arg(size: Any, op: str, wildcard: bool = False, negative_ok: bool = False
             ) -> tuple[int, ...]:
    """The one check of every size argument (factories, reshape/view, expand, repeat,
    randint): ``size`` is ``(2, 3)``, ``((2, 3),)``, ``([2, 3],)`` or a ``torch.Size``-like
    tuple; each element must be an int (a NumPy integer or a one-element integer
    Tensor too; never a float or bool), as PyTorch requires. Negative sizes raise
    RuntimeError, except one ``-1`` when ``wildcard`` (reshape, expand), or any when
    ``negative_ok`` (dims rather than sizes)."""
    if len(size) == 1 and isinstance(size[0], tuple | list):
        size = size[0]
    shape = []
    for position, n in enumerate(size):
        if isinstance(n, Tensor) and n.numel() == 1 and n.dtype.kind in "iu":
            n = n.item()
        if isinstance(n, bool | np.bool_) or not isinstance(n, int | np.integer):
            raise TypeError(
                f"{op}: size must be a tuple of ints, but found element of type "
                f"{type(n).__name__} at pos {position} (size {tuple(size)!r})"
            )
        shape.append(int(n))
    if not negative_ok:
        negative = [n for n in shape if n < 0 and not (wildcard and n == -1)]
        if negative:
            raise RuntimeError(f"{op}: invalid negative dimension {negative[0]} in size "
                               f"{tuple(shape)}")
        if wildcard and shape.count(-1) > 1:
            raise RuntimeError(f"{op}: only one dimension can be inferred (-1), got "
                               f"{tuple(shape)}")
    return tuple(shape)


def _shape(size: Sequence[Any], where: str) -> tuple[int, ...]:
    return size_arg(size, where)


def _float_dtype(dtype: Any) -> np.dtype:
    return _dtypes.DEFAULT_FLOAT if dtype is None else _dtypes.canonical(dtype)


def _finish(array: np.ndarray, requires_grad: bool) -> Tensor:
    t = Tensor._make(array, False, None)
    if requires_grad:
        t.requires_grad = True
    return t


def zeros(*size: Size, dtype: Any = None, requires_grad: bool = False,
          device: Any = None) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``."""
    check_device(device, "zeros")
    return _finish(np.zeros(_shape(size, "zeros"), _float_dtype(dtype)), requires_grad)


def ones(*size: Size, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """A tensor of ones."""
    check_device(device, "ones")
    return _finish(np.ones(_shape(size, "ones"), _float_dtype(dtype)), requires_grad)


def empty(*size: Size, dtype: Any = None, requires_grad: bool = False,
          device: Any = None) -> Tensor:
    """An uninitialised tensor (its values are whatever memory held)."""
    check_device(device, "empty")
    return _finish(np.empty(_shape(size, "empty"), _float_dtype(dtype)), requires_grad)


def full(size: Size, fill_value: Any, dtype: Any = None, requires_grad: bool = False,
         device: Any = None) -> Tensor:
    """A tensor filled with ``fill_value`` (dtype inferred from it if not given)."""
    check_device(device, "full")
    shape = _shape((size,), "full")
    if dtype is None:
        dtype = _dtypes.as_array(fill_value, None, "full").dtype
    return _finish(np.full(shape, fill_value, _dtypes.canonical(dtype)), requires_grad)


def arange(
    start: float, end: float | None = None, step: float = 1, dtype: Any = None,
    requires_grad: bool = False, device: Any = None,
) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive) by ``step``; int64 if all are ints."""
    check_device(device, "arange")
    if end is None:
        start, end = 0, start
    if dtype is None:
        all_int = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = _dtypes.int64 if all_int else _dtypes.DEFAULT_FLOAT
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    return _finish(np.arange(start, end, step).astype(_dtypes.canonical(dtype)), requires_grad)


def linspace(
    start: float, end: float, steps: int, dtype: Any = None, requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    check_device(device, "linspace")
    if steps < 0:
        raise ValueError(f"linspace: number of steps must be non-negative, got {steps}")
    return _finish(np.linspace(start, end, steps, dtype=_float_dtype(dtype)), requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False,
        device: Any = None) -> Tensor:
    """The identity matrix (n x m)."""
    check_device(device, "eye")
    return _finish(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad)


def rand(
    *size: Size, generator: Generator | None = None, dtype: Any = None, requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """Uniform random values in [0, 1)."""
    check_device(device, "rand")
    shape = _shape(size, "rand")
    return _finish(rng(generator).random(shape).astype(_float_dtype(dtype)), requires_grad)


def randn(
    *size: Size, generator: Generator | None = None, dtype: Any = None, requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """Standard-normal random values."""
    check_device(device, "randn")
    shape = _shape(size, "randn")
    return _finish(rng(generator).standard_normal(shape).astype(_float_dtype(dtype)), requires_grad)


def randint(
    low: int = 0, high: Any = None, size: Size = (), generator: Generator | None = None,
    dtype: Any = None, device: Any = None, requires_grad: bool = False,
) -> Tensor:
    """Random integers in [low, high): ``randint(low, high, size)`` or, as in PyTorch,
    ``randint(high, size)``.

    >>> randint(3, (4,)).shape, randint(5, 8, (2, 2)).dtype
    ((4,), minigrad.int64)
    """
    check_device(device, "randint")
    if high is None or isinstance(high, tuple | list):  # randint(high, size)
        low, high, size = 0, low, (size if high is None else high)
    for name, value in (("low", low), ("high", high)):
        if not isinstance(value, int | np.integer) or isinstance(value, bool):
            raise TypeError(f"randint: {name} must be an int, got {value!r}")
    if high <= low:
        raise ValueError(f"randint: need low < high, got low={low}, high={high}")
    shape = _shape(tuple(size) if isinstance(size, tuple | list) else (size,), "randint")
    dtype = _dtypes.int64 if dtype is None else _dtypes.canonical(dtype)
    return _finish(rng(generator).integers(low, high, shape).astype(dtype), requires_grad)


def randperm(n: int, generator: Generator | None = None, device: Any = None) -> Tensor:
    """A random permutation of 0..n-1 (int64)."""
    check_device(device, "randperm")
    (n,) = _shape((n,), "randperm")
    return _finish(rng(generator).permutation(n).astype(np.int64), False)


def _like(x: Any, dtype: Any) -> tuple[tuple[int, ...], np.dtype]:
    data = x._array if isinstance(x, Tensor) else np.asarray(x)
    return data.shape, data.dtype if dtype is None else _dtypes.canonical(dtype)


def zeros_like(x: Any, dtype: Any = None, requires_grad: bool = False,
               device: Any = None) -> Tensor:
    check_device(device, "zeros_like")
    shape, dt = _like(x, dtype)
    return _finish(np.zeros(shape, dt), requires_grad)


def ones_like(x: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    check_device(device, "ones_like")
    shape, dt = _like(x, dtype)
    return _finish(np.ones(shape, dt), requires_grad)


def empty_like(x: Any, dtype: Any = None, requires_grad: bool = False,
               device: Any = None) -> Tensor:
    check_device(device, "empty_like")
    shape, dt = _like(x, dtype)
    return _finish(np.empty(shape, dt), requires_grad)


def full_like(x: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False,
              device: Any = None) -> Tensor:
    check_device(device, "full_like")
    shape, dt = _like(x, dtype)
    return _finish(np.full(shape, fill_value, dt), requires_grad)


def rand_like(x: Any, dtype: Any = None, generator: Generator | None = None,
              requires_grad: bool = False, device: Any = None) -> Tensor:
    check_device(device, "rand_like")
    shape, dt = _like(x, dtype)
    return _finish(rng(generator).random(shape).astype(dt), requires_grad)


def randn_like(x: Any, dtype: Any = None, generator: Generator | None = None,
               requires_grad: bool = False, device: Any = None) -> Tensor:
    check_device(device, "randn_like")
    shape, dt = _like(x, dtype)
    return _finish(rng(generator).standard_normal(shape).astype(dt), requires_grad)


# ---------------------------------------------------- x.new_zeros(...) and friends
def _new(x: Tensor, size: Sequence[Any], dtype: Any, device: Any, where: str) -> tuple:
    check_device(device, where)
    return _shape(size, where), x.dtype if dtype is None else _dtypes.canonical(dtype)


@tensor_method("new_zeros")
def new_zeros(self: Tensor, *size: Size, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    """Zeros of ``size`` with this tensor's dtype (unless ``dtype`` is given)."""
    shape, dt = _new(self, size, dtype, device, "new_zeros")
    return _finish(np.zeros(shape, dt), requires_grad)


@tensor_method("new_ones")
def new_ones(self: Tensor, *size: Size, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """Ones of ``size`` with this tensor's dtype (unless ``dtype`` is given)."""
    shape, dt = _new(self, size, dtype, device, "new_ones")
    return _finish(np.ones(shape, dt), requires_grad)


@tensor_method("new_empty")
def new_empty(self: Tensor, *size: Size, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor of ``size`` with this tensor's dtype."""
    shape, dt = _new(self, size, dtype, device, "new_empty")
    return _finish(np.empty(shape, dt), requires_grad)


@tensor_method("new_full")
def new_full(self: Tensor, size: Size, fill_value: Any, dtype: Any = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """``fill_value`` everywhere, in ``size``, with this tensor's dtype.

    >>> ones(2, dtype=_dtypes.float64).new_full((2,), 7).tolist()
    [7.0, 7.0]
    """
    shape, dt = _new(self, (size,), dtype, device, "new_full")
    return _finish(np.full(shape, fill_value, dt), requires_grad)


@tensor_method("new_tensor")
def new_tensor(self: Tensor, data: Any, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    """A copy of ``data`` with this tensor's dtype (unless ``dtype`` is given)."""
    check_device(device, "new_tensor")
    return tensor(data, dtype=self.dtype if dtype is None else dtype,
                  requires_grad=requires_grad)
