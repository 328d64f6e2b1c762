"""GPT: shapes, the causal mask, the loss, weight tying, init, counts, gradients, learning."""

import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.autograd import gradcheck
from minigrad.models import GPT, GPTConfig

TINY = dict(vocab_size=11, block_size=8, n_layer=2, n_head=2, n_embd=16)


def make(seed=0, **overrides):
    mg.manual_seed(seed)
    return GPT(GPTConfig(**{**TINY, **overrides}))


def tokens(shape, vocab=11, seed=0):
    return mg.tensor(np.random.default_rng(seed).integers(0, vocab, shape))


def test_shapes_and_no_loss_without_targets():
    model = make()
    logits, loss = model(tokens((3, 5)))
    assert logits.shape == (3, 5, 11) and logits.dtype == np.float32
    assert loss is None


def test_sequence_longer_than_block_size_is_refused():
    with pytest.raises(ValueError, match=r"T=9.*block_size=8"):
        make()(tokens((2, 9)))


def test_bad_inputs():
    model = make()
    with pytest.raises(TypeError, match="integer token ids"):
        model(mg.zeros(2, 4))
    with pytest.raises(ValueError, match=r"\(B, T\)"):
        model(tokens((8,)))
    with pytest.raises(ValueError, match="targets shape"):
        model(tokens((2, 4)), tokens((2, 3)))


@pytest.mark.parametrize("bad", [dict(n_embd=10, n_head=3), dict(vocab_size=0),
                                 dict(dropout=1.0), dict(n_layer=2.0)])
def test_config_validation(bad):
    with pytest.raises(ValueError, match="GPTConfig"):
        GPTConfig(**{**TINY, **bad})


def test_changing_a_future_token_never_changes_earlier_logits():
    model = make()
    idx = tokens((2, 8))
    base, _ = model(idx)
    for j in range(8):
        changed = idx.numpy().copy()
        changed[:, j] = (changed[:, j] + 1 + j) % 11
        logits, _ = model(mg.tensor(changed))
        # exactly equal before position j, different from position j on
        assert np.array_equal(logits.detach().numpy()[:, :j], base.detach().numpy()[:, :j])
        assert not np.allclose(logits.detach().numpy()[:, j], base.detach().numpy()[:, j])


def test_loss_is_cross_entropy_of_the_logits_with_ignored_positions():
    model = make()
    idx = tokens((2, 6))
    targets = tokens((2, 6), seed=1).numpy().copy()
    targets[0, :2] = -100
    logits, loss = model(idx, mg.tensor(targets))
    z = logits.detach().numpy().reshape(-1, 11).astype(np.float64)
    t = targets.reshape(-1)
    logp = z - z.max(1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(1, keepdims=True))
    keep = t != -100
    expected = -logp[keep, t[keep]].mean()
    assert loss.item() == pytest.approx(expected, rel=1e-5)
    same = F.cross_entropy(logits.view(-1, 11), mg.tensor(t), ignore_index=-100)
    assert loss.item() == same.item()


def test_initialisation_follows_gpt2():
    model = make(n_layer=2, n_embd=64, n_head=4, vocab_size=50, block_size=32)
    w = model.blocks[0].mlp.c_fc.weight.detach().numpy()
    assert np.std(w) == pytest.approx(0.02, rel=0.05)
    residual = 0.02 / math.sqrt(2 * 2)
    for proj in (model.blocks[1].attn.c_proj.weight, model.blocks[1].mlp.c_proj.weight):
        assert np.std(proj.detach().numpy()) == pytest.approx(residual, rel=0.05)
    assert np.std(model.wte.weight.detach().numpy()) == pytest.approx(0.02, rel=0.05)
    assert not model.blocks[0].attn.c_attn.bias.detach().numpy().any()
    assert np.array_equal(model.ln_f.weight.detach().numpy(), np.ones(64, np.float32))
    assert model.lm_head.bias is None


def expected_count(v, t, layers, c, tied=False, bias=True):
    b = 1 if bias else 0
    per_block = (2 * (c + b * c)  # two LayerNorms
                 + c * 3 * c + b * 3 * c + c * c + b * c  # attention
                 + c * 4 * c + b * 4 * c + 4 * c * c + b * c)  # MLP
    return v * c + t * c + layers * per_block + c + b * c + (0 if tied else c * v)


@pytest.mark.parametrize("tied", [False, True])
@pytest.mark.parametrize("bias", [True, False])
def test_num_parameters(tied, bias):
    model = make(tie_weights=tied, bias=bias)
    assert model.num_parameters() == expected_count(11, 8, 2, 16, tied, bias)
    non_embedding = model.num_parameters(non_embedding=True)
    assert non_embedding == model.num_parameters() - 8 * 16 - (0 if tied else 11 * 16)


def test_tied_weights_share_one_parameter():
    model = make(tie_weights=True)
    assert model.lm_head.weight is model.wte.weight
    names = [n for n, _ in model.named_parameters()]
    assert "wte.weight" in names and "lm_head.weight" not in names
    logits, loss = model(tokens((2, 8)), tokens((2, 8), seed=3))
    loss.backward()
    assert model.wte.weight.grad is not None


def test_configure_optimizer_decays_matrices_only():
    model = make()
    model.wpe.weight.requires_grad_(False)
    opt = model.configure_optimizer(weight_decay=0.1, lr=1e-3, betas=(0.9, 0.95))
    decay, no_decay = opt.param_groups
    assert decay["weight_decay"] == 0.1 and no_decay["weight_decay"] == 0.0
    assert all(p.ndim == 2 for p in decay["params"])
    assert all(p.ndim == 1 for p in no_decay["params"])
    assert "wpe.weight" not in decay["param_names"]
    assert len(decay["params"]) + len(no_decay["params"]) == len(list(model.parameters())) - 1
    assert opt.defaults["betas"] == (0.9, 0.95)


def test_dropout_only_in_training():
    model = make(dropout=0.3)
    idx = tokens((2, 8))
    assert not np.array_equal(model(idx)[0].detach().numpy(), model(idx)[0].detach().numpy())
    model.eval()
    assert np.array_equal(model(idx)[0].detach().numpy(), model(idx)[0].detach().numpy())


def test_gradcheck_of_a_tiny_gpt_in_float64():
    mg.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=5, block_size=4, n_layer=1, n_head=2, n_embd=4)).double()
    with mg.no_grad():  # move away from the zero biases / unit gains of the init
        for p in model.parameters():
            p.add_(np.random.default_rng(1).normal(0, 0.3, p.shape))
    idx, targets = mg.tensor([[0, 3, 1, 4], [2, 2, 0, 1]]), mg.tensor([[3, 1, 4, 2], [2, 0, 1, 3]])
    checked = [model.wte.weight, model.wpe.weight, model.blocks[0].attn.c_attn.weight,
               model.blocks[0].attn.c_attn.bias, model.blocks[0].ln_2.weight,
               model.blocks[0].mlp.c_proj.weight, model.ln_f.bias, model.lm_head.weight]
    assert gradcheck(lambda *params: model(idx, targets)[1], checked, atol=1e-6)


def test_a_tiny_gpt_overfits_one_sequence():
    model = make(n_layer=1, n_embd=32, n_head=2)
    seq = np.array([[3, 1, 4, 1, 5, 9, 2, 6, 5]])
    idx, targets = mg.tensor(np.repeat(seq[:, :-1], 4, 0)), mg.tensor(np.repeat(seq[:, 1:], 4, 0))
    opt = model.configure_optimizer(weight_decay=0.0, lr=1e-2, betas=(0.9, 0.99))
    first = None
    for _ in range(100):
        opt.zero_grad()
        _, loss = model(idx, targets)
        loss.backward()
        opt.step()
        first = loss.item() if first is None else first
    assert first > 2.0 and loss.item() < 0.05


def test_blocks_use_nn_causal_self_attention():
    model = GPT(GPTConfig(vocab_size=7, block_size=6, n_layer=2, n_head=2, n_embd=8))
    assert all(type(block.attn) is nn.CausalSelfAttention for block in model.blocks)
    assert [n for n, _ in model.blocks[0].attn.named_parameters()] == [
        "c_attn.weight", "c_attn.bias", "c_proj.weight", "c_proj.bias"]
