"""Normalisation layers: ``LayerNorm``, ``RMSNorm``, ``BatchNorm1d``, ``BatchNorm2d``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from .. import functional as F
from .. import init
from ._utils import empty_parameter, float_dtype, positive_int
from .module import Module


def _shape_tuple(normalized_shape: int | Sequence[int], where: str) -> tuple[int, ...]:
    if isinstance(normalized_shape, (int, np.integer)):
        normalized_shape = (normalized_shape,)
    shape = tuple(positive_int(s, "normalized_shape", where) for s in normalized_shape)
    if not shape:
        raise ValueError(f"{where}: normalized_shape must not be empty")
    return shape


class LayerNorm(Module):
    """Normalise over the last ``len(normalized_shape)`` dims to mean 0, variance 1,
    then scale by ``weight`` (ones) and shift by ``bias`` (zeros).

    >>> import minigrad as mg
    >>> import minigrad.nn as nn
    >>> y = nn.LayerNorm(4)(mg.tensor([[1.0, 2.0, 3.0, 4.0]]))
    >>> round(float(y.mean()), 6), round(float(y.std(unbiased=False)), 3)
    (0.0, 1.0)
    """

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.normalized_shape = _shape_tuple(normalized_shape, "LayerNorm")
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        dt = float_dtype(dtype, device, "LayerNorm")
        if elementwise_affine:
            self.weight = empty_parameter(self.normalized_shape, dt)
            if bias:
                self.bias = empty_parameter(self.normalized_shape, dt)
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class RMSNorm(Module):
    """Divide by the root mean square over the last dims (no centring), then scale by
    ``weight`` (ones). ``eps=None`` uses the input dtype's machine epsilon."""

    def __init__(self, normalized_shape: int | Sequence[int], eps: float | None = None,
                 elementwise_affine: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        self.normalized_shape = _shape_tuple(normalized_shape, "RMSNorm")
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        dt = float_dtype(dtype, device, "RMSNorm")
        if elementwise_affine:
            self.weight = empty_parameter(self.normalized_shape, dt)
        else:
            self.register_parameter("weight", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.weight is not None:
            init.ones_(self.weight)

    def forward(self, input: Tensor) -> Tensor:
        return F.rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class _BatchNorm(Module):
    """Shared by BatchNorm1d/2d: normalise each channel (dim 1) over the batch and
    spatial dims. Training uses the batch's statistics and updates the running ones
    (``running = (1 - momentum) * running + momentum * batch``, the variance unbiased);
    eval uses the running ones. ``momentum=None`` keeps a plain cumulative average."""

    _expected_dims: tuple[int, ...] = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        where = type(self).__name__
        self.num_features = positive_int(num_features, "num_features", where)
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        dt = float_dtype(dtype, device, where)
        if affine:
            self.weight = empty_parameter((num_features,), dt)
            self.bias = empty_parameter((num_features,), dt)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(num_features, dt)))
            self.register_buffer("running_var", Tensor(np.ones(num_features, dt)))
            self.register_buffer("num_batches_tracked", Tensor(np.zeros((), np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            with no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1)
                self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim not in self._expected_dims:
            dims = " or ".join(f"{d}D" for d in self._expected_dims)
            raise ValueError(
                f"{type(self).__name__}: expected {dims} input, got {input.ndim}D input "
                f"of shape {tuple(input.shape)}"
            )
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            with no_grad():
                self.num_batches_tracked.add_(1)  # in place: bumps its version counter
            if self.momentum is None:
                factor = 1.0 / self.num_batches_tracked.item()
        use_batch_stats = self.training or self.running_mean is None
        track = not self.training or self.track_running_stats
        return F.batch_norm(
            input,
            self.running_mean if track else None,
            self.running_var if track else None,
            self.weight,
            self.bias,
            use_batch_stats,
            factor,
            self.eps,
        )

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch norm over ``(N, C)`` or ``(N, C, L)`` inputs (see ``_BatchNorm``).

    >>> import minigrad as mg
    >>> import minigrad.nn as nn
    >>> bn = nn.BatchNorm1d(2)
    >>> bn(mg.tensor([[1.0, 10.0], [3.0, 30.0]])).detach()
    tensor([[-1., -1.],
            [ 1.,  1.]])
    >>> bn.running_mean     # 0.9 * 0 + 0.1 * batch mean
    tensor([0.2, 2. ])
    """

    _expected_dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch norm over ``(N, C, H, W)`` inputs, one mean/variance per channel."""

    _expected_dims = (4,)


class GroupNorm(Module):
    """Normalise each sample's ``num_channels`` channels in ``num_groups`` groups (over the
    group's channels and all positions), then scale by ``weight`` (ones) and shift by
    ``bias`` (zeros) per channel (``affine=True``).

    >>> import minigrad as mg
    >>> import minigrad.nn as nn
    >>> y = nn.GroupNorm(2, 4)(mg.randn(3, 4, 5))
    >>> y.shape, abs(float(y[0, :2].mean())) < 1e-6
    ((3, 4, 5), True)
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.num_groups = positive_int(num_groups, "num_groups", "GroupNorm")
        self.num_channels = positive_int(num_channels, "num_channels", "GroupNorm")
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels must be divisible by num_groups "
                             f"(num_channels={num_channels}, num_groups={num_groups})")
        self.eps = eps
        self.affine = affine
        dt = float_dtype(dtype, device, "GroupNorm")
        if affine:
            self.weight = empty_parameter((num_channels,), dt)
            self.bias = empty_parameter((num_channels,), dt)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.affine:
            init.ones_(self.weight)
            init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim < 2 or input.shape[1] != self.num_channels:
            raise ValueError(f"GroupNorm: expected an input (N, {self.num_channels}, ...), got "
                             f"shape {tuple(input.shape)}")
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"
