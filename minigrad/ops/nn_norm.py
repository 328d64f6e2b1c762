"""Normalisation: ``layer_norm`` and ``rms_norm`` (one fused Function each, forward and
backward on the kernels) and ``batch_norm`` (a composition of core ops, plus the in-place
update of the running statistics).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import kernels
from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import no_grad
from ._args import optional_tensor, tensor_arg


class LayerNorm(Function):
    name = "layer_norm"
    once_differentiable = True  # the backward runs the kernel on arrays

    @staticmethod
    def forward(ctx, x, weight, bias, shape, eps):
        size = math.prod(shape)
        w = None if weight is None else weight.reshape(size)
        b = None if bias is None else bias.reshape(size)
        y, mean, rstd = kernels.layer_norm_forward(x.reshape(-1, size), w, b, eps)
        ctx.save_for_backward(x, weight, mean, rstd)
        ctx.shape, ctx.has_bias = shape, bias is not None
        return y.reshape(x.shape)

    @staticmethod
    def backward(ctx, grad):
        x, weight, mean, rstd = ctx.saved_tensors
        size = math.prod(ctx.shape)
        g2 = grad.reshape(-1, size)
        w = None if weight is None else weight.reshape(size)
        # dx = rstd (g - mean(g) - xhat mean(g xhat)) with g = grad * weight
        dx, dw, db = kernels.layer_norm_backward(g2, x.reshape(-1, size), mean, rstd, w)
        if ctx.has_bias and db is None:
            db = g2.sum(axis=0)  # d(y + b)/db = 1, summed over rows
        dw = None if dw is None else dw.reshape(ctx.shape)
        db = None if not ctx.has_bias else db.reshape(ctx.shape)
        return dx.reshape(x.shape), dw, db, None, None


class RMSNorm(Function):
    name = "rms_norm"
    once_differentiable = True  # the backward runs the kernel on arrays

    @staticmethod
    def forward(ctx, x, weight, size, eps):
        w = None if weight is None else weight.reshape(size)
        y, rstd = kernels.rms_norm_forward(x.reshape(-1, size), w, eps)
        ctx.save_for_backward(x, weight, rstd)
        ctx.size = size
        return y.reshape(x.shape)

    @staticmethod
    def backward(ctx, grad):
        x, weight, rstd = ctx.saved_tensors
        size = ctx.size
        w = None if weight is None else weight.reshape(size)
        # dx = rstd (g - xhat mean(g xhat)) with g = grad * weight
        dx, dw = kernels.rms_norm_backward(grad.reshape(-1, size), x.reshape(-1, size), rstd, w)
        return dx.reshape(x.shape), (None if dw is None else dw.reshape(weight.shape)), None, None


def _normalized(x: Tensor, normalized_shape: Any, op: str) -> tuple[tuple[int, ...], int]:
    """``normalized_shape`` as a tuple that must match the trailing dims of ``x``, and its size."""
    if isinstance(normalized_shape, int | np.integer):
        normalized_shape = (normalized_shape,)
    shape = tuple(int(n) for n in normalized_shape)
    if not shape or len(shape) > x.ndim or x.shape[x.ndim - len(shape):] != shape:
        raise ValueError(
            f"{op}: normalized_shape {shape} must match the trailing dimensions of the input "
            f"of shape {x.shape}"
        )
    return shape, math.prod(shape)


def _affine(p: Any, shape: tuple[int, ...], op: str, name: str) -> Tensor | None:
    t = optional_tensor(p, op, name)
    if t is not None and t.shape != shape:
        raise ValueError(f"{op}: {name} must have the normalized shape {shape}, got {t.shape}")
    return t


def layer_norm(
    input: Tensor, normalized_shape: Any, weight: Any = None, bias: Any = None,
    eps: float = 1e-5,
) -> Tensor:
    """(x - mean) / sqrt(var + eps) * weight + bias over the trailing ``normalized_shape``
    dims (biased variance).

    >>> import minigrad as mg, minigrad.nn.functional as F
    >>> F.layer_norm(mg.tensor([[1.0, 3.0]]), (2,), eps=0.0)
    tensor([[-1.,  1.]])
    """
    op = "layer_norm"
    x = tensor_arg(input, op)
    shape, _ = _normalized(x, normalized_shape, op)
    w = _affine(weight, shape, op, "weight")
    b = _affine(bias, shape, op, "bias")
    return LayerNorm.apply(x, w, b, shape, float(eps))


def rms_norm(
    input: Tensor, normalized_shape: Any, weight: Any = None, eps: float | None = None
) -> Tensor:
    """x / sqrt(mean(x^2) + eps) * weight over the trailing ``normalized_shape`` dims;
    ``eps=None`` uses the machine epsilon of the input's dtype, as PyTorch."""
    op = "rms_norm"
    x = tensor_arg(input, op)
    shape, size = _normalized(x, normalized_shape, op)
    w = _affine(weight, shape, op, "weight")
    eps = float(np.finfo(x.dtype).eps) if eps is None else float(eps)
    return RMSNorm.apply(x, w, size, eps)


def _channel(p: Any, channels: int, op: str, name: str) -> Tensor | None:
    t = optional_tensor(p, op, name)
    if t is not None and t.shape != (channels,):
        raise ValueError(f"{op}: {name} must have shape ({channels},), got {t.shape}")
    return t


def batch_norm(
    input: Tensor, running_mean: Any, running_var: Any, weight: Any = None, bias: Any = None,
    training: bool = False, momentum: float = 0.1, eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel (dim 1) of an (N, C, ...) input. Training: batch statistics
    over N and the spatial dims (biased variance), and the running statistics are updated
    in place, ``running = (1 - momentum) * running + momentum * batch`` with the unbiased
    variance. Evaluation: the running statistics are used.
    """
    op = "batch_norm"
    x = tensor_arg(input, op)
    if x.ndim < 2:
        raise ValueError(f"{op}: input must be (N, C) or (N, C, ...), got shape {x.shape}")
    channels = x.shape[1]
    rm = _channel(running_mean, channels, op, "running_mean")
    rv = _channel(running_var, channels, op, "running_var")
    w = _channel(weight, channels, op, "weight")
    b = _channel(bias, channels, op, "bias")
    bshape = (1, channels) + (1,) * (x.ndim - 2)
    if training:
        dims = (0,) + tuple(range(2, x.ndim))
        count = x._array.size // max(channels, 1)
        if count <= 1:
            raise ValueError(
                f"{op}: expected more than 1 value per channel when training, got input of "
                f"shape {x.shape}"
            )
        mean = x.mean(dim=dims, keepdim=True)
        centred = x - mean
        var = (centred * centred).mean(dim=dims, keepdim=True)
        y = centred * (var + eps) ** -0.5
        _update_running(rm, mean._array, momentum)
        _update_running(rv, var._array * (count / (count - 1)), momentum)  # unbiased
    else:
        if rm is None or rv is None:
            raise ValueError(f"{op}: running_mean and running_var are needed when training=False")
        y = (x - rm.reshape(bshape)) * (rv.reshape(bshape) + eps) ** -0.5
    if w is not None:
        y = y * w.reshape(bshape)
    if b is not None:
        y = y + b.reshape(bshape)
    return y


def _update_running(stat: Tensor | None, batch: np.ndarray, momentum: float) -> None:
    if stat is None:
        return
    with no_grad():
        stat.copy_(stat._array * (1 - momentum) + batch.reshape(stat.shape) * momentum)
