"""2-D convolution and pooling over NCHW tensors, on the im2col / pooling kernels.

``conv2d`` lays every receptive field out as a column (``kernels.im2col``), so the
convolution is one matrix product per group; its backward is two products and
``kernels.col2im``. The pooling ops wrap their forward/backward kernels.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import kernels
from .._tensor import Tensor
from ..autograd.function import Function
from ._args import int_pair, optional_tensor, tensor_arg
from .shape import pad as pad_op


class Conv2d(Function):
    name = "conv2d"
    once_differentiable = True  # the backward runs the kernels on arrays

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, dilation, groups):
        n = x.shape[0]
        f, _, kh, kw = weight.shape
        cols = kernels.im2col(x, kh, kw, stride, padding, dilation)  # (N, C*kh*kw, L)
        oh, ow = (
            kernels.conv_output_size(x.shape[2 + a], weight.shape[2 + a], stride[a], padding[a],
                                     dilation[a])
            for a in range(2)
        )
        if groups == 1:
            out = np.matmul(weight.reshape(f, -1), cols)  # (F, K) @ (N, K, L)
        else:  # out[n, g] = W[g] @ cols[n, g]: (G, F/G, K) @ (N, G, K, L)
            w_g = weight.reshape(groups, f // groups, -1)
            out = np.matmul(w_g, cols.reshape(n, groups, w_g.shape[2], cols.shape[2]))
        out = out.reshape(n, f, oh, ow)
        if bias is not None:
            out += bias.reshape(f, 1, 1)
        ctx.save_for_backward(cols, weight)
        ctx.x_shape, ctx.geometry, ctx.groups = x.shape, (stride, padding, dilation), groups
        return out

    @staticmethod
    def backward(ctx, grad):
        cols, weight = ctx.saved_tensors
        groups, n = ctx.groups, ctx.x_shape[0]
        f, _, kh, kw = weight.shape
        if n == 0:  # an empty batch: every gradient is zero (as in PyTorch)
            zeros = [np.zeros(s, grad.dtype) if need else None for s, need in
                     zip((ctx.x_shape, weight.shape, (f,)), ctx.needs_input_grad)]
            return (*zeros, None, None, None, None)
        w_g = weight.reshape(groups, f // groups, -1)
        cols_g = cols.reshape(n, groups, w_g.shape[2], -1)
        g = grad.reshape(n, groups, f // groups, -1)
        dx = dw = db = None
        if ctx.needs_input_grad[0]:
            # d cols = W^T @ grad per group, then summed back into the image (col2im)
            dcols = np.matmul(np.swapaxes(w_g, 1, 2), g).reshape(n, -1, cols.shape[2])
            dx = kernels.col2im(dcols, ctx.x_shape, kh, kw, *ctx.geometry)
        if ctx.needs_input_grad[1]:
            # dW[g] = sum over images of grad[n, g] @ cols[n, g]^T
            dw = np.matmul(g, np.swapaxes(cols_g, 2, 3)).sum(axis=0).reshape(weight.shape)
        if ctx.needs_input_grad[2]:
            db = grad.sum(axis=(0, 2, 3))
        return dx, dw, db, None, None, None, None


def _same_padding(weight_shape: tuple[int, ...], stride: tuple[int, int],
                  dilation: tuple[int, int]) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) so that the output keeps the input's size (stride 1);
    an odd total puts the extra row/column at the bottom/right, as PyTorch does."""
    if stride != (1, 1):
        raise ValueError(f"conv2d: padding='same' needs stride 1, got stride {stride}")
    out = []
    for a in range(2):
        total = dilation[a] * (weight_shape[2 + a] - 1)
        out += [total // 2, total - total // 2]
    return tuple(out)  # type: ignore[return-value]


def conv2d(
    input: Tensor, weight: Tensor, bias: Any = None, stride: Any = 1, padding: Any = 0,
    dilation: Any = 1, groups: int = 1,
) -> Tensor:
    """2-D cross-correlation of an (N, C, H, W) (or (C, H, W)) input with an
    (F, C / groups, kh, kw) weight, plus bias (F,). ``padding`` is an int, an (h, w) pair,
    'valid' (0) or 'same'.

    >>> import minigrad as mg, minigrad.nn.functional as F
    >>> x = mg.arange(9.0).reshape(1, 1, 3, 3)
    >>> F.conv2d(x, mg.ones(1, 1, 2, 2))          # sums of each 2x2 window
    tensor([[[[ 8., 12.],
              [20., 24.]]]])
    """
    op = "conv2d"
    x = tensor_arg(input, op)
    w = tensor_arg(weight, op, "weight")
    b = optional_tensor(bias, op, "bias")
    if x.ndim == 3:
        return conv2d(x.unsqueeze(0), w, b, stride, padding, dilation, groups)[0]
    if x.ndim != 4 or w.ndim != 4:
        raise ValueError(
            f"{op}: expected input (N, C, H, W) and weight (F, C/groups, kh, kw), got shapes "
            f"{x.shape} and {w.shape}"
        )
    if not isinstance(groups, int | np.integer) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    if x.shape[1] != w.shape[1] * groups or w.shape[0] % groups:
        raise ValueError(
            f"{op}: input of shape {x.shape} ({x.shape[1]} channels) does not fit weight of "
            f"shape {w.shape} with groups={groups}: need in_channels == weight.shape[1] * "
            f"groups and out_channels divisible by groups"
        )
    if b is not None and b.shape != (w.shape[0],):
        raise ValueError(f"{op}: bias must have shape ({w.shape[0]},), got {b.shape}")
    s = int_pair(stride, op, "stride", 1)
    d = int_pair(dilation, op, "dilation", 1)
    if isinstance(padding, str):
        if padding not in ("valid", "same"):
            raise ValueError(f"{op}: padding must be an int, a pair, 'valid' or 'same', "
                             f"got {padding!r}")
        top, bottom, left, right = (0, 0, 0, 0) if padding == "valid" else _same_padding(
            w.shape, s, d)
        if (top, left) != (bottom, right):  # uneven: pad the input itself
            x = pad_op(x, (left, right, top, bottom))
            top = left = 0
        p = (top, left)
    else:
        p = int_pair(padding, op, "padding", 0)
    for a, name in enumerate(("height", "width")):
        if kernels.conv_output_size(x.shape[2 + a], w.shape[2 + a], s[a], p[a], d[a]) < 1:
            raise ValueError(
                f"{op}: kernel {w.shape[2:]} (dilation {d}) is larger than the padded input "
                f"{name} ({x.shape[2 + a]} + 2 * {p[a]})"
            )
    return Conv2d.apply(x, w, b, s, p, d, int(groups))


class MaxPool2d(Function):
    name = "max_pool2d"
    once_differentiable = True

    @staticmethod
    def forward(ctx, x, kernel_size, stride, padding, indices_sink):
        out, argmax = kernels.max_pool2d_forward(x, kernel_size, stride, padding)
        ctx.save_for_backward(argmax)
        ctx.x_shape = x.shape
        if indices_sink is not None:  # return_indices: hand the argmax to the caller
            indices_sink.append(argmax)
        return out

    @staticmethod
    def backward(ctx, grad):
        (argmax,) = ctx.saved_tensors
        # each output's gradient goes to the element that was the max of its window
        return kernels.max_pool2d_backward(grad, argmax, ctx.x_shape), None, None, None, None


class AvgPool2d(Function):
    name = "avg_pool2d"
    once_differentiable = True

    @staticmethod
    def forward(ctx, x, kernel_size, stride, padding):
        ctx.x_shape, ctx.geometry = x.shape, (kernel_size, stride, padding)
        return kernels.avg_pool2d_forward(x, kernel_size, stride, padding)

    @staticmethod
    def backward(ctx, grad):
        # each output's gradient spread evenly (1 / (kh * kw)) over its window
        dx = kernels.avg_pool2d_backward(grad, ctx.x_shape, *ctx.geometry)
        return dx, None, None, None


def _pool_args(input: Any, kernel_size: Any, stride: Any, padding: Any, op: str):
    x = tensor_arg(input, op)
    if x.ndim not in (3, 4):
        raise ValueError(f"{op}: input must be (N, C, H, W) or (C, H, W), got shape {x.shape}")
    k = int_pair(kernel_size, op, "kernel_size", 1)
    s = k if stride is None or (not isinstance(stride, int) and len(stride) == 0) else int_pair(
        stride, op, "stride", 1)
    p = int_pair(padding, op, "padding", 0)
    if p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise ValueError(f"{op}: padding {p} must be at most half of kernel_size {k}")
    for a in range(2):
        if kernels.conv_output_size(x.shape[-2 + a], k[a], s[a], p[a], 1) < 1:
            raise ValueError(f"{op}: kernel_size {k} does not fit input {x.shape} padded by {p}")
    return x, k, s, p


def max_pool2d(
    input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
    ceil_mode: bool = False, return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """Max over each kh x kw window (stride defaults to kernel_size; padding counts as -inf).
    ``return_indices=True`` also returns each max's flat index h * W + w in its input plane.

    >>> import minigrad as mg, minigrad.nn.functional as F
    >>> F.max_pool2d(mg.arange(16.0).reshape(1, 1, 4, 4), 2)
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
    """
    op = "max_pool2d"
    if int_pair(dilation, op, "dilation", 1) != (1, 1) or ceil_mode:
        raise NotImplementedError(f"{op}: dilation > 1 and ceil_mode=True are not supported")
    x, k, s, p = _pool_args(input, kernel_size, stride, padding, op)
    if x.ndim == 3:
        result = max_pool2d(x.unsqueeze(0), k, s, p, return_indices=return_indices)
        if return_indices:
            return result[0][0], result[1][0]
        return result[0]
    sink: list[np.ndarray] | None = [] if return_indices else None
    out = MaxPool2d.apply(x, k, s, p, sink)
    if return_indices:
        return out, Tensor._make(sink[0], False, None)
    return out


def avg_pool2d(
    input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
    ceil_mode: bool = False, count_include_pad: bool = True, divisor_override: Any = None,
) -> Tensor:
    """Mean over each kh x kw window (stride defaults to kernel_size); padding zeros count
    (``count_include_pad=True``), so every window divides by kh * kw."""
    op = "avg_pool2d"
    if ceil_mode or not count_include_pad or divisor_override is not None:
        raise NotImplementedError(
            f"{op}: only ceil_mode=False, count_include_pad=True and divisor_override=None "
            "are supported"
        )
    x, k, s, p = _pool_args(input, kernel_size, stride, padding, op)
    if x.ndim == 3:
        return avg_pool2d(x.unsqueeze(0), k, s, p)[0]
    return AvgPool2d.apply(x, k, s, p)
