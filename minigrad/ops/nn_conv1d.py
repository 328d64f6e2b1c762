"""1-D convolution and pooling over (N, C, L) tensors, as their 2-D ops on a height-1 image.

A length-L signal is an image of height 1 and width L, and a (F, C, k) filter a (F, C, 1, k)
one, so ``conv1d`` is ``conv2d`` with stride, padding and dilation 1 along the height, and
the pools likewise. The gradients come from the 2-D ops (``nn_conv.py``); this file checks
the 1-D arguments and raises PyTorch's errors for them.
"""

from __future__ import annotations

from typing import Any

from .. import kernels
from .._tensor import Tensor
from ._args import optional_tensor, tensor_arg
from .nn_conv import avg_pool2d, conv2d, max_pool2d
from .shape import pad as pad_op


def _single(value: Any, op: str, name: str) -> int:
    """An int or a one-element tuple/list as an int (PyTorch's ``_single``)."""
    if isinstance(value, tuple | list) and len(value) == 1:
        value = value[0]
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{op}: {name} must be an int or a 1-tuple of ints, got {value!r}")
    return int(value)


def _same_padding(kernel: int, stride: int, dilation: int, op: str) -> tuple[int, int]:
    """(left, right) keeping the length at stride 1; an odd total puts the extra on the right."""
    if stride != 1:
        raise RuntimeError(f"{op}: padding='same' is not supported for strided convolutions "
                           f"(stride={stride})")
    total = dilation * (kernel - 1)
    return total // 2, total - total // 2


def _check_conv1d_shapes(x: Tensor, w: Tensor, b: Tensor | None, groups: Any, op: str) -> int:
    if w.ndim != 3:
        raise RuntimeError(f"{op}: expected a 3-D weight (out_channels, in_channels / groups, "
                           f"kernel_size), got weight of shape {tuple(w.shape)}")
    if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1:
        raise RuntimeError(f"{op}: non-positive groups is not supported, got groups={groups!r}")
    if w.shape[0] % groups:
        raise RuntimeError(f"{op}: Given groups={groups}, expected weight to be divisible by "
                           f"{groups} at dimension 0, but got weight of size {tuple(w.shape)} "
                           f"instead")
    if x.shape[1] != w.shape[1] * groups:
        raise RuntimeError(f"{op}: Given groups={groups}, weight of size {tuple(w.shape)}, "
                           f"expected input{tuple(x.shape)} to have {w.shape[1] * groups} "
                           f"channels, but got {x.shape[1]} channels instead")
    if b is not None and b.shape != (w.shape[0],):
        raise RuntimeError(f"{op}: Given weight of size {tuple(w.shape)}, expected bias to be "
                           f"1-dimensional with {w.shape[0]} elements, but got bias of size "
                           f"{tuple(b.shape)} instead")
    return int(groups)


def conv1d(input: Tensor, weight: Tensor, bias: Any = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """1-D cross-correlation of an (N, C, L) (or unbatched (C, L)) input with an
    (F, C / groups, k) weight, plus bias (F,); the output is (N, F, L_out) with
    L_out = (L + 2 * padding - dilation * (k - 1) - 1) // stride + 1. ``padding`` is an int,
    'valid' (0) or 'same' (stride 1 only; an odd total pads one more on the right).

    >>> import minigrad as mg, minigrad.nn.functional as F
    >>> x = mg.tensor([[[1.0, 2.0, 3.0, 4.0]]])
    >>> F.conv1d(x, mg.tensor([[[1.0, -1.0]]]))     # x[i] - x[i + 1]
    tensor([[[-1., -1., -1.]]])
    """
    op = "conv1d"
    x = tensor_arg(input, op)
    w = tensor_arg(weight, op, "weight")
    b = optional_tensor(bias, op, "bias")
    if x.ndim == 2:
        return conv1d(x.unsqueeze(0), w, b, stride, padding, dilation, groups)[0]
    if x.ndim != 3:
        raise RuntimeError(f"{op}: Expected 2D (unbatched) or 3D (batched) input to conv1d, but "
                           f"got input of size: {tuple(x.shape)}")
    groups = _check_conv1d_shapes(x, w, b, groups, op)
    s, d, k = _single(stride, op, "stride"), _single(dilation, op, "dilation"), w.shape[2]
    if s < 1 or d < 1:
        raise RuntimeError(f"{op}: non-positive stride or dilation is not supported, got "
                           f"stride={s}, dilation={d}")
    if isinstance(padding, str):
        if padding not in ("valid", "same"):
            raise RuntimeError(f"{op}: Invalid padding string: {padding!r} (use an int, "
                               f"'valid' or 'same')")
        left, right = (0, 0) if padding == "valid" else _same_padding(k, s, d, op)
        if left != right:  # uneven: pad the signal itself
            x = pad_op(x, (left, right))
            left = 0
        p = left
    else:
        p = _single(padding, op, "padding")
        if p < 0:
            raise RuntimeError(f"{op}: negative padding is not supported, got padding={p}")
    if d * (k - 1) + 1 > x.shape[2] + 2 * p:
        raise RuntimeError(f"{op}: Calculated padded input size per channel: "
                           f"({x.shape[2] + 2 * p}). Kernel size: ({d * (k - 1) + 1}). Kernel "
                           f"size can't be greater than actual input size")
    out = conv2d(x.unsqueeze(2), w.unsqueeze(2), b, (1, s), (0, p), (1, d), groups)
    return out.squeeze(2)


def _pool1d_args(input: Any, kernel_size: Any, stride: Any, padding: Any,
                 op: str) -> tuple[Tensor, int, int, int]:
    x = tensor_arg(input, op)
    if x.ndim not in (2, 3):
        raise RuntimeError(f"{op}: Expected 2D or 3D (batch mode) tensor for input, but got "
                           f"shape {tuple(x.shape)}")
    k = _single(kernel_size, op, "kernel_size")
    no_stride = stride is None or (isinstance(stride, tuple | list) and len(stride) == 0)
    s = k if no_stride else _single(stride, op, "stride")
    p = _single(padding, op, "padding")
    if k < 1 or s < 1 or p < 0:
        raise RuntimeError(f"{op}: kernel_size and stride must be positive and padding "
                           f"non-negative, got kernel_size={k}, stride={s}, padding={p}")
    if p > k // 2:
        raise RuntimeError(f"{op}: padding should be at most half of kernel size, but got "
                           f"padding={p} and kernel_size={k}")
    if kernels.conv_output_size(x.shape[-1], k, s, p, 1) < 1:
        raise RuntimeError(f"{op}: Invalid computed output size: input of shape "
                           f"{tuple(x.shape)} is shorter than kernel_size={k} with padding={p}")
    return x, k, s, p


def max_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Max over each length-``kernel_size`` window of an (N, C, L) or (C, L) input (stride
    defaults to kernel_size; padding counts as -inf). ``return_indices=True`` also returns
    each max's position along L.

    >>> import minigrad as mg, minigrad.nn.functional as F
    >>> F.max_pool1d(mg.tensor([[[1.0, 5.0, 2.0, 0.0, 3.0, 4.0]]]), 2)
    tensor([[[5., 2., 4.]]])
    """
    op = "max_pool1d"
    if _single(dilation, op, "dilation") != 1 or ceil_mode:
        raise NotImplementedError(f"{op}: dilation > 1 and ceil_mode=True are not supported")
    x, k, s, p = _pool1d_args(input, kernel_size, stride, padding, op)
    result = max_pool2d(x.unsqueeze(-2), (1, k), (1, s), (0, p), return_indices=return_indices)
    if return_indices:  # flat h * W + w in a height-1 plane is the position along L
        return result[0].squeeze(-2), result[1].squeeze(-2)
    return result.squeeze(-2)


def avg_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """Mean over each length-``kernel_size`` window of an (N, C, L) or (C, L) input (stride
    defaults to kernel_size); padding zeros count, so every window divides by kernel_size.

    >>> import minigrad as mg, minigrad.nn.functional as F
    >>> F.avg_pool1d(mg.tensor([[[1.0, 3.0, 2.0, 6.0]]]), 2)
    tensor([[[2., 4.]]])
    """
    op = "avg_pool1d"
    if ceil_mode or not count_include_pad:
        raise NotImplementedError(f"{op}: only ceil_mode=False and count_include_pad=True are "
                                  "supported")
    x, k, s, p = _pool1d_args(input, kernel_size, stride, padding, op)
    return avg_pool2d(x.unsqueeze(-2), (1, k), (1, s), (0, p)).squeeze(-2)
