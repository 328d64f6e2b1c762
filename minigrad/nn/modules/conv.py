"""``Conv1d`` and ``Conv2d``: convolution (cross-correlation, as in every DL library)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..._tensor import Tensor
from ...creation import from_numpy
from .. import functional as F
from .. import init
from ._utils import empty_parameter, float_dtype, pair, positive_int
from .module import Module

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _single(value: Any, name: str, where: str) -> tuple[int]:
    """``3`` or ``(3,)`` -> ``(3,)``; anything else is a TypeError."""
    if isinstance(value, tuple | list) and len(value) == 1:
        value = value[0]
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return (int(value),)
    raise TypeError(f"{where}: {name} must be an int or a 1-tuple of ints, got {value!r}")


class _ConvNd(Module):
    """The arguments, parameters and initialisation shared by ``Conv1d`` and ``Conv2d``;
    ``to_tuple`` turns an int into the per-dimension tuple."""

    to_tuple = staticmethod(pair)
    padding_modes: tuple[str, ...] = _PADDING_MODES

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any,
                 padding: Any, dilation: Any, groups: int, bias: bool, padding_mode: str,
                 device: Any, dtype: Any) -> None:
        super().__init__()
        where = type(self).__name__
        self.in_channels = positive_int(in_channels, "in_channels", where)
        self.out_channels = positive_int(out_channels, "out_channels", where)
        if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1:
            raise ValueError(f"{where}: groups must be a positive integer, got {groups!r}")
        self.groups = groups
        for name, channels in (("in_channels", in_channels), ("out_channels", out_channels)):
            if channels % groups:
                raise ValueError(f"{where}: {name} must be divisible by groups ({name}="
                                 f"{channels}, groups={groups})")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"{where}: padding_mode must be one of {_PADDING_MODES}, but got "
                             f"padding_mode={padding_mode!r}")
        if padding_mode not in self.padding_modes:
            raise ValueError(f"{where}: only padding_mode='zeros' is supported, got "
                             f"{padding_mode!r}")
        self.kernel_size = self.to_tuple(kernel_size, "kernel_size", where)
        self.stride = self.to_tuple(stride, "stride", where)
        if isinstance(padding, str):
            if padding not in ("valid", "same"):
                raise ValueError(f"{where}: Invalid padding string {padding!r}, should be one "
                                 f"of {{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{where}: padding='same' is not supported for strided "
                                 f"convolutions")
            self.padding: Any = padding
        else:
            self.padding = self.to_tuple(padding, "padding", where)
        self.dilation = self.to_tuple(dilation, "dilation", where)
        self.padding_mode = padding_mode
        dt = float_dtype(dtype, device, where)
        self.weight = empty_parameter((out_channels, in_channels // groups, *self.kernel_size),
                                      dt)
        if bias:
            self.bias = empty_parameter((out_channels,), dt)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in)
            init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        ones = (1,) * len(self.kernel_size)
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != (0,) * len(ones):
            text += f", padding={self.padding}"
        if self.dilation != ones:
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


class Conv1d(_ConvNd):
    """Slide ``out_channels`` filters of shape ``(in_channels / groups, kernel_size)`` along
    an ``(N, C_in, L)`` (or unbatched ``(C_in, L)``) input. ``padding`` is an int, 'valid'
    or 'same'; ``padding_mode`` 'zeros', 'reflect', 'replicate' or 'circular'. Weights start
    like ``Linear``'s, with fan_in = ``in_channels / groups * kernel_size``.

    >>> import minigrad as mg
    >>> import minigrad.nn as nn
    >>> conv = nn.Conv1d(4, 8, kernel_size=3, padding=1)
    >>> conv(mg.zeros(2, 4, 20)).shape
    (2, 8, 20)
    >>> conv
    Conv1d(4, 8, kernel_size=(3,), stride=(1,), padding=(1,))
    """

    to_tuple = staticmethod(_single)
    padding_modes = _PADDING_MODES

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int],
                 stride: int | tuple[int] = 1, padding: int | tuple[int] | str = 0,
                 dilation: int | tuple[int] = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device, dtype)

    def forward(self, input: Tensor) -> Tensor:
        if self.padding_mode == "zeros" or self.padding == "valid":
            return F.conv1d(input, self.weight, self.bias, self.stride, self.padding,
                            self.dilation, self.groups)
        if self.padding == "same":
            total = self.dilation[0] * (self.kernel_size[0] - 1)
            left, right = total // 2, total - total // 2
        else:
            left = right = self.padding[0]
        return F.conv1d(_pad_by_mode(input, left, right, self.padding_mode), self.weight,
                        self.bias, self.stride, 0, self.dilation, self.groups)


def _pad_by_mode(x: Tensor, left: int, right: int, mode: str) -> Tensor:
    """``x`` padded along its last dim by reading elements at clipped ('replicate'),
    mirrored without the edge ('reflect') or wrapped ('circular') positions."""
    length = x.shape[-1]
    if mode == "reflect" and max(left, right) >= length:
        raise ValueError(f"Conv1d: padding ({left}, {right}) with padding_mode='reflect' must "
                         f"be smaller than the input length {length}")
    if mode == "circular" and max(left, right) > length:
        raise ValueError(f"Conv1d: padding ({left}, {right}) with padding_mode='circular' "
                         f"must be at most the input length {length}")
    positions = np.arange(-left, length + right)
    if mode == "replicate":
        positions = np.clip(positions, 0, length - 1)
    elif mode == "reflect":
        positions = np.abs(positions)
        positions = np.where(positions >= length, 2 * (length - 1) - positions, positions)
    else:
        positions = positions % length
    return x[..., from_numpy(positions)]


class Conv2d(_ConvNd):
    """Slide ``out_channels`` filters of shape ``(in_channels / groups, kH, kW)`` over an
    ``(N, C_in, H, W)`` input. Weights start like ``Linear``'s, with
    fan_in = ``in_channels / groups * kH * kW``.

    >>> import minigrad as mg
    >>> import minigrad.nn as nn
    >>> conv = nn.Conv2d(3, 8, kernel_size=3, padding=1)
    >>> conv(mg.zeros(2, 3, 16, 16)).shape
    (2, 8, 16, 16)
    >>> conv
    Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
    """

    padding_modes = ("zeros",)

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int],
                 stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] | str = 0,
                 dilation: int | tuple[int, int] = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device, dtype)

    def forward(self, input: Tensor) -> Tensor:
        return F.conv2d(input, self.weight, self.bias, self.stride, self.padding,
                        self.dilation, self.groups)
