"""A compiled training step gives the parameters the eager one gives, over 100 steps."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.finetune import LoRAConfig, apply_lora
from minigrad.models import GPT, GPTConfig

from .helpers import assert_close, train

TOL = {np.float32: 1e-6, np.float64: 1e-12}


class LinReg(nn.Module):
    """The walkthrough's model: W x + b with a mean-squared-error loss."""

    def __init__(self, dtype):
        super().__init__()
        mg.manual_seed(0)
        self.W = nn.Parameter(mg.empty(1, dtype=dtype).uniform_(-1.0, 1.0))
        self.b = nn.Parameter(mg.zeros(1, dtype=dtype))

    def loss(self, x, y):
        return nn.MSELoss()(self.W * x + self.b, y)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_linear_regression_walkthrough(dtype):
    rng = np.random.default_rng(0)
    x = rng.random(100).astype(dtype)
    batches = [(mg.tensor(x), mg.tensor(0.1 * x + 0.3))] * 100

    def make():
        model = LinReg(dtype)
        return model, mg.optim.SGD(model.parameters(), lr=0.5)

    eager, eager_losses, _ = train(make, batches, compiled=False)
    compiled, losses, step = train(make, batches, compiled=True)
    assert_close(eager, compiled, TOL[dtype])
    np.testing.assert_allclose(losses, eager_losses, rtol=TOL[dtype])
    assert step.traces == 1 and step.programs[0].replays == 99
    assert abs(compiled[0][0] - 0.1) < 0.01  # it really learned the line


class MLP(nn.Module):
    def __init__(self, dtype):
        super().__init__()
        mg.manual_seed(0)
        self.net = nn.Sequential(nn.Linear(3, 16), nn.Tanh(), nn.Linear(16, 16), nn.ReLU(),
                                 nn.Linear(16, 1)).to(dtype)

    def loss(self, x, y):
        return F.mse_loss(self.net(x), y)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_mlp_with_adam(dtype):
    rng = np.random.default_rng(1)
    batches = [(mg.tensor(rng.standard_normal((8, 3)).astype(dtype)),
                mg.tensor(rng.standard_normal((8, 1)).astype(dtype))) for _ in range(100)]

    def make():
        model = MLP(dtype)
        return model, mg.optim.Adam(model.parameters(), lr=1e-2)

    eager, eager_losses, _ = train(make, batches, compiled=False)
    compiled, losses, step = train(make, batches, compiled=True)
    assert_close(eager, compiled, TOL[dtype])
    np.testing.assert_allclose(losses, eager_losses, rtol=TOL[dtype])
    assert step.traces == 1


class LM(nn.Module):
    """A tiny GPT with dropout; ``loss`` is its cross-entropy on a batch of tokens."""

    def __init__(self, lora: bool = False):
        super().__init__()
        mg.manual_seed(0)
        self.gpt = GPT(GPTConfig(vocab_size=13, block_size=8, n_layer=2, n_head=2, n_embd=16,
                                 dropout=0.1))
        if lora:
            apply_lora(self.gpt, LoRAConfig(r=2, alpha=4, dropout=0.1,
                                            target_modules=["c_attn", "c_proj"]))

    def loss(self, idx, targets):
        return self.gpt(idx, targets)[1]


def _token_batches(n):
    rng = np.random.default_rng(2)
    tokens = [rng.integers(0, 13, (4, 8)) for _ in range(n)]
    return [(mg.tensor(t), mg.tensor((t + 1) % 13)) for t in tokens]  # learnable: next id


def test_gpt_with_adamw_and_dropout_matches_eager_and_its_rng_stream():
    batches = _token_batches(100)

    def make():
        model = LM()
        return model, mg.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.1)

    eager, eager_losses, _ = train(make, batches, compiled=False)
    eager_rng = mg.get_rng_state()
    compiled, losses, step = train(make, batches, compiled=True)
    assert mg.get_rng_state() == eager_rng  # the same number of draws, in the same order
    assert_close(eager, compiled, TOL[np.float32])
    np.testing.assert_allclose(losses, eager_losses, rtol=1e-6)
    assert losses[-1] < losses[0]
    assert any(s.kind == "source" for s in step.programs[0].steps)  # the dropout masks


def test_lora_fine_tuning():
    batches = _token_batches(100)

    def make():
        model = LM(lora=True)
        trainable = [p for p in model.parameters() if p.requires_grad]
        return model, mg.optim.AdamW(trainable, lr=1e-2)

    eager, _, _ = train(make, batches, compiled=False)
    compiled, _, _ = train(make, batches, compiled=True)
    assert_close(eager, compiled, TOL[np.float32])
    frozen = LM(lora=True)  # the base weights must not have moved, adapters must have
    names = [n for n, _ in frozen.named_parameters()]
    moved = {n for n, a, b in zip(names, compiled, [p.numpy(force=True) for p in
                                                     frozen.parameters()])
             if not np.array_equal(a, b)}
    assert moved and all("lora" in n for n in moved)
