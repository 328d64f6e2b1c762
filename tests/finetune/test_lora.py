"""LoRA: identical start, what trains, merge/unmerge exactness, config and errors."""

import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad.finetune import (
    LoRAConfig,
    LoRALinear,
    apply_lora,
    freeze,
    lora_layers,
    lora_state_dict,
    merge_lora,
    unmerge_lora,
)

from .conftest import batch, snapshot, tiny_gpt, train

CONFIG = LoRAConfig(r=4, alpha=8, target_modules=("c_attn", "c_proj"))


def logits(model, seed=5):
    idx, _ = batch(seed)
    with mg.no_grad():
        return model(idx)[0].detach().numpy().copy()


def test_lora_linear_is_the_documented_formula():
    mg.manual_seed(0)
    base = nn.Linear(6, 4).double()
    layer = LoRALinear(base, r=3, alpha=6)
    with mg.no_grad():
        layer.lora_B.copy_(np.random.default_rng(0).normal(size=(4, 3)))
    x = np.random.default_rng(1).normal(size=(5, 6))
    w, b, a, bb = (t.detach().numpy() for t in (base.weight, base.bias, layer.lora_A, layer.lora_B))
    expected = x @ w.T + b + (6 / 3) * (x @ a.T @ bb.T)
    assert np.allclose(layer(mg.tensor(x)).detach().numpy(), expected, atol=1e-12)


def test_lora_init_a_kaiming_uniform_b_zero_base_frozen():
    mg.manual_seed(0)
    base = nn.Linear(400, 50)
    layer = LoRALinear(base, r=16, alpha=16)
    a = layer.lora_A.detach().numpy()
    bound = 1 / math.sqrt(400)  # kaiming_uniform(a=sqrt(5)): U(-1/sqrt(in), 1/sqrt(in))
    assert a.shape == (16, 400) and np.abs(a).max() <= bound and np.abs(a).max() > 0.95 * bound
    assert np.std(a) == pytest.approx(bound / math.sqrt(3), rel=0.05)
    assert layer.lora_B.shape == (50, 16) and not layer.lora_B.detach().numpy().any()
    assert layer.weight is base.weight and not base.weight.requires_grad
    assert [n for n, _ in layer.named_parameters()] == ["weight", "bias", "lora_A", "lora_B"]


def test_wrapped_gpt_starts_exactly_identical(gpt):
    before = logits(gpt)
    apply_lora(gpt, CONFIG)
    assert np.array_equal(logits(gpt), before)
    wrapped = [name for name, _ in lora_layers(gpt)]
    assert wrapped == ["blocks.0.attn.c_attn", "blocks.0.attn.c_proj", "blocks.0.mlp.c_proj",
                       "blocks.1.attn.c_attn", "blocks.1.attn.c_proj", "blocks.1.mlp.c_proj"]


def test_only_a_and_b_train_and_they_change(gpt):
    apply_lora(gpt, CONFIG)
    trainable = [n for n, p in gpt.named_parameters() if p.requires_grad]
    assert trainable and all(n.endswith(("lora_A", "lora_B")) for n in trainable)
    assert len(trainable) == 12
    before = snapshot(gpt)
    train(gpt, steps=3)
    for name, value in snapshot(gpt).items():
        assert np.array_equal(value, before[name]) == (name not in trainable), name


def test_bias_modes(gpt):
    apply_lora(gpt, LoRAConfig(r=2, target_modules=["c_attn"], bias="lora_only"))
    biases = [n for n, p in gpt.named_parameters() if p.requires_grad and n.endswith("bias")]
    assert biases == ["blocks.0.attn.c_attn.bias", "blocks.1.attn.c_attn.bias"]
    assert set(lora_state_dict(gpt)) == {f"blocks.{i}.attn.c_attn.{k}" for i in (0, 1)
                                         for k in ("bias", "lora_A", "lora_B")}
    other = tiny_gpt()
    apply_lora(other, LoRAConfig(r=2, target_modules=["c_attn"], bias="all"))
    trainable_biases = [n for n, p in other.named_parameters()
                        if p.requires_grad and n.endswith("bias")]
    assert trainable_biases == [n for n, _ in other.named_parameters() if n.endswith("bias")]


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-6), (np.float32, 1e-4)])
def test_merge_and_unmerge_agree(dtype, tol):
    model = tiny_gpt().to(dtype)
    base_weight = model.blocks[0].attn.c_attn.weight.detach().numpy().copy()
    apply_lora(model, CONFIG)
    train(model, steps=5, lr=5e-2)  # make B non-zero so the update is real
    lora_out = logits(model)
    merge_lora(model)
    assert lora_layers(model) == []
    assert type(model.blocks[0].attn.c_attn) is nn.Linear
    assert not any("lora" in n for n, _ in model.named_parameters())
    merged_out = logits(model)
    assert np.abs(merged_out - lora_out).max() < tol
    assert np.abs(model.blocks[0].attn.c_attn.weight.detach().numpy() - base_weight).max() > 1e-3
    unmerge_lora(model)
    assert len(lora_layers(model)) == 6
    assert np.abs(model.blocks[0].attn.c_attn.weight.detach().numpy() - base_weight).max() < tol
    assert np.abs(logits(model) - lora_out).max() < tol


def test_merged_model_keeps_the_base_parameter_names(gpt):
    names = [n for n, _ in gpt.named_parameters()]
    apply_lora(gpt, CONFIG)
    merge_lora(gpt)
    assert [n for n, _ in gpt.named_parameters()] == names


def test_unmatched_target_patterns_are_named_with_the_linears_there_are(gpt):
    with pytest.raises(ValueError) as err:
        apply_lora(gpt, LoRAConfig(target_modules=["c_attn", "q_proj", "blocks.9"]))
    message = str(err.value)
    assert "apply_lora: 'q_proj', 'blocks.9' matched no module" in message
    assert "'blocks.0.attn.c_attn'" in message and "'lm_head'" in message
    assert lora_layers(gpt) == []  # nothing was changed


def test_full_names_suffixes_and_regexes_select_layers(gpt):
    apply_lora(gpt, LoRAConfig(target_modules=["blocks.1.mlp.c_fc", "0.attn.c_proj"]))
    assert [n for n, _ in lora_layers(gpt)] == ["blocks.0.attn.c_proj", "blocks.1.mlp.c_fc"]
    other = tiny_gpt()
    apply_lora(other, LoRAConfig(target_modules=r".*\.0\.attn\.c_.*"))
    assert [n for n, _ in lora_layers(other)] == ["blocks.0.attn.c_attn", "blocks.0.attn.c_proj"]


def test_a_target_that_is_not_a_linear_is_named(gpt):
    with pytest.raises(ValueError, match=r"matched \['blocks.0.attn \(CausalSelfAttention\)'"):
        apply_lora(gpt, LoRAConfig(target_modules=r"blocks\.0\.attn"))
    assert lora_layers(gpt) == []


def test_freeze_and_apply_lora_read_a_target_alike(gpt):
    for target in (["c_attn", "mlp.c_proj"], r"blocks\.1\.(attn\.c_attn|mlp\.c_fc)"):
        model = tiny_gpt()
        frozen = freeze(model, only=target)
        apply_lora(model, LoRAConfig(r=2, target_modules=target))
        wrapped = [n for n, _ in lora_layers(model)]
        assert frozen == [f"{n}.{p}" for n in wrapped for p in ("weight", "bias")]


def test_config_validation():
    with pytest.raises(ValueError, match="r must be a positive int"):
        LoRAConfig(r=0)
    with pytest.raises(ValueError, match="alpha"):
        LoRAConfig(alpha=-1)
    with pytest.raises(ValueError, match="dropout"):
        LoRAConfig(dropout=1.0)
    with pytest.raises(ValueError, match="target_modules"):
        LoRAConfig(target_modules=[])
    with pytest.raises(ValueError, match="bias"):
        LoRAConfig(bias="some")
    assert LoRAConfig(target_modules="c_fc").target_modules == "c_fc"  # a regex, as in PEFT
    assert LoRAConfig(target_modules=["c_fc"]).to_dict()["target_modules"] == ["c_fc"]
    with pytest.raises(ValueError, match="not a valid regular expression"):
        LoRAConfig(target_modules="*c_fc")
    with pytest.raises(TypeError, match="names"):
        LoRAConfig(target_modules=[nn.Linear])
    with pytest.raises(TypeError, match="LoRAConfig"):
        apply_lora(tiny_gpt(), {"r": 4})
    with pytest.raises(TypeError, match="nn.Linear"):
        LoRALinear(nn.ReLU())


def test_lora_dropout_acts_in_training_only(gpt):
    apply_lora(gpt, LoRAConfig(r=2, dropout=0.5, target_modules=["c_attn"]))
    layer = gpt.blocks[0].attn.c_attn
    with mg.no_grad():
        layer.lora_B.fill_(1.0)
    x = mg.randn(3, 16)
    assert not np.array_equal(layer(x).detach().numpy(), layer(x).detach().numpy())
    layer.eval()
    assert np.array_equal(layer(x).detach().numpy(), layer(x).detach().numpy())


def test_wrapping_keeps_the_order_of_a_sequential():
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 6), nn.Tanh(), nn.Linear(6, 2))
    x = mg.randn(3, 4)
    before = model(x).detach().numpy().copy()
    apply_lora(model, LoRAConfig(r=2, target_modules=["0", "2"]))
    assert list(model._modules) == ["0", "1", "2", "3", "4"]
    assert np.array_equal(model(x).detach().numpy(), before)
    merge_lora(model)
    assert list(model._modules) == ["0", "1", "2", "3", "4"]
    assert np.allclose(model(x).detach().numpy(), before)
    unmerge_lora(model)
    assert [type(m).__name__ for m in model] == ["LoRALinear", "Tanh", "LoRALinear", "Tanh",
                                                 "Linear"]


def test_merging_into_a_tied_weight_is_refused():
    model = tiny_gpt(tie_weights=True)
    apply_lora(model, LoRAConfig(r=2, target_modules=["lm_head"]))
    with pytest.raises(ValueError, match=r"lm_head.weight is shared with \['wte.weight'\]"):
        merge_lora(model)
    assert len(lora_layers(model)) == 1  # nothing changed


def test_a_deep_copy_keeps_base_and_wrapper_sharing_their_weight(gpt):
    import copy

    apply_lora(gpt, CONFIG)
    clone = copy.deepcopy(gpt)
    layer = clone.blocks[0].attn.c_attn
    assert layer.base_layer.weight is layer.weight
    assert layer.weight is not gpt.blocks[0].attn.c_attn.weight
    merge_lora(clone)
    assert np.allclose(logits(clone), logits(gpt), atol=1e-5)
