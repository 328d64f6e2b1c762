"""``Linear`` (y = x W^T + b) and ``Identity``."""

from __future__ import annotations

import math
from typing import Any

from ..._tensor import Tensor
from .. import functional as F
from .. import init
from ._utils import empty_parameter, float_dtype, positive_int
from .module import Module


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. to remove a head).
    Any constructor arguments are ignored."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Any) -> Any:
        return input


class Linear(Module):
    """Affine map ``y = x @ weight.T + bias`` over the last dim.

    ``weight`` is ``(out_features, in_features)``; both it and ``bias`` start at
    U(-1/sqrt(in_features), 1/sqrt(in_features)), as in PyTorch.

    >>> import minigrad as mg
    >>> import minigrad.nn as nn
    >>> nn.Linear(4, 3)(mg.ones(2, 4)).shape
    (2, 3)
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.in_features = positive_int(in_features, "in_features", "Linear")
        self.out_features = positive_int(out_features, "out_features", "Linear")
        dt = float_dtype(dtype, device, "Linear")
        self.weight = empty_parameter((out_features, in_features), dt)
        if bias:
            self.bias = empty_parameter((out_features,), dt)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        # kaiming_uniform_ with a=sqrt(5) gives U(-1/sqrt(fan_in), 1/sqrt(fan_in))
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features)
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")
