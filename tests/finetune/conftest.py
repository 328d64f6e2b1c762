import numpy as np
import pytest

import minigrad as mg
from minigrad.models import GPT, GPTConfig

TINY = dict(vocab_size=11, block_size=8, n_layer=2, n_head=2, n_embd=16)


def tiny_gpt(seed=0, **overrides):
    mg.manual_seed(seed)
    return GPT(GPTConfig(**{**TINY, **overrides}))


def batch(seed=0, shape=(4, 8)):
    rng = np.random.default_rng(seed)
    return mg.tensor(rng.integers(0, 11, shape)), mg.tensor(rng.integers(0, 11, shape))


def train(model, steps=3, lr=1e-2, seed=0, opt=None):
    idx, targets = batch(seed)
    if opt is None:
        opt = mg.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        _, loss = model(idx, targets)
        loss.backward()
        opt.step()
    return opt


def snapshot(model):
    return {n: p.detach().numpy().copy() for n, p in model.named_parameters()}


@pytest.fixture
def gpt():
    return tiny_gpt()
