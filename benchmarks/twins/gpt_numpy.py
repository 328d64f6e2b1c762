"""A GPT (pre-norm transformer decoder) with hand-written forward and backward in NumPy.

token + position embeddings -> n_layer x [x + attn(ln_1(x)); x + mlp(ln_2(x))]
-> ln_f -> lm_head (no bias, not tied) -> mean cross-entropy over every position.
Attention is causal multi-head softmax attention; the MLP is 4x wide with GELU
(tanh approximation). Activations are kept as (B*T, C) rows so every linear
layer is one matrix product.

>>> import numpy as np
>>> cfg = GPTConfig(vocab_size=11, block_size=8, n_layer=1, n_head=2, n_embd=8)
>>> model = GPT(cfg, np.random.default_rng(0))
>>> idx = np.zeros((2, 8), dtype=np.int64)
>>> loss, grads = model.loss_and_grads(idx, idx)
>>> abs(loss - float(np.log(11))) < 0.1, grads["wte"].shape
(True, (11, 8))
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from benchmarks.twins.functional_numpy import (
    cross_entropy_backward,
    cross_entropy_forward,
    gelu_backward,
    gelu_forward,
    layer_norm_backward,
    layer_norm_forward,
)
from benchmarks.twins.optim_numpy import AdamW


@dataclass
class GPTConfig:
    vocab_size: int = 65
    block_size: int = 64
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 128


def init_params(cfg: GPTConfig, rng: np.random.Generator, dtype=np.float32) -> dict:
    """GPT-2 style init: N(0, 0.02) weights, residual projections scaled by 1/sqrt(2 n_layer)."""
    c = cfg.n_embd

    def normal(shape, std=0.02):
        return rng.standard_normal(shape, dtype=dtype) * std

    p = {"wte": normal((cfg.vocab_size, c)), "wpe": normal((cfg.block_size, c))}
    proj_std = 0.02 / math.sqrt(2 * cfg.n_layer)
    for l in range(cfg.n_layer):
        p[f"h{l}.ln1.w"] = np.ones(c, dtype)
        p[f"h{l}.ln1.b"] = np.zeros(c, dtype)
        p[f"h{l}.attn.w"] = normal((c, 3 * c))
        p[f"h{l}.attn.b"] = np.zeros(3 * c, dtype)
        p[f"h{l}.proj.w"] = normal((c, c), proj_std)
        p[f"h{l}.proj.b"] = np.zeros(c, dtype)
        p[f"h{l}.ln2.w"] = np.ones(c, dtype)
        p[f"h{l}.ln2.b"] = np.zeros(c, dtype)
        p[f"h{l}.fc.w"] = normal((c, 4 * c))
        p[f"h{l}.fc.b"] = np.zeros(4 * c, dtype)
        p[f"h{l}.fc2.w"] = normal((4 * c, c), proj_std)
        p[f"h{l}.fc2.b"] = np.zeros(c, dtype)
    p["lnf.w"] = np.ones(c, dtype)
    p["lnf.b"] = np.zeros(c, dtype)
    p["head.w"] = normal((c, cfg.vocab_size))
    return p


def attention_forward(h: np.ndarray, w_qkv, b_qkv, w_proj, b_proj, n_head: int, batch: int):
    """Causal multi-head self-attention on (B*T, C) rows; returns (B*T, C) and a cache."""
    n, c = h.shape
    t, d = n // batch, c // n_head
    qkv = np.matmul(h, w_qkv)
    qkv += b_qkv
    qkv = qkv.reshape(batch, t, 3, n_head, d).transpose(2, 0, 3, 1, 4)  # (3, B, H, T, D)
    q, k, v = qkv[0], qkv[1], qkv[2]
    att = np.matmul(q, k.transpose(0, 1, 3, 2))  # (B, H, T, T)
    att *= 1.0 / math.sqrt(d)
    att += np.triu(np.full((t, t), -np.inf, dtype=h.dtype), k=1)  # position i sees j <= i
    att -= att.max(axis=-1, keepdims=True)
    np.exp(att, out=att)
    att /= att.sum(axis=-1, keepdims=True)
    y = np.empty((batch, t, n_head, d), dtype=h.dtype)  # heads side by side: (B*T, C) rows
    np.matmul(att, v, out=y.transpose(0, 2, 1, 3))
    y = y.reshape(n, c)
    out = np.matmul(y, w_proj)
    out += b_proj
    return out, (h, q, k, v, att, y, w_qkv, w_proj)


def attention_backward(dout: np.ndarray, cache) -> tuple[np.ndarray, ...]:
    """Gradients (dh, dw_qkv, db_qkv, dw_proj, db_proj) of `attention_forward`."""
    h, q, k, v, att, y, w_qkv, w_proj = cache
    batch, n_head, t, d = q.shape
    n, c = h.shape
    dw_proj = np.matmul(y.T, dout)
    db_proj = dout.sum(axis=0)
    dy = np.matmul(dout, w_proj.T).reshape(batch, t, n_head, d).transpose(0, 2, 1, 3)
    datt = np.matmul(dy, v.transpose(0, 1, 3, 2))
    # softmax: dscore = p * (dp - sum(dp * p)); masked entries have p = 0
    datt -= np.sum(datt * att, axis=-1, keepdims=True)
    datt *= att
    datt *= 1.0 / math.sqrt(d)
    dqkv = np.empty((batch, t, 3, n_head, d), dtype=h.dtype)  # the layout of the qkv rows
    dq_dk_dv = dqkv.transpose(2, 0, 3, 1, 4)
    np.matmul(datt, k, out=dq_dk_dv[0])
    np.matmul(datt.transpose(0, 1, 3, 2), q, out=dq_dk_dv[1])
    np.matmul(att.transpose(0, 1, 3, 2), dy, out=dq_dk_dv[2])
    dqkv = dqkv.reshape(n, 3 * c)
    dw_qkv = np.matmul(h.T, dqkv)
    db_qkv = dqkv.sum(axis=0)
    dh = np.matmul(dqkv, w_qkv.T)
    return dh, dw_qkv, db_qkv, dw_proj, db_proj


def _check_tokens(cfg: GPTConfig, idx: np.ndarray) -> None:
    if idx.ndim != 2 or idx.shape[1] > cfg.block_size:
        raise ValueError(
            f"GPT: idx must be (B, T) with T <= block_size={cfg.block_size}, got {idx.shape}"
        )


def forward(p: dict, cfg: GPTConfig, idx: np.ndarray) -> tuple[np.ndarray, list]:
    """Logits (B*T, vocab) for token ids (B, T), and the caches for `backward`."""
    _check_tokens(cfg, idx)
    batch, t = idx.shape
    x = (p["wte"][idx] + p["wpe"][:t]).reshape(batch * t, cfg.n_embd)
    caches = []
    for l in range(cfg.n_layer):
        pre = f"h{l}."
        h, ln1 = layer_norm_forward(x, p[pre + "ln1.w"], p[pre + "ln1.b"])
        a, attn = attention_forward(
            h, p[pre + "attn.w"], p[pre + "attn.b"], p[pre + "proj.w"], p[pre + "proj.b"],
            cfg.n_head, batch,
        )
        x = x + a
        h2, ln2 = layer_norm_forward(x, p[pre + "ln2.w"], p[pre + "ln2.b"])
        f = np.matmul(h2, p[pre + "fc.w"])
        f += p[pre + "fc.b"]
        g, gelu = gelu_forward(f)
        m = np.matmul(g, p[pre + "fc2.w"])
        m += p[pre + "fc2.b"]
        x = x + m
        caches.append((ln1, attn, ln2, h2, gelu, g))
    xf, lnf = layer_norm_forward(x, p["lnf.w"], p["lnf.b"])
    logits = np.matmul(xf, p["head.w"])
    return logits, [caches, lnf, xf]


def backward(p: dict, cfg: GPTConfig, idx: np.ndarray, dlogits: np.ndarray, cache) -> dict:
    """Gradients of every parameter, given d loss / d logits."""
    caches, lnf, xf = cache
    batch, t = idx.shape
    grads = {"head.w": np.matmul(xf.T, dlogits)}
    dx, grads["lnf.w"], grads["lnf.b"] = layer_norm_backward(
        np.matmul(dlogits, p["head.w"].T), lnf
    )
    for l in reversed(range(cfg.n_layer)):
        pre = f"h{l}."
        ln1, attn, ln2, h2, gelu, g = caches[l]
        grads[pre + "fc2.w"] = np.matmul(g.T, dx)
        grads[pre + "fc2.b"] = dx.sum(axis=0)
        df = gelu_backward(np.matmul(dx, p[pre + "fc2.w"].T), gelu)
        grads[pre + "fc.w"] = np.matmul(h2.T, df)
        grads[pre + "fc.b"] = df.sum(axis=0)
        dh2, grads[pre + "ln2.w"], grads[pre + "ln2.b"] = layer_norm_backward(
            np.matmul(df, p[pre + "fc.w"].T), ln2
        )
        dx = dx + dh2
        dh, dwa, dba, dwp, dbp = attention_backward(dx, attn)
        grads[pre + "attn.w"], grads[pre + "attn.b"] = dwa, dba
        grads[pre + "proj.w"], grads[pre + "proj.b"] = dwp, dbp
        dh1, grads[pre + "ln1.w"], grads[pre + "ln1.b"] = layer_norm_backward(dh, ln1)
        dx = dx + dh1
    dwte = np.zeros_like(p["wte"])
    np.add.at(dwte, idx.reshape(-1), dx)
    dwpe = np.zeros_like(p["wpe"])
    dwpe[:t] = dx.reshape(batch, t, cfg.n_embd).sum(axis=0)
    grads["wte"], grads["wpe"] = dwte, dwpe
    return grads


class GPT:
    """Parameters plus the loss / gradient entry points the benchmark and tests use."""

    def __init__(self, cfg: GPTConfig, rng: np.random.Generator, dtype=np.float32):
        self.cfg = cfg
        self.params = init_params(cfg, rng, dtype)

    def loss(self, idx: np.ndarray, targets: np.ndarray) -> float:
        logits, _ = forward(self.params, self.cfg, idx)
        return cross_entropy_forward(logits, targets.reshape(-1))[0]

    def loss_and_grads(self, idx: np.ndarray, targets: np.ndarray) -> tuple[float, dict]:
        logits, cache = forward(self.params, self.cfg, idx)
        loss, ce = cross_entropy_forward(logits, targets.reshape(-1))
        grads = backward(self.params, self.cfg, idx, cross_entropy_backward(ce), cache)
        return loss, grads


def train_step(model: GPT, opt: AdamW, idx: np.ndarray, targets: np.ndarray) -> float:
    """One AdamW training step on a (B, T) batch; returns the loss before the update."""
    loss, grads = model.loss_and_grads(idx, targets)
    opt.step(grads)
    return loss
