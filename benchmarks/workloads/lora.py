"""lora: one AdamW step of the `gpt` workload's model with LoRA adapters vs full fine-tuning.

minigrad only. The "numpy" column holds minigrad's FULL fine-tuning step (every
parameter trains), so "vs numpy" reads as LoRA time / full time. LoRA wraps
every `c_attn` and `c_proj` (attention and MLP output projections) with r=8,
alpha=16: the base weights are frozen, so backward skips their weight gradients
and AdamW updates only the small A and B matrices, but the forward pass gains
two narrow matrix products per wrapped layer.
"""

from __future__ import annotations

import numpy as np

from benchmarks import harness
from benchmarks.workloads.gpt import FULL, LR, QUICK, WEIGHT_DECAY

LORA = {"r": 8, "alpha": 16, "target_modules": ("c_attn", "c_proj")}


def _step(lora: bool, cfg: dict, idx_np: np.ndarray, targets_np: np.ndarray):
    """A zero-argument training step of a freshly built minigrad GPT."""
    import minigrad as mg
    import minigrad.optim as optim
    from minigrad import finetune
    from minigrad.models import GPT, GPTConfig

    mg.manual_seed(0)
    model = GPT(GPTConfig(**cfg, dropout=0.0, bias=True))
    if lora:
        finetune.apply_lora(model, finetune.LoRAConfig(**LORA))
    opt = optim.AdamW(finetune.trainable_parameters(model), lr=LR, weight_decay=WEIGHT_DECAY)
    idx, targets = mg.tensor(idx_np), mg.tensor(targets_np)

    def step():
        opt.zero_grad()
        _, loss = model(idx, targets)
        loss.backward()
        opt.step()
        return loss

    return step


def cases(quick: bool = False) -> list[harness.Case]:
    cfg = QUICK if quick else FULL
    batch = 4 if quick else 32
    t = cfg["block_size"]
    tokens = np.random.default_rng(0).integers(0, cfg["vocab_size"], (batch, t + 1))
    idx = np.ascontiguousarray(tokens[:, :-1])
    targets = np.ascontiguousarray(tokens[:, 1:])
    impls: dict = {}
    note = harness.join_notes(
        harness.add_impl(impls, "numpy", lambda: _step(False, cfg, idx, targets)),
        harness.add_impl(impls, "minigrad", lambda: _step(True, cfg, idx, targets)),
        "numpy = minigrad full fine-tuning step; minigrad = LoRA r=8 on c_attn, c_proj",
    )
    name = (f"L{cfg['n_layer']} C{cfg['n_embd']} H{cfg['n_head']} "
            f"B{batch} T{t} LoRA vs full step")
    return [harness.Case(name, impls, items=batch * t, note=note)]
