"""A small GPT: a decoder-only transformer in the GPT-2 / nanoGPT layout.

    idx (B, T) -> wte(idx) + wpe(0..T-1) -> dropout
               -> n_layer x Block:  x = x + attn(ln_1(x));  x = x + mlp(ln_2(x))
               -> ln_f -> lm_head -> logits (B, T, vocab_size)

Parameter names follow GPT-2 checkpoints (``blocks.0.attn.c_attn.weight``, ...).
docs/models.md draws the architecture and explains the initialisation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import nn, optim
from .._tensor import Tensor
from ..nn import functional as F
from ..nn import init
from .generation import generate_tokens


@dataclass
class GPTConfig:
    """The shape of a GPT. ``bias`` adds biases to the Linear layers and LayerNorms;
    ``tie_weights`` makes ``lm_head.weight`` the same Parameter as ``wte.weight``.

    >>> GPTConfig(vocab_size=65, block_size=64, n_layer=4, n_head=4, n_embd=128).n_embd
    128
    """

    vocab_size: int
    block_size: int
    n_layer: int
    n_head: int
    n_embd: int
    dropout: float = 0.0
    bias: bool = True
    tie_weights: bool = False

    def __post_init__(self) -> None:
        for name in ("vocab_size", "block_size", "n_layer", "n_head", "n_embd"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"GPTConfig: {name} must be a positive int, got {value!r}")
        if self.n_embd % self.n_head:
            raise ValueError(f"GPTConfig: n_embd ({self.n_embd}) must be divisible by "
                             f"n_head ({self.n_head})")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"GPTConfig: dropout must be in [0, 1), got {self.dropout}")


class CausalSelfAttention(nn.Module):
    """Multi-head self-attention in which position t sees positions 0..t only.

    ``c_attn`` computes q, k and v for every head in one product; its (B, T, 3C) output
    is viewed as (B, T, 3, H, D) and permuted once to (3, B, H, T, D), so ``q, k, v``
    are its three slices. ``c_proj`` mixes the heads' outputs back into the stream.
    """

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.n_head = config.n_head
        self.dropout = config.dropout
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.resid_dropout = nn.Dropout(config.dropout)

    def forward(self, x: Tensor) -> Tensor:
        b, t, c = x.shape
        h = self.n_head
        qkv = self.c_attn(x)  # q, k, v for every head in one product
        qkv = qkv.reshape(b, t, 3, h, c // h).permute(2, 0, 3, 1, 4)
        p = self.dropout if self.training else 0.0
        y = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], dropout_p=p, is_causal=True)
        y = y.transpose(1, 2).reshape(b, t, c)  # heads side by side again
        return self.resid_dropout(self.c_proj(y))


class FeedForward(nn.Module):
    """The block's MLP: ``c_proj(gelu(c_fc(x)))`` with a 4x wider hidden layer."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: Tensor) -> Tensor:
        hidden = F.gelu(self.c_fc(x), approximate="tanh")
        return self.dropout(self.c_proj(hidden))


class Block(nn.Module):
    """One pre-norm transformer block: attention then MLP, each added to the residual."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.mlp = FeedForward(config)

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    """A decoder-only transformer language model.

    ``forward(idx, targets=None)`` returns ``(logits, loss)``: logits ``(B, T, vocab)``
    for every position, and the mean cross-entropy against ``targets`` (positions set
    to -100 are ignored), or None without targets.

    >>> import minigrad as mg
    >>> from minigrad.models import GPT, GPTConfig
    >>> _ = mg.manual_seed(0)
    >>> model = GPT(GPTConfig(vocab_size=11, block_size=8, n_layer=2, n_head=2, n_embd=16))
    >>> idx = mg.randint(0, 11, (3, 8))
    >>> logits, loss = model(idx, targets=idx)
    >>> logits.shape, round(loss.item(), 1)   # about log(11) = 2.4 at initialisation
    ((3, 8, 11), 2.4)
    >>> model.generate(idx[:, :2], max_new_tokens=5).shape
    (3, 7)
    """

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        if not isinstance(config, GPTConfig):
            raise TypeError(f"GPT: config must be a GPTConfig, got {type(config).__name__}")
        self.config = config
        self.wte = nn.Embedding(config.vocab_size, config.n_embd)
        self.wpe = nn.Embedding(config.block_size, config.n_embd)
        self.drop = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_layer))
        self.ln_f = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.apply(_init_weights)
        residual_std = 0.02 / math.sqrt(2 * config.n_layer)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):  # the two projections into the residual stream
                init.normal_(p, 0.0, residual_std)
        if config.tie_weights:
            self.lm_head.weight = self.wte.weight

    def forward(self, idx: Any, targets: Any = None) -> tuple[Tensor, Tensor | None]:
        idx = _token_tensor(idx, "GPT.forward", "idx")
        if idx.ndim != 2:
            raise ValueError(f"GPT.forward: idx must be (B, T) token ids, got shape {idx.shape}")
        t = idx.shape[1]
        if t > self.config.block_size:
            raise ValueError(f"GPT.forward: sequence length T={t} exceeds "
                             f"block_size={self.config.block_size}")
        x = self.wte(idx) + self.wpe.weight[:t]
        x = self.drop(x)
        for block in self.blocks:
            x = block(x)
        logits = self.lm_head(self.ln_f(x))
        if targets is None:
            return logits, None
        targets = _token_tensor(targets, "GPT.forward", "targets")
        if targets.shape != idx.shape:
            raise ValueError(f"GPT.forward: targets shape {targets.shape} must equal idx shape "
                             f"{idx.shape}")
        classes = logits.shape[-1]  # vocab_size, unless the head was replaced
        loss = F.cross_entropy(logits.view(-1, classes), targets.view(-1), ignore_index=-100)
        return logits, loss

    def generate(self, idx: Any, max_new_tokens: int, temperature: float = 1.0,
                 top_k: int | None = None, generator: Any = None) -> Tensor:
        """Extend ``idx`` ((B, T) or (T,) token ids) by ``max_new_tokens`` sampled tokens.

        Each step feeds the last ``block_size`` tokens, takes the last position's logits,
        divides them by ``temperature``, keeps the ``top_k`` largest (if given) and samples
        from their softmax with minigrad's generator (or ``generator``).
        ``temperature=0`` or ``top_k=1`` picks the argmax (greedy, deterministic). Runs in
        eval mode under ``no_grad`` and restores the previous mode. Returns int64 ids.
        """
        return generate_tokens(self, idx, max_new_tokens, temperature, top_k, generator)

    def num_parameters(self, non_embedding: bool = False, *,
                       trainable_only: bool = False) -> int:
        """How many numbers the parameters hold, each shared Parameter counted once.

        ``non_embedding=True`` leaves out the position embedding and the token embedding
        (unless it is tied to ``lm_head``, where it also serves as the output layer).
        """
        total = super().num_parameters(trainable_only=trainable_only)
        if non_embedding:
            left_out = [self.wpe.weight]
            if self.lm_head.weight is not self.wte.weight:
                left_out.append(self.wte.weight)
            total -= sum(p.numel() for p in left_out if p.requires_grad or not trainable_only)
        return total

    def configure_optimizer(self, weight_decay: float = 0.1, lr: float = 3e-4,
                            betas: tuple[float, float] = (0.9, 0.95)) -> optim.AdamW:
        """AdamW with two parameter groups, as in nanoGPT: weight decay on the matrices
        (>= 2-D: Linear and embedding weights), none on biases and LayerNorm gains.
        Frozen parameters are left out."""
        decay, no_decay = [], []
        for name, p in self.named_parameters():
            if p.requires_grad:
                (decay if p.ndim >= 2 else no_decay).append((name, p))
        groups = [{"params": decay, "weight_decay": weight_decay},
                  {"params": no_decay, "weight_decay": 0.0}]
        return optim.AdamW([g for g in groups if g["params"]], lr=lr, betas=betas)

    def extra_repr(self) -> str:
        c = self.config
        return (f"vocab_size={c.vocab_size}, block_size={c.block_size}, n_layer={c.n_layer}, "
                f"n_head={c.n_head}, n_embd={c.n_embd}")


def _init_weights(module: nn.Module) -> None:
    """GPT-2's initialisation: N(0, 0.02) weights, zero biases (LayerNorms keep 1 and 0)."""
    if isinstance(module, (nn.Linear, nn.Embedding)):
        init.normal_(module.weight, 0.0, 0.02)
    if isinstance(module, nn.Linear) and module.bias is not None:
        init.zeros_(module.bias)


def _token_tensor(ids: Any, fn: str, name: str) -> Tensor:
    """``ids`` as an integer Tensor (lists and arrays accepted)."""
    if not isinstance(ids, Tensor):
        ids = Tensor(np.asarray(ids))
    if ids.dtype.kind not in "iu":
        raise TypeError(f"{fn}: {name} must hold integer token ids, got dtype {ids.dtype}")
    return ids
