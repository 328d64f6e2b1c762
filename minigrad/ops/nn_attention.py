"""Scaled dot-product attention, a composition of core ops (so it differentiates twice):

    softmax(q k^T * scale + mask) v

A causal mask without ``attn_mask`` takes one fused op for the middle (scale, mask and
softmax in one kernel pass, `CausalSoftmax`); every other mask adds a bias to the scores.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import kernels
from .._tensor import Tensor
from ..autograd.function import Function
from ._args import tensor_arg
from .nn_misc import dropout
from .nn_softmax import softmax


class CausalSoftmax(Function):
    """``softmax(x * scale)`` over the last axis with keys j > i hidden from query i, on
    (..., L, S) scores; ``scale`` > 0."""

    name = "causal_softmax"

    @staticmethod
    def forward(ctx, x, scale):
        ctx.scale = scale
        out = kernels.causal_softmax(x.reshape(-1, *x.shape[-2:]), scale).reshape(x.shape)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        if ctx.create_graph:  # hidden keys have y = 0, so their gradient is 0 here too
            return ctx.scale * y * (grad - ctx.xp.sum(grad * y, axis=-1, keepdims=True)), None
        rows = (-1, *y.shape[-2:])
        dx = kernels.causal_softmax_backward(grad.reshape(rows), y.reshape(rows), ctx.scale)
        return dx.reshape(y.shape), None


def _mask_bias(attn_mask: Any, is_causal: bool, L: int, S: int, dtype: np.dtype) -> Any:
    """The additive mask: 0 where a query may attend, -inf where it may not (or a float
    mask as given). None when there is nothing to add."""
    if is_causal:
        if attn_mask is not None:
            raise ValueError("scaled_dot_product_attention: pass attn_mask or is_causal, not both")
        allowed = np.tril(np.ones((L, S), dtype=bool))  # query i sees keys 0..i
        return Tensor._make(np.where(allowed, 0, -np.inf).astype(dtype), False, None)
    if attn_mask is None:
        return None
    mask = attn_mask if isinstance(attn_mask, Tensor) else np.asarray(attn_mask)
    if mask.dtype == np.bool_:
        data = mask._array if isinstance(mask, Tensor) else mask
        return Tensor._make(np.where(data, 0, -np.inf).astype(dtype), False, None)
    return tensor_arg(mask, "scaled_dot_product_attention", "attn_mask")


def _repeat_heads(t: Tensor, times: int) -> Tensor:
    """(..., H, S, E) -> (..., H * times, S, E), each head repeated ``times`` times in a row."""
    shape = t.shape
    t = t.unsqueeze(-3).expand(*shape[:-2], times, *shape[-2:])
    return t.reshape(*shape[:-3], shape[-3] * times, *shape[-2:])


def scaled_dot_product_attention(
    query: Tensor, key: Tensor, value: Tensor, attn_mask: Any = None, dropout_p: float = 0.0,
    is_causal: bool = False, scale: float | None = None, enable_gqa: bool = False,
) -> Tensor:
    """Attention of queries (..., L, E) over keys (..., S, E) and values (..., S, Ev):
    ``softmax(q k^T * scale + mask) v`` with scale 1/sqrt(E) by default. A bool mask is True
    where attention is allowed; a float mask is added to the scores; ``is_causal`` lets
    query i see keys 0..i only. A query that may see no key gets 0 (not NaN), as in PyTorch.
    ``dropout_p`` drops attention weights (always, like PyTorch).
    ``enable_gqa`` lets key/value have fewer heads (dim -3) than the query, each serving
    a block of query heads (grouped-query attention).

    >>> import minigrad as mg, minigrad.nn.functional as F
    >>> q = k = v = mg.randn(2, 4, 8)
    >>> F.scaled_dot_product_attention(q, k, v, is_causal=True).shape
    (2, 4, 8)
    """
    op = "scaled_dot_product_attention"
    q = tensor_arg(query, op, "query")
    k = tensor_arg(key, op, "key")
    v = tensor_arg(value, op, "value")
    if q.ndim < 2 or k.ndim < 2 or v.ndim < 2:
        raise ValueError(f"{op}: query, key and value need shape (..., L or S, E), got "
                         f"{q.shape}, {k.shape}, {v.shape}")
    if enable_gqa and q.ndim >= 3 and k.ndim >= 3 and k.shape[-3] != q.shape[-3]:
        if q.shape[-3] % k.shape[-3] or k.shape[-3] != v.shape[-3]:
            raise ValueError(
                f"{op}: with enable_gqa the query heads ({q.shape[-3]}) must be a multiple of "
                f"the key/value heads ({k.shape[-3]}, {v.shape[-3]})"
            )
        k = _repeat_heads(k, q.shape[-3] // k.shape[-3])
        v = _repeat_heads(v, q.shape[-3] // v.shape[-3])
    if q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise ValueError(
            f"{op}: query {q.shape}, key {k.shape} and value {v.shape} don't fit: need "
            "query and key to share E (last dim) and key and value to share S (dim -2)"
        )
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"{op}: dropout_p must be in [0, 1], got {dropout_p}")
    L, S = q.shape[-2], k.shape[-2]
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else float(scale)
    if is_causal and attn_mask is None and L > 0 and S > 0 and scale > 0:
        weights = CausalSoftmax.apply(q @ k.transpose(-2, -1), scale)
    else:
        weights = _masked_weights(q, k, attn_mask, is_causal, scale, op)
    if dropout_p > 0:
        weights = dropout(weights, dropout_p, training=True)
    return weights @ v


def _masked_weights(q: Tensor, k: Tensor, attn_mask: Any, is_causal: bool, scale: float,
                    op: str) -> Tensor:
    """``softmax(q k^T * scale + mask)`` with the mask added as a bias (0 or -inf, or the
    float mask given); queries the mask lets see no key get weights 0."""
    scores = (q * scale) @ k.transpose(-2, -1)
    bias = _mask_bias(attn_mask, is_causal, q.shape[-2], k.shape[-2], scores.dtype)
    if bias is None:
        return softmax(scores, dim=-1)
    try:
        np.broadcast_shapes(bias.shape, scores.shape)
    except ValueError:
        raise ValueError(
            f"{op}: attn_mask of shape {bias.shape} does not broadcast to the attention "
            f"scores of shape {scores.shape}"
        ) from None
    dead = np.isneginf(bias._array).all(axis=-1, keepdims=True)
    if not dead.any():
        return softmax(scores + bias, dim=-1)
    # queries allowed to see no key: weights 0 (not NaN), like PyTorch
    weights = softmax(scores + bias.masked_fill(dead, 0.0), dim=-1)
    return weights * Tensor._make((~dead).astype(weights.dtype), False, None)
