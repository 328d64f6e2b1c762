"""``Parameter``: a tensor that a ``Module`` registers as one of its weights."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtypes
from .._dtypes import as_array
from .._tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor that requires grad and that a Module registers when assigned.

    Wraps ``data`` (a Tensor or an array; shared, not copied).

    >>> import minigrad as mg
    >>> w = Parameter(mg.zeros(2))
    >>> w.requires_grad, w.is_leaf
    (True, True)
    >>> w
    Parameter containing:
    tensor([0., 0.], requires_grad=True)
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            array = np.empty(0, _dtypes.DEFAULT_FLOAT)
        elif isinstance(data, Tensor):
            array = data.numpy(force=True)
        elif type(data) is np.ndarray:
            array = data
        else:
            array = as_array(data, None, "Parameter")
        super().__init__(array, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo: dict[int, Any]) -> Parameter:
        if id(self) in memo:
            return memo[id(self)]
        result = Parameter(self.numpy(force=True).copy(), self.requires_grad)
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (Parameter, (self.numpy(force=True), self.requires_grad))
