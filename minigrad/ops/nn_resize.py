"""``interpolate`` (nearest, linear, bilinear) and ``bilinear`` (the bilinear form layer's
op), composed of index_select, arithmetic and einsum, so gradients come for free.

Linear and bilinear resizing is separable: one 1-D linear resize per spatial dimension.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._tensor import Tensor
from ._args import tensor_arg
from .einsum import einsum
from .indexing import index_select

_MODES = {"nearest": (3, 4), "linear": (3,), "bilinear": (4,)}


def _output_sizes(input: Tensor, size: Any, scale_factor: Any,
                  spatial: int) -> tuple[list[int], list[float | None]]:
    """Output sizes and the scale factors given by the caller (None where ``size`` set)."""
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: only one of size or scale_factor should be defined")
    if size is not None:
        sizes = list(size) if isinstance(size, list | tuple) else [size] * spatial
        if len(sizes) != spatial:
            raise ValueError(f"interpolate: input of shape {tuple(input.shape)} has {spatial} "
                             f"spatial dimension(s), but size={size!r}")
        return [int(s) for s in sizes], [None] * spatial
    scales = (list(scale_factor) if isinstance(scale_factor, list | tuple)
              else [scale_factor] * spatial)
    if len(scales) != spatial:
        raise ValueError(f"interpolate: input of shape {tuple(input.shape)} has {spatial} "
                         f"spatial dimension(s), but scale_factor={scale_factor!r}")
    sizes = [int(math.floor(n * float(s))) for n, s in zip(input.shape[2:], scales)]
    return sizes, [float(s) for s in scales]


def _nearest(x: Tensor, dim: int, out: int, scale: float | None) -> Tensor:
    n = x.shape[dim]
    ratio = n / out if scale is None else 1.0 / scale
    src = np.minimum(np.floor(np.arange(out) * ratio).astype(np.int64), n - 1)
    return index_select(x, dim, src)


def _linear(x: Tensor, dim: int, out: int, scale: float | None,
            align_corners: bool) -> Tensor:
    n = x.shape[dim]
    dst = np.arange(out, dtype=np.float64)
    if align_corners:
        src = dst * ((n - 1) / (out - 1)) if out > 1 else np.zeros(out)
    else:
        ratio = n / out if scale is None else 1.0 / scale
        src = np.maximum((dst + 0.5) * ratio - 0.5, 0.0)
    lo = np.minimum(np.floor(src).astype(np.int64), n - 1)
    hi = np.minimum(lo + 1, n - 1)
    shape = [1] * x.ndim
    shape[dim] = out
    weight = Tensor((src - lo).astype(x.dtype).reshape(shape))
    low = index_select(x, dim, lo)
    return low + (index_select(x, dim, hi) - low) * weight


def interpolate(input: Tensor, size: Any = None, scale_factor: Any = None,
                mode: str = "nearest", align_corners: bool | None = None,
                recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize the spatial dims of ``input`` (N, C, L) or (N, C, H, W) to ``size`` or by
    ``scale_factor`` (one number or one per spatial dim; the output size is floored).
    ``mode``: ``"nearest"`` (PyTorch's: source index ``floor(dst * in / out)``),
    ``"linear"`` (3-D) or ``"bilinear"`` (4-D) with ``align_corners`` (default False:
    pixel centres are aligned, as in PyTorch). With ``recompute_scale_factor=True`` the
    scale is recomputed from the floored size. Differentiable.

    >>> import minigrad as mg, minigrad.nn.functional as F
    >>> F.interpolate(mg.tensor([[[1.0, 2.0]]]), scale_factor=2)
    tensor([[[1., 1., 2., 2.]]])
    >>> F.interpolate(mg.tensor([[[1.0, 2.0]]]), size=4, mode="linear")
    tensor([[[1.  , 1.25, 1.75, 2.  ]]])
    """
    input = tensor_arg(input, "interpolate", floating=False)
    if mode not in _MODES:
        raise NotImplementedError(f"interpolate: mode={mode!r} is not implemented; "
                                  f"available: {sorted(_MODES)}")
    if input.ndim not in _MODES[mode]:
        raise ValueError(f"interpolate: mode={mode!r} expects a "
                         f"{' or '.join(f'{d}-D' for d in _MODES[mode])} input, got shape "
                         f"{tuple(input.shape)}")
    if mode == "nearest" and align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not implemented")
    sizes, scales = _output_sizes(input, size, scale_factor, input.ndim - 2)
    if any(s <= 0 for s in sizes):
        raise ValueError(f"interpolate: output size {tuple(sizes)} must be positive "
                         f"(input shape {tuple(input.shape)})")
    if recompute_scale_factor:
        scales = [None] * len(sizes)
    x = input
    for i, (out, scale) in enumerate(zip(sizes, scales)):
        dim = 2 + i
        if mode == "nearest":
            x = _nearest(x, dim, out, scale)
        else:
            x = _linear(x, dim, out, scale, bool(align_corners))
    return x


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor,
             bias: Tensor | None = None) -> Tensor:
    """``y[..., o] = input1[..., i] weight[o, i, j] input2[..., j] + bias[o]``.

    >>> import minigrad as mg, minigrad.nn.functional as F
    >>> F.bilinear(mg.ones(1, 2), mg.ones(1, 3), mg.ones(4, 2, 3)).shape
    (1, 4)
    """
    if (weight.ndim != 3 or input1.shape[-1] != weight.shape[1]
            or input2.shape[-1] != weight.shape[2] or input1.shape[:-1] != input2.shape[:-1]):
        raise RuntimeError(f"bilinear: input1 {tuple(input1.shape)} and input2 "
                           f"{tuple(input2.shape)} do not fit weight {tuple(weight.shape)} "
                           "(..., in1), (..., in2), (out, in1, in2)")
    out = einsum("...i,oij,...j->...o", input1, weight, input2)
    return out if bias is None else out + bias
