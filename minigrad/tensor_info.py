"""PyTorch's questions about tensors and dtypes: ``is_tensor``, ``is_floating_point``,
``x.ndimension()``, ``x.is_cuda``, ``x.is_pinned()`` (and ``x.pin_memory()``, nothing to
do), ``get_default_dtype``/``set_default_dtype``, ``finfo`` and ``iinfo``.

>>> import minigrad as mg
>>> mg.is_tensor(mg.ones(2)), mg.ones(2).is_cuda, mg.get_default_dtype()
(True, False, minigrad.float32)
>>> float(mg.finfo(mg.float32).eps), mg.iinfo(mg.int8).max
(1.1920928955078125e-07, 127)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _dtypes
from ._tensor import Tensor, tensor_method


def is_tensor(obj: Any) -> bool:
    """True if ``obj`` is a minigrad Tensor (``torch.is_tensor``)."""
    return isinstance(obj, Tensor)


def is_floating_point(input: Tensor) -> bool:
    """True if ``input``'s dtype is a floating-point type (``torch.is_floating_point``)."""
    return input.is_floating_point()


@tensor_method("ndimension")
def ndimension(input: Tensor) -> int:
    """The number of dimensions (PyTorch's older name for ``dim()``)."""
    return input.ndim


@tensor_method("property:is_cuda")
def is_cuda(input: Tensor) -> bool:
    """False: minigrad's tensors live on the CPU."""
    return False


@tensor_method("pin_memory")
def pin_memory(input: Tensor, device: Any = None) -> Tensor:
    """``input`` itself: pinned memory speeds copies to a GPU, and minigrad has none."""
    return input


@tensor_method("is_pinned")
def is_pinned(input: Tensor, device: Any = None) -> bool:
    """False: no tensor is pinned (see ``pin_memory``)."""
    return False


def get_default_dtype() -> _dtypes.dtype:
    """The dtype of floating-point tensors made without one: ``minigrad.float32``."""
    return _dtypes.float32


def set_default_dtype(d: Any) -> None:
    """Accepts float32, the default already; any other dtype raises: minigrad's creation
    functions make float32 unless given ``dtype=``."""
    if _dtypes.canonical(d) != _dtypes.DEFAULT_FLOAT:
        raise NotImplementedError(
            f"set_default_dtype: minigrad's default floating-point dtype is float32 and "
            f"can't be changed (got {d}); pass dtype= to the tensors that need it"
        )


def finfo(type: Any = None) -> np.finfo:
    """Limits of a floating-point dtype (float32 when omitted): ``eps``, ``max``, ``min``,
    ``tiny``, ``bits``, ``resolution``, as NumPy's ``finfo`` gives them."""
    return np.finfo(_dtypes.DEFAULT_FLOAT if type is None else _dtypes.canonical(type))


def iinfo(type: Any) -> np.iinfo:
    """Limits of an integer dtype: ``max``, ``min``, ``bits``."""
    return np.iinfo(_dtypes.canonical(type))
