"""save_adapter / load_adapter: only the adapter goes to disk, and it comes back exactly."""

import json

import numpy as np
import pytest

import minigrad as mg
from minigrad.finetune import LoRAConfig, apply_lora, load_adapter, lora_layers, save_adapter
from minigrad.io import load_metadata, safetensors_header

from .conftest import batch, tiny_gpt, train


def outputs(model):
    idx, _ = batch(7)
    with mg.no_grad():
        return model(idx)[0].detach().numpy().copy()


@pytest.fixture
def trained(gpt):
    apply_lora(gpt, LoRAConfig(r=4, alpha=8, target_modules=["c_attn", "c_proj"]))
    train(gpt, steps=4, lr=5e-2)
    return gpt


def test_round_trip_into_a_fresh_base_model(trained, tmp_path):
    path = tmp_path / "adapter.safetensors"
    save_adapter(trained, path)
    fresh = tiny_gpt()  # same seed: the same base weights, no adapter
    assert not np.allclose(outputs(fresh), outputs(trained))
    assert load_adapter(fresh, path) is fresh
    assert np.array_equal(outputs(fresh), outputs(trained))
    assert [n for n, _ in lora_layers(fresh)] == [n for n, _ in lora_layers(trained)]
    trainable = [n for n, p in fresh.named_parameters() if p.requires_grad]
    assert all(n.endswith(("lora_A", "lora_B")) for n in trainable)


def test_the_file_holds_only_the_adapter_and_the_config(trained, tmp_path):
    path = tmp_path / "adapter.safetensors"
    save_adapter(trained, path)
    names = sorted(k for k in safetensors_header(path) if k != "__metadata__")
    assert names == sorted(f"blocks.{i}.{m}.c_{p}.lora_{ab}" for i in (0, 1)
                           for m, p in (("attn", "attn"), ("attn", "proj"), ("mlp", "proj"))
                           for ab in "AB")
    config = json.loads(load_metadata(path)["lora_config"])
    assert config == {"r": 4, "alpha": 8, "dropout": 0.0, "bias": "none",
                      "target_modules": [n for n, _ in lora_layers(trained)]}


def test_loading_into_a_model_that_lacks_a_module_names_it(trained, tmp_path):
    path = tmp_path / "adapter.safetensors"
    save_adapter(trained, path)
    smaller = tiny_gpt(n_layer=1)
    with pytest.raises(ValueError, match="blocks.1.attn.c_attn"):
        load_adapter(smaller, path)


def test_loading_into_a_model_of_another_width_names_the_shapes(trained, tmp_path):
    path = tmp_path / "adapter.safetensors"
    save_adapter(trained, path)
    with pytest.raises(ValueError, match=r"lora_A' \(saved shape \(4, 16\), model has \(4, 32\)"):
        load_adapter(tiny_gpt(n_embd=32), path)


def test_save_without_lora_and_load_a_plain_checkpoint_are_errors(gpt, tmp_path):
    with pytest.raises(ValueError, match="no LoRA layers"):
        save_adapter(gpt, tmp_path / "a.safetensors")
    mg.save(gpt.state_dict(), tmp_path / "full.safetensors")
    with pytest.raises(ValueError, match="no 'lora_config' metadata"):
        load_adapter(tiny_gpt(), tmp_path / "full.safetensors")


def test_load_into_a_model_already_wrapped_replaces_the_weights(trained, tmp_path):
    path = tmp_path / "adapter.safetensors"
    save_adapter(trained, path)
    target = tiny_gpt()
    apply_lora(target, LoRAConfig(r=4, alpha=8, target_modules=["c_attn", "c_proj"]))
    load_adapter(target, path)
    assert np.array_equal(outputs(target), outputs(trained))


def test_trained_biases_travel_with_the_adapter(gpt, tmp_path):
    apply_lora(gpt, LoRAConfig(r=2, target_modules=["c_fc"], bias="lora_only"))
    train(gpt, steps=3, lr=5e-2)
    path = tmp_path / "adapter.safetensors"
    save_adapter(gpt, path)
    assert "blocks.0.mlp.c_fc.bias" in safetensors_header(path)
    fresh = load_adapter(tiny_gpt(), path)
    assert np.array_equal(outputs(fresh), outputs(gpt))
    assert fresh.blocks[0].mlp.c_fc.bias.requires_grad
