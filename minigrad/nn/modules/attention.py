"""Attention layers: PyTorch's ``MultiheadAttention`` and a GPT-style
``CausalSelfAttention`` block (one fused qkv projection, causal attention)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..._tensor import Tensor
from ...creation import from_numpy
from .. import functional as F
from .. import init
from ..parameter import Parameter
from ._utils import float_dtype, positive_int
from .dropout import Dropout
from .linear import Linear
from .module import Module


def _additive(mask: Any, dtype: np.dtype) -> np.ndarray:
    """A bool mask (True = may NOT attend) or a float mask as an additive float array."""
    data = mask.numpy(force=True) if isinstance(mask, Tensor) else np.asarray(mask)
    if data.dtype == np.bool_:
        return np.where(data, -np.inf, 0.0).astype(dtype)
    if data.dtype.kind != "f":
        raise TypeError(f"MultiheadAttention: masks must be bool or float, got {data.dtype}")
    return data.astype(dtype, copy=False)


def _combined_mask(attn_mask: Any, key_padding_mask: Any, is_causal: bool, n: int, h: int,
                   length: int, source: int, dtype: np.dtype) -> np.ndarray | None:
    """One additive mask broadcastable to ``(N, H, L, S)``, or None."""
    mask = None
    if attn_mask is not None:
        mask = _additive(attn_mask, dtype)
        if mask.shape == (length, source):
            mask = mask.reshape(1, 1, length, source)
        elif mask.shape == (n * h, length, source):
            mask = mask.reshape(n, h, length, source)
        else:
            raise ValueError(
                f"MultiheadAttention: attn_mask must have shape {(length, source)} or "
                f"{(n * h, length, source)}, got {tuple(mask.shape)}"
            )
    elif is_causal:
        mask = np.triu(np.full((length, source), -np.inf, dtype), k=1).reshape(1, 1, length,
                                                                                source)
    if key_padding_mask is not None:
        padding = _additive(key_padding_mask, dtype)
        if padding.shape != (n, source):
            raise ValueError(
                f"MultiheadAttention: key_padding_mask must have shape {(n, source)}, "
                f"got {tuple(padding.shape)}"
            )
        padding = padding.reshape(n, 1, 1, source)
        mask = padding if mask is None else mask + padding
    return mask


def _each(query: Tensor, key: Tensor, value: Tensor, fn: Any) -> tuple[Tensor, Tensor, Tensor]:
    """``fn`` applied to each input, once per distinct tensor (so ``query is key`` holds
    afterwards when it held before, which selects the fused projection)."""
    q = fn(query)
    k = q if key is query else fn(key)
    if value is key:
        v = k
    else:
        v = q if value is query else fn(value)
    return q, k, v


class MultiheadAttention(Module):
    """Multi-head scaled dot-product attention with PyTorch's parameters
    (``in_proj_weight`` ``(3E, E)``, ``in_proj_bias``, ``out_proj``) and call.

    Inputs are ``(L, N, E)`` (or ``(N, L, E)`` with ``batch_first=True``, or unbatched
    ``(L, E)``). ``attn_mask`` is ``(L, S)`` or ``(N * num_heads, L, S)`` and
    ``key_padding_mask`` ``(N, S)``: bool masks mark with True what may NOT be attended
    to; float masks are added to the scores. ``is_causal=True`` without ``attn_mask``
    builds the causal mask (PyTorch requires passing it). Returns ``(output, weights)``;
    weights are averaged over heads unless ``average_attn_weights=False``, and None
    when ``need_weights=False`` (the faster path). Keys and values of other widths
    (``kdim``, ``vdim``) get separate ``q_proj_weight``/``k_proj_weight``/``v_proj_weight``.

    >>> import minigrad as mg
    >>> import minigrad.nn as nn
    >>> mha = nn.MultiheadAttention(8, num_heads=2, batch_first=True)
    >>> x = mg.randn(3, 5, 8)
    >>> out, weights = mha(x, x, x)
    >>> out.shape, weights.shape
    ((3, 5, 8), (3, 5, 5))
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False,
                 kdim: int | None = None, vdim: int | None = None, batch_first: bool = False,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.embed_dim = positive_int(embed_dim, "embed_dim", "MultiheadAttention")
        self.num_heads = positive_int(num_heads, "num_heads", "MultiheadAttention")
        if embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim ({embed_dim}) must be divisible by "
                             f"num_heads ({num_heads})")
        if add_bias_kv or add_zero_attn:
            raise NotImplementedError("MultiheadAttention: add_bias_kv and add_zero_attn are "
                                      "not supported")
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"MultiheadAttention: dropout must be in [0, 1], got {dropout}")
        self.head_dim = embed_dim // num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        dt = float_dtype(dtype, device, "MultiheadAttention")
        self.kdim = embed_dim if kdim is None else positive_int(kdim, "kdim", "MultiheadAttention")
        self.vdim = embed_dim if vdim is None else positive_int(vdim, "vdim", "MultiheadAttention")
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        if self._qkv_same_embed_dim:  # one (3E, E) matrix, as PyTorch stores it
            self.in_proj_weight = Parameter(np.empty((3 * embed_dim, embed_dim), dt))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:  # keys and values of other widths: three matrices (E, E), (E, kdim), (E, vdim)
            self.q_proj_weight = Parameter(np.empty((embed_dim, embed_dim), dt))
            self.k_proj_weight = Parameter(np.empty((embed_dim, self.kdim), dt))
            self.v_proj_weight = Parameter(np.empty((embed_dim, self.vdim), dt))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(np.empty(3 * embed_dim, dt))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, dtype=dt)
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)

    def _project(self, query: Tensor, key: Tensor, value: Tensor) -> tuple[Tensor, ...]:
        e, w, b = self.embed_dim, self.in_proj_weight, self.in_proj_bias
        if not self._qkv_same_embed_dim:
            weights = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
            return tuple(F.linear(x, wi, None if b is None else b[i * e:(i + 1) * e])
                         for i, (x, wi) in enumerate(zip((query, key, value), weights)))
        if query is key and key is value:  # self-attention: one fused matmul
            return F.linear(query, w, b).split(e, dim=-1)

        def rows(x: Tensor, first: int, last: int) -> Tensor:  # blocks first..last-1 of W, b
            part = slice(first * e, last * e)
            return F.linear(x, w[part], None if b is None else b[part])

        if key is value:
            return (rows(query, 0, 1), *rows(key, 1, 3).split(e, dim=-1))
        return rows(query, 0, 1), rows(key, 1, 2), rows(value, 2, 3)

    def _check(self, query: Tensor, key: Tensor, value: Tensor) -> None:
        if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
            raise ValueError(
                "MultiheadAttention: query, key and value must all be 2-D (unbatched) or 3-D, "
                f"got shapes {tuple(query.shape)}, {tuple(key.shape)}, {tuple(value.shape)}"
            )
        if query.shape[-1] != self.embed_dim or key.shape[-1] != self.kdim \
                or value.shape[-1] != self.vdim:
            raise ValueError(
                f"MultiheadAttention: expected last dims of size embed_dim={self.embed_dim}, "
                f"kdim={self.kdim}, vdim={self.vdim}, got shapes {tuple(query.shape)}, "
                f"{tuple(key.shape)}, {tuple(value.shape)}"
            )
        if key.shape[:-1] != value.shape[:-1]:
            raise ValueError(f"MultiheadAttention: key shape {tuple(key.shape)} does not match "
                             f"value shape {tuple(value.shape)}")

    def forward(self, query: Tensor, key: Tensor, value: Tensor,
                key_padding_mask: Any = None, need_weights: bool = True, attn_mask: Any = None,
                average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
        self._check(query, key, value)
        batched = query.ndim == 3
        if not batched:
            query, key, value = _each(query, key, value, lambda t: t.unsqueeze(0))
            if key_padding_mask is not None:
                key_padding_mask = _additive(key_padding_mask, query.dtype).reshape(1, -1)
        elif not self.batch_first:
            query, key, value = _each(query, key, value, lambda t: t.transpose(0, 1))
        n, length, _ = query.shape
        source = key.shape[1]
        h, d = self.num_heads, self.head_dim
        q, k, v = (t.reshape(n, -1, h, d).transpose(1, 2) for t in self._project(query, key, value))
        p = self.dropout if self.training else 0.0
        weights = None
        if need_weights:
            mask = _combined_mask(attn_mask, key_padding_mask, is_causal, n, h, length, source,
                                  q.dtype)
            scores = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(d))
            if mask is not None:
                scores = scores + from_numpy(mask)
            weights = F.softmax(scores, dim=-1)
            if p > 0.0:
                weights = F.dropout(weights, p)
            out = weights @ v
            if average_attn_weights:
                weights = weights.mean(dim=1)
            if not batched:
                weights = weights.squeeze(0)
        elif is_causal and attn_mask is None and key_padding_mask is None:
            out = F.scaled_dot_product_attention(q, k, v, dropout_p=p, is_causal=True)
        else:
            mask = _combined_mask(attn_mask, key_padding_mask, is_causal, n, h, length, source,
                                  q.dtype)
            mask_t = None if mask is None else from_numpy(mask)
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask_t, dropout_p=p)
        out = self.out_proj(out.transpose(1, 2).reshape(n, length, self.embed_dim))
        if not batched:
            out = out.squeeze(0)
        elif not self.batch_first:
            out = out.transpose(0, 1)
        return out, weights


class CausalSelfAttention(Module):
    """GPT-style masked self-attention over ``(B, T, n_embd)``: ``c_attn`` projects to
    q, k, v in one matmul, every position attends only to itself and earlier ones,
    ``c_proj`` projects back. Parameter names follow GPT-2's (Hugging Face checkpoints
    store these two weights transposed, as ``(in, out)``). ``minigrad.models.GPT``'s
    blocks use this layer.

    >>> import minigrad as mg
    >>> import minigrad.nn as nn
    >>> attn = nn.CausalSelfAttention(n_embd=8, n_head=2)
    >>> attn(mg.randn(2, 5, 8)).shape
    (2, 5, 8)
    """

    def __init__(self, n_embd: int, n_head: int, dropout: float = 0.0, bias: bool = True,
                 dtype: Any = None) -> None:
        super().__init__()
        positive_int(n_embd, "n_embd", "CausalSelfAttention")
        positive_int(n_head, "n_head", "CausalSelfAttention")
        if n_embd % n_head:
            raise ValueError(f"CausalSelfAttention: n_embd ({n_embd}) must be divisible by "
                             f"n_head ({n_head})")
        self.n_embd = n_embd
        self.n_head = n_head
        self.dropout = dropout
        self.c_attn = Linear(n_embd, 3 * n_embd, bias=bias, dtype=dtype)
        self.c_proj = Linear(n_embd, n_embd, bias=bias, dtype=dtype)
        self.resid_dropout = Dropout(dropout)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 3 or x.shape[-1] != self.n_embd:
            raise ValueError(f"CausalSelfAttention: expected input (B, T, {self.n_embd}), "
                             f"got shape {tuple(x.shape)}")
        b, t, c = x.shape
        h = self.n_head
        # q, k, v of every head in one product: (B, T, 3C) viewed as (B, T, 3, H, D)
        # and permuted once to (3, B, H, T, D), so q, k, v are its three slices
        qkv = self.c_attn(x).reshape(b, t, 3, h, c // h).permute(2, 0, 3, 1, 4)
        p = self.dropout if self.training else 0.0
        y = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], dropout_p=p, is_causal=True)
        y = y.transpose(1, 2).reshape(b, t, c)  # heads side by side again
        return self.resid_dropout(self.c_proj(y))

    def extra_repr(self) -> str:
        return f"n_head={self.n_head}, dropout={self.dropout}"
