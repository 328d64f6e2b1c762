"""TransformerDecoderLayer, TransformerDecoder and Transformer: against the equations in
NumPy, masks (checked through gradients), layouts, gradients, PyTorch's names and errors."""

import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn

from ._helpers import gradcheck_module, randn64
from .test_attention import reference_mha
from .test_transformer import feed_forward, layer_norm, make_layer, x64


def reference_decoder_layer(layer, x, memory, tgt_mask=None, memory_mask=None,
                            act=lambda h: np.maximum(h, 0)):
    """Batch-first NumPy decoder layer (eval mode: no dropout); masks are additive."""

    def sa(h):
        return reference_mha(layer.self_attn, h, h, h, tgt_mask)[0]

    def ca(h):
        return reference_mha(layer.multihead_attn, h, memory, memory, memory_mask)[0]

    def ff(h):
        return feed_forward(layer, h, act)

    if layer.norm_first:
        x = x + sa(layer_norm(x, layer.norm1))
        x = x + ca(layer_norm(x, layer.norm2))
        return x + ff(layer_norm(x, layer.norm3))
    x = layer_norm(x + sa(x), layer.norm1)
    x = layer_norm(x + ca(x), layer.norm2)
    return layer_norm(x + ff(x), layer.norm3)


def make_decoder_layer(**kwargs):
    return make_layer(nn.TransformerDecoderLayer, **kwargs)


CAUSAL4 = np.triu(np.full((4, 4), -np.inf), 1)


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer_matches_numpy(norm_first):
    layer = make_decoder_layer(norm_first=norm_first)
    tgt, memory = x64(2, 4, 8, seed=1), x64(2, 6, 8, seed=2)
    out = layer(tgt, memory)
    want = reference_decoder_layer(layer, tgt.detach().numpy(), memory.detach().numpy())
    np.testing.assert_allclose(out.detach().numpy(), want, rtol=1e-9, atol=1e-10)
    memory_mask = np.random.default_rng(3).standard_normal((4, 6))
    out = layer(tgt, memory, tgt_mask=mg.tensor(CAUSAL4), memory_mask=mg.tensor(memory_mask))
    want = reference_decoder_layer(layer, tgt.detach().numpy(), memory.detach().numpy(),
                                   CAUSAL4, memory_mask)
    np.testing.assert_allclose(out.detach().numpy(), want, rtol=1e-9, atol=1e-10)


def test_decoder_layer_gelu_and_custom_activation():
    layer = make_decoder_layer(activation="gelu")
    tgt, memory = x64(2, 3, 8, seed=1), x64(2, 5, 8, seed=2)
    gelu = np.vectorize(lambda v: 0.5 * v * (1 + math.erf(v / math.sqrt(2))))
    want = reference_decoder_layer(layer, tgt.detach().numpy(), memory.detach().numpy(), act=gelu)
    np.testing.assert_allclose(layer(tgt, memory).detach().numpy(), want, rtol=1e-9)
    custom = make_decoder_layer(activation=nn.Tanh())
    assert "activation" in dict(custom.named_children())
    want = reference_decoder_layer(custom, tgt.detach().numpy(), memory.detach().numpy(),
                                   act=np.tanh)
    np.testing.assert_allclose(custom(tgt, memory).detach().numpy(), want, rtol=1e-9)
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not swish"):
        nn.TransformerDecoderLayer(8, 2, activation="swish")


def _input_grad(fn, x, position):
    """d fn(x)[:, position].sum() / dx, as an array."""
    x = x.detach().requires_grad_()
    fn(x)[:, position].sum().backward()
    return x.grad.numpy()


@pytest.mark.parametrize("how", ["is_causal", "float_mask", "bool_mask"])
def test_causal_target_mask_hides_later_positions(how):
    layer = make_decoder_layer(norm_first=True)
    memory = x64(2, 5, 8, seed=2)
    masks = {"is_causal": {"tgt_is_causal": True},
             "float_mask": {"tgt_mask": nn.Transformer.generate_square_subsequent_mask(
                 4, dtype=mg.float64)},
             "bool_mask": {"tgt_mask": mg.tensor(np.triu(np.ones((4, 4), bool), 1))}}[how]
    for t in range(4):
        grad = _input_grad(lambda x: layer(x, memory, **masks), x64(2, 4, 8), t)
        assert not grad[:, t + 1:].any()  # position t never sees later positions
        assert np.abs(grad[:, :t + 1]).min(axis=-1).all()
    unmasked = _input_grad(lambda x: layer(x, memory), x64(2, 4, 8), 0)
    assert np.abs(unmasked).min(axis=-1).all()  # without the mask every position counts


def test_key_padding_masks_hide_padded_positions():
    layer = make_decoder_layer()
    tgt, memory = x64(2, 4, 8, seed=1), x64(2, 5, 8, seed=2)
    memory_pad = np.zeros((2, 5), bool)
    memory_pad[1, 3:] = True
    tgt_pad = np.zeros((2, 4), bool)
    tgt_pad[0, 2:] = True
    memory_leaf = memory.detach().requires_grad_()
    tgt_leaf = tgt.detach().requires_grad_()
    out = layer(tgt_leaf, memory_leaf, tgt_key_padding_mask=mg.tensor(tgt_pad),
                memory_key_padding_mask=mg.tensor(memory_pad))
    out[:, :2].sum().backward()  # outputs of the real target positions of sequence 0
    assert not memory_leaf.grad.numpy()[1, 3:].any() and memory_leaf.grad.numpy()[1, :3].all()
    assert not tgt_leaf.grad.numpy()[0, 2:].any() and tgt_leaf.grad.numpy()[1, 2:].any()
    additive_tgt = np.where(tgt_pad, -np.inf, 0.0)[:, None, None, :]
    additive_memory = np.where(memory_pad, -np.inf, 0.0)[:, None, None, :]
    want = reference_decoder_layer(layer, tgt.detach().numpy(), memory.detach().numpy(),
                                   additive_tgt, additive_memory)
    np.testing.assert_allclose(out.detach().numpy(), want, rtol=1e-9)
    float_masks = layer(tgt, memory, tgt_key_padding_mask=mg.tensor(np.where(tgt_pad, -np.inf, 0.)),
                        memory_key_padding_mask=mg.tensor(np.where(memory_pad, -np.inf, 0.)))
    np.testing.assert_allclose(float_masks.detach().numpy(), want, rtol=1e-9)


def test_memory_is_causal_masks_memory():
    layer = make_decoder_layer()
    tgt, memory = x64(2, 4, 8, seed=1), x64(2, 4, 8, seed=2)
    want = reference_decoder_layer(layer, tgt.detach().numpy(), memory.detach().numpy(),
                                   memory_mask=CAUSAL4)
    out = layer(tgt, memory, memory_is_causal=True)
    np.testing.assert_allclose(out.detach().numpy(), want, rtol=1e-9)


def test_layouts_sequence_first_and_unbatched():
    batch_first = make_decoder_layer()
    seq_first = make_decoder_layer(batch_first=False)
    seq_first.load_state_dict(batch_first.state_dict())
    tgt, memory = x64(2, 4, 8, seed=1), x64(2, 6, 8, seed=2)
    expected = batch_first(tgt, memory, tgt_is_causal=True).detach().numpy()
    out = seq_first(tgt.transpose(0, 1), memory.transpose(0, 1), tgt_is_causal=True)
    assert out.shape == (4, 2, 8)
    np.testing.assert_allclose(out.detach().numpy().transpose(1, 0, 2), expected, rtol=1e-9)
    single = seq_first(tgt[1], memory[1], tgt_is_causal=True)
    assert single.shape == (4, 8)
    np.testing.assert_allclose(single.detach().numpy(), expected[1], rtol=1e-9)


def test_decoder_layer_state_dict_names_follow_pytorch():
    names = list(nn.TransformerDecoderLayer(8, 2, 16).state_dict())
    attn = ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]
    assert names == [
        *(f"self_attn.{n}" for n in attn),
        *(f"multihead_attn.{n}" for n in attn),
        "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias",
        "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias", "norm3.weight", "norm3.bias",
    ]
    no_bias = nn.TransformerDecoderLayer(8, 2, 16, bias=False).state_dict()
    assert not [n for n in no_bias if n.endswith("bias")]
    assert nn.TransformerDecoderLayer(8, 2, 16, dtype=mg.float64).linear1.weight.dtype == mg.float64


def test_decoder_layer_errors():
    with pytest.raises(ValueError, match=r"embed_dim \(8\) must be divisible by num_heads \(3\)"):
        nn.TransformerDecoderLayer(8, 3)
    layer = make_decoder_layer()
    with pytest.raises(ValueError, match="embed_dim=8"):
        layer(mg.zeros(2, 4, 8, dtype=mg.float64), mg.zeros(2, 5, 6, dtype=mg.float64))
    with pytest.raises(ValueError, match=r"attn_mask must have shape \(4, 5\)"):
        layer(x64(2, 4, 8), x64(2, 5, 8), memory_mask=mg.zeros(4, 4, dtype=mg.float64))


def test_decoder_layer_dropout_only_in_training():
    layer = nn.TransformerDecoderLayer(8, 2, 16, dropout=0.5, batch_first=True)
    tgt, memory = mg.randn(2, 3, 8), mg.randn(2, 4, 8)
    layer.eval()
    np.testing.assert_array_equal(layer(tgt, memory).numpy(force=True),
                                  layer(tgt, memory).numpy(force=True))
    layer.train()
    assert not np.allclose(layer(tgt, memory).numpy(force=True),
                           layer(tgt, memory).numpy(force=True))


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer_gradients(norm_first):
    layer = nn.TransformerDecoderLayer(4, 2, dim_feedforward=6, dropout=0.0, batch_first=True,
                                       norm_first=norm_first)
    assert gradcheck_module(layer, randn64(2, 3, 4), randn64(2, 2, 4, seed=1),
                            call=lambda m, t, mem: m(t, mem, tgt_is_causal=True))


def test_decoder_copies_layers_and_applies_them_in_turn():
    layer = make_decoder_layer(norm_first=True)
    norm = nn.LayerNorm(8).double()
    decoder = nn.TransformerDecoder(layer, num_layers=3, norm=norm).eval()
    assert len(decoder.layers) == 3 and decoder.num_layers == 3
    params = [p for block in decoder.layers for p in block.parameters()]
    assert len({id(p) for p in params}) == len(params)  # independent copies
    tgt, memory = x64(2, 4, 8, seed=1), x64(2, 5, 8, seed=2)
    mask = nn.Transformer.generate_square_subsequent_mask(4, dtype=mg.float64)
    expected = tgt
    for block in decoder.layers:
        expected = block(expected, memory, tgt_mask=mask)
    np.testing.assert_allclose(decoder(tgt, memory, tgt_mask=mask).detach().numpy(),
                               norm(expected).detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(decoder(tgt, memory, tgt_is_causal=True).detach().numpy(),
                               norm(expected).detach().numpy(), rtol=1e-9)
    keys = list(decoder.state_dict())
    assert keys[0] == "layers.0.self_attn.in_proj_weight" and keys[-1] == "norm.bias"
    with pytest.raises(TypeError, match="must be a Module"):
        nn.TransformerDecoder("layer", 2)


# ------------------------------------------------------------------- Transformer
def small_transformer(**kwargs):
    kwargs = {"d_model": 8, "nhead": 2, "num_encoder_layers": 2, "num_decoder_layers": 2,
              "dim_feedforward": 16, "dropout": 0.0, **kwargs}
    return nn.Transformer(**kwargs).double()


def test_square_subsequent_mask():
    mask = nn.Transformer.generate_square_subsequent_mask(4)
    assert mask.dtype == mg.float32 and mask.shape == (4, 4)
    np.testing.assert_array_equal(mask.numpy(), CAUSAL4)
    assert nn.Transformer.generate_square_subsequent_mask(2, dtype=mg.float64).dtype == mg.float64


@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_is_its_encoder_then_its_decoder(batch_first):
    model = small_transformer(batch_first=batch_first, norm_first=True)
    src = x64(*((2, 5, 8) if batch_first else (5, 2, 8)), seed=1)
    tgt = x64(*((2, 4, 8) if batch_first else (4, 2, 8)), seed=2)
    pad = mg.tensor(np.array([[False] * 5, [False] * 3 + [True] * 2]))
    mask = nn.Transformer.generate_square_subsequent_mask(4, dtype=mg.float64)
    out = model(src, tgt, tgt_mask=mask, src_key_padding_mask=pad, memory_key_padding_mask=pad)
    assert out.shape == tgt.shape
    memory = model.encoder(src, src_key_padding_mask=pad)
    want = model.decoder(tgt, memory, tgt_mask=mask, memory_key_padding_mask=pad)
    np.testing.assert_allclose(out.detach().numpy(), want.detach().numpy(), rtol=1e-12)
    assert isinstance(model.encoder.norm, nn.LayerNorm) and model.decoder.num_layers == 2


def test_transformer_unbatched_and_names():
    model = small_transformer(num_encoder_layers=1, num_decoder_layers=1)
    src, tgt = x64(5, 8, seed=1), x64(3, 8, seed=2)
    out = model(src, tgt, tgt_is_causal=True)
    batched = model(src.unsqueeze(1), tgt.unsqueeze(1), tgt_is_causal=True)
    np.testing.assert_allclose(out.detach().numpy(), batched.detach().numpy()[:, 0], rtol=1e-9)
    keys = list(model.state_dict())
    assert keys[0] == "encoder.layers.0.self_attn.in_proj_weight"
    assert "decoder.layers.0.multihead_attn.in_proj_weight" in keys
    assert keys[-2:] == ["decoder.norm.weight", "decoder.norm.bias"]
    assert model.d_model == 8 and model.nhead == 2 and model.batch_first is False


def test_transformer_starts_glorot_uniform():
    model = nn.Transformer(16, 2, 1, 1, dim_feedforward=32)
    w = model.encoder.layers[0].linear1.weight.numpy(force=True)  # (32, 16)
    bound = math.sqrt(6 / (16 + 32))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    np.testing.assert_array_equal(model.decoder.layers[0].norm1.weight.numpy(force=True), 1.0)


def test_transformer_custom_stacks():
    encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0), 1)
    model = nn.Transformer(8, 2, custom_encoder=encoder, num_decoder_layers=1,
                           dim_feedforward=16, dropout=0.0)
    assert model.encoder is encoder and len(model.decoder.layers) == 1
    assert model(mg.randn(5, 2, 8), mg.randn(3, 2, 8)).shape == (3, 2, 8)


def test_transformer_gradients():
    model = small_transformer(d_model=4, num_encoder_layers=1, num_decoder_layers=1,
                              dim_feedforward=6, batch_first=True)
    mask = nn.Transformer.generate_square_subsequent_mask(2, dtype=mg.float64)
    assert gradcheck_module(model, randn64(1, 3, 4), randn64(1, 2, 4, seed=1),
                            call=lambda m, s, t: m(s, t, tgt_mask=mask))


def test_transformer_errors():
    model = small_transformer(num_encoder_layers=1, num_decoder_layers=1)
    with pytest.raises(RuntimeError, match="the batch number of src and tgt must be equal"):
        model(x64(5, 2, 8), x64(4, 3, 8))
    with pytest.raises(RuntimeError, match="feature number of src and tgt must be equal to "
                                           r"d_model \(8\)"):
        model(x64(5, 2, 8), x64(4, 2, 6))
    with pytest.raises(ValueError, match="divisible by num_heads"):
        nn.Transformer(d_model=10, nhead=4)
    with pytest.raises(RuntimeError, match="relu/gelu"):
        nn.Transformer(8, 2, 1, 1, 16, activation="tanh")
