"""The dtypes minigrad supports and the rules for choosing one.

Tensors hold NumPy arrays; ``mg.float32`` is a ``minigrad.dtype`` that wraps
``numpy.dtype("float32")``, prints as PyTorch's dtypes do and is taken by NumPy as
a dtype. Floats default to float32 and Python ints to int64, as in PyTorch. Type
promotion follows PyTorch where it differs from NumPy: mixing an integer tensor with a
float tensor gives the float's dtype.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class dtype:
    """A tensor's element type, printed as PyTorch prints its dtypes (``minigrad.float32``).

    It wraps a NumPy dtype and NumPy takes it wherever it takes a dtype; it compares equal to
    that NumPy dtype, its type (``np.float32``) and its name (``"float32"``).

    >>> import minigrad as mg
    >>> mg.float32, mg.tensor([1, 2]).dtype, mg.float32.is_floating_point
    (minigrad.float32, minigrad.int64, True)
    >>> mg.float32 == np.float32, np.zeros(2, mg.float32).dtype
    (True, dtype('float32'))
    """

    __slots__ = ("_numpy",)

    def __init__(self, name: str) -> None:
        self._numpy = np.dtype(name)

    @property
    def dtype(self) -> np.dtype:
        """The NumPy dtype (how NumPy reads a ``minigrad.dtype`` given as a dtype)."""
        return self._numpy

    @property
    def is_floating_point(self) -> bool:
        return self._numpy.kind == "f"

    @property
    def is_signed(self) -> bool:
        return self._numpy.kind in "fi"

    @property
    def kind(self) -> str:
        return self._numpy.kind

    @property
    def name(self) -> str:
        return self._numpy.name

    @property
    def itemsize(self) -> int:
        return self._numpy.itemsize

    def __getattr__(self, name: str) -> Any:  # the rest of NumPy's dtype: type, char, ...
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._numpy, name)

    def __reduce__(self) -> tuple[Any, ...]:
        return _public, (self._numpy.name,)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, dtype):
            return self._numpy == other._numpy
        try:
            return self._numpy == np.dtype(other)
        except TypeError:
            return NotImplemented

    def __hash__(self) -> int:
        return hash(self._numpy)

    def __repr__(self) -> str:
        return f"minigrad.{self._numpy.name}"

    __str__ = __repr__


float16 = half = dtype("float16")
float32 = float = dtype("float32")
float64 = double = dtype("float64")
int8 = dtype("int8")
int16 = short = dtype("int16")
int32 = int = dtype("int32")
int64 = long = dtype("int64")
uint8 = dtype("uint8")
bool_ = dtype("bool")



NO_BFLOAT16 = ("minigrad has no bfloat16: NumPy, which holds minigrad's tensors, has no such "
               "type. Use minigrad.float32 (minigrad computes in full precision on the CPU)")


class _bfloat16(dtype):
    """``minigrad.bfloat16`` exists so that code naming it (dtype tables, ``dtype=`` defaults
    picked at startup) imports; making or converting a tensor to it raises TypeError."""

    __slots__ = ()

    def __init__(self) -> None:
        self._numpy = None

    @property
    def dtype(self) -> np.dtype:
        raise TypeError(NO_BFLOAT16)

    @property
    def is_floating_point(self) -> bool:
        return True

    @property
    def is_signed(self) -> bool:
        return True

    @property
    def itemsize(self) -> int:
        return 2

    def __getattr__(self, name: str) -> Any:
        if name == "name":
            return "bfloat16"
        raise AttributeError(f"minigrad.bfloat16 has no attribute {name!r} ({NO_BFLOAT16})")

    def __reduce__(self) -> tuple[Any, ...]:
        return _public, ("bfloat16",)

    def __eq__(self, other: object) -> bool:
        return other is self or (isinstance(other, str) and other == "bfloat16")

    def __hash__(self) -> int:
        return hash("bfloat16")

    def __repr__(self) -> str:
        return "minigrad.bfloat16"

    __str__ = __repr__


bfloat16 = _bfloat16()

PUBLIC = {d.dtype: d for d in (float16, float32, float64, int8, int16, int32, int64, uint8,
                               bool_)}
SUPPORTED = tuple(PUBLIC)


def _public(name: str) -> dtype:
    if name == "bfloat16":
        return bfloat16
    return PUBLIC[np.dtype(name)]
DEFAULT_FLOAT = float32.dtype


def canonical(dtype: Any) -> np.dtype:
    """Turn ``dtype`` (a NumPy dtype, type or name like "float32") into a supported dtype.

    Raises TypeError for object, string, complex and other unsupported dtypes, and for
    ``bfloat16`` (which NumPy lacks), saying to use float32.
    """
    if dtype is bfloat16 or (isinstance(dtype, str) and dtype.removeprefix("torch.") == "bfloat16"):
        raise TypeError(NO_BFLOAT16)
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
