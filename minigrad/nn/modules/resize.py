"""``Upsample`` (``F.interpolate`` as a layer), ``ZeroPad2d`` and ``Bilinear``."""

from __future__ import annotations

import math
from typing import Any

from ..._tensor import Tensor
from .. import functional as F
from .. import init
from ._utils import empty_parameter, float_dtype, positive_int
from .module import Module


class Upsample(Module):
    """Resize (N, C, L) or (N, C, H, W) input to ``size`` or by ``scale_factor`` with
    ``mode`` ``"nearest"``, ``"linear"`` or ``"bilinear"``; see ``F.interpolate``.

    >>> import minigrad as mg, minigrad.nn as nn
    >>> nn.Upsample(scale_factor=2)(mg.ones(1, 3, 4, 5)).shape
    (1, 3, 8, 10)
    """

    def __init__(self, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                 align_corners: bool | None = None,
                 recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        self.size = size
        self.scale_factor = float(scale_factor) if isinstance(scale_factor, int) else scale_factor
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        return F.interpolate(input, self.size, self.scale_factor, self.mode,
                             self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self) -> str:
        where = (f"scale_factor={self.scale_factor!r}" if self.size is None
                 else f"size={self.size!r}")
        return f"{where}, mode={self.mode!r}"


class ZeroPad2d(Module):
    """Pad the last two dims with zeros: ``padding`` is one int or
    ``(left, right, top, bottom)``.

    >>> import minigrad as mg, minigrad.nn as nn
    >>> nn.ZeroPad2d((1, 0, 0, 2))(mg.ones(1, 2, 2)).shape
    (1, 4, 3)
    """

    def __init__(self, padding: int | tuple[int, int, int, int]) -> None:
        super().__init__()
        if isinstance(padding, int):
            padding = (padding,) * 4
        if len(padding) != 4:
            raise ValueError(f"ZeroPad2d: padding must be an int or 4 ints (left, right, "
                             f"top, bottom), got {padding!r}")
        self.padding = tuple(int(p) for p in padding)

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, "constant", 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class Bilinear(Module):
    """``y = x1^T A x2 + b`` for each output feature: ``weight`` (out_features,
    in1_features, in2_features) and ``bias`` (out_features,) start at
    U(-1/sqrt(in1_features), 1/sqrt(in1_features)), as in PyTorch.

    >>> import minigrad as mg, minigrad.nn as nn
    >>> nn.Bilinear(3, 4, 2)(mg.ones(5, 3), mg.ones(5, 4)).shape
    (5, 2)
    """

    def __init__(self, in1_features: int, in2_features: int, out_features: int,
                 bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.in1_features = positive_int(in1_features, "in1_features", "Bilinear")
        self.in2_features = positive_int(in2_features, "in2_features", "Bilinear")
        self.out_features = positive_int(out_features, "out_features", "Bilinear")
        dt = float_dtype(dtype, device, "Bilinear")
        self.weight = empty_parameter((out_features, in1_features, in2_features), dt)
        if bias:
            self.bias = empty_parameter((out_features,), dt)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1 / math.sqrt(self.in1_features)
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
