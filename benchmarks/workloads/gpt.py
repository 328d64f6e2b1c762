"""gpt: one AdamW training step of a small GPT (4 layers, 128 wide, 4 heads) on 32 x 64 tokens.

Token + position embeddings, pre-norm blocks (causal self-attention, 4x GELU
MLP), final LayerNorm, untied lm head without bias, cross-entropy over every
position. The torch model below spells out attention (matmul, mask, softmax), as
the NumPy twin does, rather than calling PyTorch's fused attention kernel.
minigrad's model calls `F.scaled_dot_product_attention(..., is_causal=True)`,
whose products are the same BLAS calls and whose scale, mask and softmax are one
numba kernel pass (`kernels.causal_softmax`).
"""

from __future__ import annotations

import math

import numpy as np

from benchmarks import harness
from benchmarks.twins.gpt_numpy import GPT as NumpyGPT
from benchmarks.twins.gpt_numpy import GPTConfig as NumpyConfig
from benchmarks.twins.gpt_numpy import train_step as numpy_step
from benchmarks.twins.optim_numpy import AdamW

LR = 3e-4
WEIGHT_DECAY = 0.1
FULL = {"vocab_size": 65, "block_size": 64, "n_layer": 4, "n_head": 4, "n_embd": 128}
QUICK = {"vocab_size": 65, "block_size": 16, "n_layer": 2, "n_head": 2, "n_embd": 32}


def torch_gpt(torch, cfg: dict):
    """The same architecture as the NumPy twin, in PyTorch."""
    nn, F = torch.nn, torch.nn.functional
    c, n_head = cfg["n_embd"], cfg["n_head"]

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1 = nn.LayerNorm(c)
            self.c_attn = nn.Linear(c, 3 * c)
            self.c_proj = nn.Linear(c, c)
            self.ln_2 = nn.LayerNorm(c)
            self.c_fc = nn.Linear(c, 4 * c)
            self.mlp_proj = nn.Linear(4 * c, c)
            block = cfg["block_size"]
            self.register_buffer("causal", torch.tril(torch.ones(block, block, dtype=torch.bool)))

        def attn(self, x):
            b, t, _ = x.shape
            q, k, v = self.c_attn(x).split(c, dim=2)
            q, k, v = (z.view(b, t, n_head, c // n_head).transpose(1, 2) for z in (q, k, v))
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(c // n_head))
            att = att.masked_fill(~self.causal[:t, :t], float("-inf"))
            y = F.softmax(att, dim=-1) @ v
            return self.c_proj(y.transpose(1, 2).reshape(b, t, c))

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte = nn.Embedding(cfg["vocab_size"], c)
            self.wpe = nn.Embedding(cfg["block_size"], c)
            self.h = nn.ModuleList(Block() for _ in range(cfg["n_layer"]))
            self.ln_f = nn.LayerNorm(c)
            self.lm_head = nn.Linear(c, cfg["vocab_size"], bias=False)

        def forward(self, idx):
            x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1]))
            for block in self.h:
                x = block(x)
            return self.lm_head(self.ln_f(x))

    return GPT()


def make_step(lib, F, optim, model, idx_np, targets_np, vocab: int):
    """One training step written against a PyTorch-like library (torch or minigrad)."""
    opt = optim.AdamW(model.parameters(), lr=LR, weight_decay=WEIGHT_DECAY)
    idx, targets = lib.tensor(idx_np), lib.tensor(targets_np)

    def step():
        opt.zero_grad()
        logits = model(idx)
        if isinstance(logits, tuple):  # a model returning (logits, loss)
            logits = logits[0]
        loss = F.cross_entropy(logits.reshape(-1, vocab), targets.reshape(-1))
        loss.backward()
        opt.step()
        return loss

    return step


def _torch(torch, cfg, idx, targets):
    torch.manual_seed(0)
    model = torch_gpt(torch, cfg)
    return make_step(torch, torch.nn.functional, torch.optim, model, idx, targets,
                     cfg["vocab_size"])


def _minigrad(cfg, idx, targets):
    import minigrad as mg
    import minigrad.nn.functional as F
    import minigrad.optim as optim
    from minigrad.models import GPT, GPTConfig

    mg.manual_seed(0)
    model = GPT(GPTConfig(**cfg, dropout=0.0, bias=True))
    return make_step(mg, F, optim, model, idx, targets, cfg["vocab_size"])


def _compiled(cfg, idx, targets):
    import minigrad as mg

    return mg.compile(_minigrad(cfg, idx, targets), fullgraph=True)


def cases(quick: bool = False) -> list[harness.Case]:
    cfg = QUICK if quick else FULL
    batch = 4 if quick else 32
    t = cfg["block_size"]
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, cfg["vocab_size"], (batch, t + 1))
    idx = np.ascontiguousarray(tokens[:, :-1])
    targets = np.ascontiguousarray(tokens[:, 1:])
    model = NumpyGPT(NumpyConfig(**cfg), rng)
    opt = AdamW(model.params, lr=LR, weight_decay=WEIGHT_DECAY)
    impls = {"numpy": lambda: numpy_step(model, opt, idx, targets)}
    note = harness.add_impl(impls, "minigrad", lambda: _minigrad(cfg, idx, targets))
    note = harness.join_notes(note, harness.add_impl(
        impls, "compiled", lambda: _compiled(cfg, idx, targets)))
    torch = harness.try_import_torch()
    if torch is not None:
        note = harness.join_notes(note, harness.add_impl(
            impls, "torch", lambda: _torch(torch, cfg, idx, targets)
        ))
    name = (f"L{cfg['n_layer']} C{cfg['n_embd']} H{cfg['n_head']} "
            f"B{batch} T{t} AdamW step")
    return [harness.Case(name, impls, items=batch * t, note=note)]
