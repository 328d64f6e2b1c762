"""More ``nn.functional`` ops, composed of existing differentiable ops: ``hardtanh prelu
mish kl_div pairwise_distance dropout2d adaptive_avg_pool2d group_norm``."""

from __future__ import annotations

from typing import Any

from .._tensor import Tensor
from ._args import tensor_arg
from .activation import relu, softplus, tanh
from .nn_misc import _dropout_mask
from .pointwise import clamp, exp, log, where
from .reduction import norm
from .shape import stack

_KL_REDUCTIONS = ("none", "batchmean", "sum", "mean")


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """``input`` clamped to [``min_val``, ``max_val``] (gradient 1 inside, 0 outside).

    >>> import minigrad as mg, minigrad.nn.functional as F
    >>> F.hardtanh(mg.tensor([-2.0, 0.5, 3.0]))
    tensor([-1. ,  0.5,  1. ])
    """
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val "
                         f"({max_val})")
    if inplace:
        return input.clamp_(min_val, max_val)
    return clamp(tensor_arg(input, "hardtanh"), min_val, max_val)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """``x`` for x >= 0, ``weight * x`` below, ``weight`` holding one slope (shared) or
    one per channel (dim 1 of ``input``).

    >>> import minigrad as mg, minigrad.nn.functional as F
    >>> F.prelu(mg.tensor([[-2.0, 3.0]]), mg.tensor([0.25]))
    tensor([[-0.5,  3. ]])
    """
    x = tensor_arg(input, "prelu")
    if weight.ndim > 1:
        raise RuntimeError(f"prelu: weight must be 0-D or 1-D, got shape {tuple(weight.shape)}")
    w = weight
    if weight.numel() > 1:
        channels = x.shape[1] if x.ndim >= 2 else (x.shape[0] if x.ndim == 1 else 1)
        if weight.numel() != channels:
            raise RuntimeError(f"prelu: weight has {weight.numel()} slopes but input of shape "
                               f"{tuple(x.shape)} has {channels} channels (dim 1)")
        if x.ndim >= 2:
            w = weight.reshape((1, channels) + (1,) * (x.ndim - 2))
    return relu(x) - w * relu(-x)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * tanh(softplus(x))``.

    >>> import minigrad as mg, minigrad.nn.functional as F
    >>> F.mish(mg.tensor([0.0, 1.0]))
    tensor([0.    , 0.8651])
    """
    if inplace:
        raise NotImplementedError("mish: inplace=True is not supported")
    x = tensor_arg(input, "mish")
    return x * tanh(softplus(x))


def kl_div(input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,
           reduction: str = "mean", log_target: bool = False) -> Tensor:
    """The Kullback-Leibler divergence of ``input`` (log-probabilities) from ``target``
    (probabilities, or log-probabilities with ``log_target=True``), pointwise
    ``target * (log(target) - input)`` (0 where target is 0), then reduced: "batchmean"
    (the sum divided by the batch size: the true KL divergence per sample), "sum", "mean"
    (over all elements, as PyTorch's default, which it warns about) or "none".

    >>> import minigrad as mg, minigrad.nn.functional as F
    >>> p = mg.tensor([[0.5, 0.5]]); q = mg.tensor([[0.25, 0.75]])
    >>> F.kl_div(q.log(), p, reduction="batchmean")
    tensor(0.1438)
    """
    if size_average is not None or reduce is not None:
        raise TypeError("kl_div: size_average and reduce are deprecated in PyTorch and not "
                        "supported; use reduction=")
    if reduction not in _KL_REDUCTIONS:
        raise ValueError(f"kl_div: reduction must be one of {', '.join(_KL_REDUCTIONS)}, "
                         f"got {reduction!r}")
    x = tensor_arg(input, "kl_div")
    t = tensor_arg(target, "kl_div", "target")
    if log_target:
        pointwise = exp(t) * (t - x)
    else:
        positive = t > 0
        safe = where(positive, t, 1.0)
        pointwise = where(positive, t * log(safe), 0.0) - t * x
    if reduction == "none":
        return pointwise
    if reduction == "sum":
        return pointwise.sum()
    if reduction == "mean":
        return pointwise.mean()
    return pointwise.sum() / (x.shape[0] if x.ndim else 1)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """``|| x1 - x2 + eps ||_p`` over the last dim (x1 and x2 broadcast).

    >>> import minigrad as mg, minigrad.nn.functional as F
    >>> F.pairwise_distance(mg.tensor([[0.0, 0.0]]), mg.tensor([[3.0, 4.0]]), eps=0.0)
    tensor([5.])
    """
    a = tensor_arg(x1, "pairwise_distance", "x1")
    b = tensor_arg(x2, "pairwise_distance", "x2")
    return norm(a - b + eps, p, -1, keepdim)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels: each ``input[n, c]`` (of an (N, C, H, W) or (N, C, L) input)
    is zeroed with probability ``p``, the rest scaled by 1/(1-p); ``training=False``
    returns the input.

    >>> import minigrad as mg, minigrad.nn.functional as F
    >>> x = mg.ones(2, 3, 4, 4)
    >>> y = F.dropout2d(x, 0.5)
    >>> bool(((y == 0).all((2, 3)) | (y == 2).all((2, 3))).all())
    True
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout2d: dropout probability has to be between 0 and 1, got {p}")
    if inplace:
        raise NotImplementedError("dropout2d: inplace=True is not supported")
    x = tensor_arg(input, "dropout2d")
    if x.ndim not in (3, 4):
        raise ValueError(f"dropout2d: expected a 3-D (N, C, L) or 4-D (N, C, H, W) input, "
                         f"got shape {tuple(x.shape)}")
    if not training or p == 0:
        return x
    if p == 1:
        return x * 0.0
    shape = tuple(x.shape[:2]) + (1,) * (x.ndim - 2)
    return x * Tensor._make(_dropout_mask(shape, x.dtype, p), False, None)


def _output_size(output_size: Any, height: int, width: int) -> tuple[int, int]:
    if isinstance(output_size, int):
        output_size = (output_size, output_size)
    if not isinstance(output_size, tuple | list) or len(output_size) != 2:
        raise TypeError(f"adaptive_avg_pool2d: output_size must be an int or a pair, got "
                        f"{output_size!r}")
    oh, ow = (height if output_size[0] is None else output_size[0],
              width if output_size[1] is None else output_size[1])
    if oh <= 0 or ow <= 0:
        raise ValueError(f"adaptive_avg_pool2d: output_size must be positive, got {output_size}")
    return int(oh), int(ow)


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """Average pooling of an (N, C, H, W) or (C, H, W) input to ``output_size`` (an int,
    or (h, w) with None keeping that size). Output cell (i, j) averages rows
    ``floor(i H / h) .. ceil((i + 1) H / h) - 1`` and the columns likewise (PyTorch's
    windows); when h divides H and w divides W these are equal, non-overlapping blocks.

    >>> import minigrad as mg, minigrad.nn.functional as F
    >>> F.adaptive_avg_pool2d(mg.arange(16.0).reshape(1, 4, 4), 2)
    tensor([[[ 2.5,  4.5],
             [10.5, 12.5]]])
    """
    x = tensor_arg(input, "adaptive_avg_pool2d")
    if x.ndim not in (3, 4):
        raise ValueError(f"adaptive_avg_pool2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) "
                         f"input, got shape {tuple(x.shape)}")
    height, width = x.shape[-2:]
    oh, ow = _output_size(output_size, height, width)
    if height % oh == 0 and width % ow == 0:
        blocks = x.reshape(tuple(x.shape[:-2]) + (oh, height // oh, ow, width // ow))
        return blocks.mean((-3, -1))
    rows = []
    for i in range(oh):
        r0, r1 = (i * height) // oh, -((-(i + 1) * height) // oh)
        cells = []
        for j in range(ow):
            c0, c1 = (j * width) // ow, -((-(j + 1) * width) // ow)
            cells.append(x[..., r0:r1, c0:c1].mean((-2, -1)))
        rows.append(stack(cells, -1))
    return stack(rows, -2)


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise each sample's channels in ``num_groups`` groups (over the group's channels
    and all positions) to mean 0 and variance 1, then scale and shift per channel.

    >>> import minigrad as mg, minigrad.nn.functional as F
    >>> F.group_norm(mg.tensor([[1.0, 3.0, 10.0, 20.0]]), 2)
    tensor([[-1.,  1., -1.,  1.]])
    """
    x = tensor_arg(input, "group_norm")
    if x.ndim < 2:
        raise ValueError(f"group_norm: expected an input (N, C, ...) with at least 2 dims, "
                         f"got shape {tuple(x.shape)}")
    n, c = x.shape[:2]
    if num_groups <= 0 or c % num_groups:
        raise ValueError(f"group_norm: num_groups={num_groups} must divide the number of "
                         f"channels {c} (input shape {tuple(x.shape)})")
    groups = x.reshape(n, num_groups, -1)
    mean = groups.mean(-1, keepdim=True)
    centred = groups - mean
    var = (centred * centred).mean(-1, keepdim=True)
    y = (centred / (var + eps).sqrt()).reshape(tuple(x.shape))
    per_channel = (1, c) + (1,) * (x.ndim - 2)
    if weight is not None:
        y = y * weight.reshape(per_channel)
    if bias is not None:
        y = y + bias.reshape(per_channel)
    return y


__all__ = ["adaptive_avg_pool2d", "dropout2d", "group_norm", "hardtanh", "kl_div", "mish",
           "pairwise_distance", "prelu"]
