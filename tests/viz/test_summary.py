"""mg.viz.summary: counts equal sum(p.numel()), trainable vs frozen, every layer's output shape."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad.finetune import LoRAConfig, apply_lora
from minigrad.models import GPT, GPTConfig


def rows(s):
    return {layer.name: layer for layer in s.layers}


class Vision(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(4, 8, 3), nn.GELU(), nn.AvgPool2d(2))
        self.flatten = nn.Flatten()
        self.head = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.Tanh(),
                                  nn.Dropout(0.5), nn.Linear(16, 10), nn.LogSoftmax(dim=-1))

    def forward(self, x):
        return self.head(self.flatten(self.features(x)))


def test_vision_layers_shapes_and_counts():
    mg.manual_seed(0)
    model = Vision()
    s = mg.viz.summary(model, input_size=(5, 1, 8, 8))
    r = rows(s)
    expected = {
        "Vision": (5, 10), "features": (5, 8, 1, 1), "features.0": (5, 4, 8, 8),
        "features.1": (5, 4, 8, 8), "features.2": (5, 4, 8, 8), "features.3": (5, 4, 4, 4),
        "features.4": (5, 8, 2, 2), "features.5": (5, 8, 2, 2), "features.6": (5, 8, 1, 1),
        "flatten": (5, 8), "head.0": (5, 16), "head.1": (5, 16), "head.2": (5, 16),
        "head.3": (5, 16), "head.4": (5, 10), "head.5": (5, 10),
    }
    assert {name: row.output_shapes for name, row in r.items()} == {
        name: [shape] for name, shape in expected.items()} | {"head": [(5, 10)]}
    assert s.total_params == sum(p.numel() for p in model.parameters())
    assert r["features.0"].num_params == 4 * 9 + 4 and r["head.1"].num_params == 32
    assert s.trainable_params == s.total_params and s.non_trainable_params == 0
    assert s.param_bytes == 4 * s.total_params and s.input_bytes == 4 * 5 * 64
    # every distinct tensor a module made: each layer's output once (the Sequentials and
    # the model return their last layer's; Dropout in eval returns its input)
    made = sum(np.prod(shape) for name, shape in expected.items()
               if name not in ("Vision", "features", "head.3"))
    assert s.activation_bytes == 4 * made
    assert model.training and model.head[1].training  # modes restored


def test_freezing_moves_counts_to_non_trainable_and_table_says_so():
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    model[0].requires_grad_(False)
    s = mg.viz.summary(model, input_size=(3, 4))
    assert (s.total_params, s.trainable_params, s.non_trainable_params) == (58, 18, 40)
    r = rows(s)
    assert (r["0"].trainable, r["1"].trainable, r["2"].trainable) == ("no", "--", "yes")
    assert r["Sequential"].trainable == "partial"
    text = str(s)
    assert "Total params: 58" in text and "Non-trainable params: 40" in text
    assert "0 (Linear)" in text and "(3, 8)" in text


def test_text_layers_embedding_attention_transformer():
    mg.manual_seed(0)
    emb = nn.Embedding(20, 8)
    s = mg.viz.summary(emb, input_size=(2, 5), dtypes=[mg.int64])
    assert s.layers[0].output_shapes == [(2, 5, 8)] and s.total_params == 160
    mha = nn.MultiheadAttention(8, 2, batch_first=True)
    x = mg.randn(2, 5, 8)
    r = rows(mg.viz.summary(mha, input_data=(x, x, x)))
    assert r["MultiheadAttention"].output_shapes == [(2, 5, 8), (2, 5, 5)]  # out, weights
    causal = nn.CausalSelfAttention(8, 2)
    assert mg.viz.summary(causal, input_data=x).layers[0].output_shapes == [(2, 5, 8)]
    layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True)
    s = mg.viz.summary(layer, input_data=x)
    r = rows(s)
    assert r["linear1"].output_shapes == [(2, 5, 16)] and r["norm2"].output_shapes == [(2, 5, 8)]
    assert r["self_attn"].output_shapes == [(2, 5, 8)]  # need_weights=False: weights are None
    assert s.total_params == sum(p.numel() for p in layer.parameters())
    norms = nn.Sequential(nn.LayerNorm(8), nn.RMSNorm(8), nn.Identity(), nn.SiLU())
    assert all(row.output_shapes == [(2, 5, 8)] for row in mg.viz.summary(
        norms, input_data={"input": x}).layers)


def test_gpt_with_lora_and_depth():
    mg.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=11, block_size=8, n_layer=2, n_head=2, n_embd=16))
    apply_lora(model, LoRAConfig(r=2, target_modules=["c_attn"]))
    s = mg.viz.summary(model, input_size=(3, 8), dtypes=[mg.int64], depth=4)
    params = list(model.parameters())
    assert s.total_params == sum(p.numel() for p in params)
    assert s.trainable_params == sum(p.numel() for p in params if p.requires_grad) == 2 * (
        2 * 16 + 48 * 2)  # per block: lora_A (2, 16), lora_B (48, 2)
    r = rows(s)
    assert r["GPT"].output_shapes == [(3, 8, 11)]  # (logits, None)
    assert r["blocks.0.attn.c_attn"].type_name == "LoRALinear"
    assert r["blocks.0.attn.c_attn"].output_shapes == [(3, 8, 48)]
    assert r["blocks.0.attn.c_attn"].trainable == "partial"
    assert r["wpe"].output_shapes is None and r["wpe"].calls == 0  # weight read directly
    assert r["lm_head"].trainable == "no"
    shallow = mg.viz.summary(model, input_size=(3, 8), dtypes=[mg.int64], depth=1)
    assert max(layer.depth for layer in shallow.layers) == 1
    assert shallow.total_params == s.total_params


def test_summary_leaves_the_global_seed_alone_and_checks_arguments():
    model = nn.Linear(3, 2)
    mg.manual_seed(7)
    expected = mg.randn(4)
    mg.manual_seed(7)
    mg.viz.summary(model, input_size=(2, 3))
    assert mg.randn(4).equal(expected)
    with pytest.raises(ValueError, match="exactly one"):
        mg.viz.summary(model)
    with pytest.raises(TypeError, match="Module"):
        mg.viz.summary(lambda x: x, input_size=(2, 3))
    with pytest.raises(ValueError, match="dtypes"):
        mg.viz.summary(model, input_size=(2, 3), dtypes=[mg.float32, mg.int64])
