"""TransformerEncoderLayer (post-norm and pre-norm) and TransformerEncoder."""

import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn

from ._helpers import gradcheck_module, randn64
from .test_attention import reference_mha


def layer_norm(x, ln):
    mu = x.mean(-1, keepdims=True)
    w, b = ln.weight.detach().numpy(), ln.bias.detach().numpy()
    return (x - mu) / np.sqrt(x.var(-1, keepdims=True) + ln.eps) * w + b


def feed_forward(layer, h, act):
    """linear2(act(linear1(h))) with the layer's weights."""
    w1, b1 = layer.linear1.weight.detach().numpy(), layer.linear1.bias.detach().numpy()
    w2, b2 = layer.linear2.weight.detach().numpy(), layer.linear2.bias.detach().numpy()
    return act(h @ w1.T + b1) @ w2.T + b2


def reference_layer(layer, x, mask=None, act=lambda h: np.maximum(h, 0)):
    """Batch-first NumPy encoder layer (eval mode: no dropout)."""

    def sa(h):
        return reference_mha(layer.self_attn, h, h, h, mask)[0]

    def ff(h):
        return feed_forward(layer, h, act)

    if layer.norm_first:
        x = x + sa(layer_norm(x, layer.norm1))
        return x + ff(layer_norm(x, layer.norm2))
    x = layer_norm(x + sa(x), layer.norm1)
    return layer_norm(x + ff(x), layer.norm2)


def make_layer(cls=nn.TransformerEncoderLayer, **kwargs):
    """A float64 layer (d_model 8, 2 heads) in eval mode with perturbed weights."""
    kwargs.setdefault("batch_first", True)
    layer = cls(8, 2, dim_feedforward=16, **kwargs)
    layer.double().eval()
    rng = np.random.default_rng(0)
    with mg.no_grad():
        for p in layer.parameters():
            p.copy_(p.detach().numpy() + rng.standard_normal(p.shape) * 0.1)
    return layer


def x64(*shape, seed=1):
    return mg.tensor(np.random.default_rng(seed).standard_normal(shape), dtype=mg.float64)


@pytest.mark.parametrize("norm_first", [False, True])
def test_layer_matches_numpy(norm_first):
    layer = make_layer(norm_first=norm_first)
    x = x64(2, 5, 8)
    np.testing.assert_allclose(
        layer(x).detach().numpy(), reference_layer(layer, x.detach().numpy()), rtol=1e-9, atol=1e-10
    )


def test_layer_masks():
    layer = make_layer(norm_first=True)
    x = x64(2, 5, 8)
    causal = np.triu(np.full((5, 5), -np.inf), 1)
    out = layer(x, is_causal=True)
    np.testing.assert_allclose(
        out.detach().numpy(), reference_layer(layer, x.detach().numpy(), causal), rtol=1e-9
    )
    masked = layer(x, src_mask=mg.tensor(causal))
    np.testing.assert_allclose(masked.detach().numpy(), out.detach().numpy(), rtol=1e-12)
    changed = x.detach().numpy().copy()
    changed[:, -1] += 5
    np.testing.assert_allclose(
        layer(mg.tensor(changed), is_causal=True).detach().numpy()[:, :4],
        out.detach().numpy()[:, :4],
        rtol=1e-10,
    )
    pad = np.zeros((2, 5), bool)
    pad[1, 2:] = True
    padded = layer(x, src_key_padding_mask=mg.tensor(pad))
    additive = np.where(pad, -np.inf, 0.0)[:, None, None, :]
    expected = reference_layer(layer, x.detach().numpy(), additive)
    np.testing.assert_allclose(padded.detach().numpy(), expected, rtol=1e-9)


def test_layer_activation_options_and_layout():
    layer = make_layer(activation="gelu")
    x = x64(2, 3, 8)
    gelu = np.vectorize(lambda v: 0.5 * v * (1 + math.erf(v / math.sqrt(2))))
    np.testing.assert_allclose(
        layer(x).detach().numpy(), reference_layer(layer, x.detach().numpy(), act=gelu), rtol=1e-9
    )
    custom = nn.TransformerEncoderLayer(8, 2, 16, activation=nn.Tanh())
    assert "activation" in dict(custom.named_children())
    with pytest.raises(RuntimeError, match="relu/gelu"):
        nn.TransformerEncoderLayer(8, 2, activation="swish")
    batch_first = make_layer().float()
    seq_first = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0)
    seq_first.load_state_dict(batch_first.state_dict())
    xs = mg.randn(5, 2, 8)
    np.testing.assert_allclose(
        seq_first(xs).detach().numpy().transpose(1, 0, 2),
        batch_first(xs.transpose(0, 1)).detach().numpy(),
        rtol=1e-5,
        atol=1e-6,
    )


def test_layer_state_dict_names_follow_pytorch():
    names = list(nn.TransformerEncoderLayer(8, 2, 16).state_dict())
    assert names == [
        "self_attn.in_proj_weight",
        "self_attn.in_proj_bias",
        "self_attn.out_proj.weight",
        "self_attn.out_proj.bias",
        "linear1.weight",
        "linear1.bias",
        "linear2.weight",
        "linear2.bias",
        "norm1.weight",
        "norm1.bias",
        "norm2.weight",
        "norm2.bias",
    ]


def test_dropout_in_training_mode():
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.5, batch_first=True)
    x = mg.randn(2, 4, 8)
    layer.eval()
    np.testing.assert_array_equal(layer(x).detach().numpy(), layer(x).detach().numpy())
    layer.train()
    assert not np.allclose(layer(x).detach().numpy(), layer(x).detach().numpy())


def test_layer_gradients():
    layer = nn.TransformerEncoderLayer(
        4, 2, dim_feedforward=6, dropout=0.0, batch_first=True, norm_first=True
    )
    assert gradcheck_module(layer, randn64(2, 3, 4), call=lambda m, t: m(t, is_causal=True))


def test_encoder_copies_layers_and_applies_them_in_turn():
    layer = make_layer(norm_first=True)
    norm = nn.LayerNorm(8).double()
    encoder = nn.TransformerEncoder(layer, num_layers=3, norm=norm).eval()
    assert len(encoder.layers) == 3 and encoder.num_layers == 3
    params = [p for block in encoder.layers for p in block.parameters()]
    assert len({id(p) for p in params}) == len(params)  # independent copies
    assert all(p is not q for p, q in zip(encoder.layers[0].parameters(), layer.parameters()))
    x = x64(2, 4, 8)
    expected = x
    for block in encoder.layers:
        expected = block(expected, is_causal=True)
    np.testing.assert_allclose(
        encoder(x, is_causal=True).detach().numpy(), norm(expected).detach().numpy(), rtol=1e-12
    )
    keys = list(encoder.state_dict())
    assert keys[0] == "layers.0.self_attn.in_proj_weight" and keys[-1] == "norm.bias"
    with mg.no_grad():
        encoder.layers[0].linear1.weight.fill_(0.0)
    assert layer.linear1.weight.detach().numpy().any()
    encoder.train()
    encoder(x).sum().backward()
    assert all(p.grad is not None for p in encoder.parameters())
