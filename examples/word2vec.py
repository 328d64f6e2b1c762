"""Word vectors from scratch: skip-gram with negative sampling on a corpus with planted
analogies, trained twice (the fused numba kernel behind `Word2Vec`, and the `SkipGram`
module through the autodiff engine with sparse embedding gradients).

1. corpus:    `make_analogy_corpus` (see docs/word2vec.md): relation families such as
              country/capital, each pair with its own topic words, the relation carried by
              shared template words (40% of them swapped to the other role); Zipf filler.
              Writes corpus.txt and questions-words.txt.
2. fast path: `Word2Vec(sentences, vector_size=100, window=5, negative=5, epochs=5)`,
              one worker; analogy accuracy (top-1, 3CosAdd) per family, nearest neighbours.
3. autodiff:  `SkipGram` (two `nn.Embedding(sparse=True)`, `F.logsigmoid` loss), SGD at
              lr 0.025 decaying linearly, batches of 256 (center, context, negatives).
(--quick: a smaller, easier corpus, 32-dimensional vectors, SkipGram at lr 0.05.)
4. outputs:   model.safetensors, vectors.txt (word2vec text format), word2vec_pca.png
              (each family's pairs along the relation's direction and the main other one).

Run:  python examples/word2vec.py [--quick] [--out DIR]   (quick: ~15 s; full: ~1 min)
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

import minigrad as mg
from minigrad import optim
from minigrad.data.analogy import AnalogyCorpus, make_analogy_corpus
from minigrad.models import KeyedVectors, SkipGram, Word2Vec
from minigrad.models.word2vec import train_skipgram

QUICK_CORPUS = dict(n_sentences=6000, n_families=3, n_pairs=6, filler_vocab=300, noise=0.3)
FULL_CORPUS = dict(n_sentences=20_000)  # the generator's defaults: 4 families, noise 0.4
# (vector size, SkipGram's SGD learning rate), each the best measured for its corpus
QUICK_MODEL = (32, 0.05)
FULL_MODEL = (100, 0.025)


def evaluate(wv: KeyedVectors, questions: str) -> dict:
    """Top-1 analogy accuracy overall and per family."""
    score, sections = wv.evaluate_word_analogies(questions)
    per_family = {}
    for s in sections[:-1]:
        n = len(s["correct"]) + len(s["incorrect"])
        per_family[s["section"]] = len(s["correct"]) / n if n else 0.0
    return {"accuracy": score, "per_family": per_family}


def pca_plot(wv: KeyedVectors, corpus: AnalogyCorpus, path: str) -> str | None:
    """Per family, its entity words' vectors projected on the family's mean offset (second
    word - first; x axis) and on the main direction of what remains (y axis), an arrow per
    pair: parallel arrows mean the relation is one direction. Returns the path, or None
    without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("no picture: matplotlib is missing (pip install \".[plot]\")")
        return None
    fig, axes = plt.subplots(1, len(corpus.sections), figsize=(4 * len(corpus.sections), 4))
    for k, (ax, (name, questions)) in enumerate(zip(np.atleast_1d(axes), corpus.sections)):
        pairs = sorted({(a, b) for a, b, _, _ in questions if a in wv and b in wv})
        words = [w for pair in pairs for w in pair]
        x = wv.get_normed_vectors()[[wv.get_index(w) for w in words]]
        x = x - x.mean(axis=0)
        offset = (x[1::2] - x[0::2]).mean(axis=0)  # the relation: second word - first
        offset /= np.linalg.norm(offset)
        along = x @ offset
        _, _, vt = np.linalg.svd(x - np.outer(along, offset), full_matrices=False)
        xy = dict(zip(words, np.stack([along, x @ vt[0]], axis=1)))
        for a, b in pairs:
            ax.annotate("", xy[b], xy[a], arrowprops=dict(arrowstyle="->", color=f"C{k}"))
            ax.annotate(a, xy[a], fontsize=7)
            ax.annotate(b, xy[b], fontsize=7)
        points = np.array(list(xy.values()))
        ax.scatter(points[:, 0], points[:, 1], s=10, color=f"C{k}")
        ax.set_title(name, fontsize=9)
    fig.suptitle("Entity vectors: x = the family's mean offset (second word - first), "
                 "y = main remaining direction (PCA); arrows join the words of a pair",
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def main(quick: bool = False, out_dir: str | None = None, verbose: bool = True) -> dict:
    out_dir = out_dir or os.path.join("runs", "word2vec")
    os.makedirs(out_dir, exist_ok=True)
    say = print if verbose else (lambda *a, **k: None)
    say(f"writing to {out_dir}")
    corpus = make_analogy_corpus(**(QUICK_CORPUS if quick else FULL_CORPUS), seed=0)
    questions = os.path.join(out_dir, "questions-words.txt")
    corpus.write_questions(questions)
    corpus.write_text(os.path.join(out_dir, "corpus.txt"))
    n_words = sum(len(s) for s in corpus.sentences)
    dim, lr = QUICK_MODEL if quick else FULL_MODEL
    epochs = 5
    say(f"corpus: {len(corpus.sentences)} sentences, {n_words} words, "
        f"{corpus.n_questions} analogy questions")

    model = Word2Vec(vector_size=dim, window=5, min_count=5, negative=5, epochs=epochs, seed=1)
    model.build_vocab(corpus.sentences)
    began = time.perf_counter()
    model.train(corpus.sentences, total_examples=model.corpus_count, epochs=epochs)
    fast_seconds = time.perf_counter() - began
    fast = evaluate(model.wv, questions)
    fast["words_per_second"] = n_words * epochs / fast_seconds
    say(f"fast path: {fast['words_per_second']:,.0f} words/s, analogy accuracy "
        f"{fast['accuracy']:.3f}")
    for family, acc in fast["per_family"].items():
        say(f"  {family:28s} {acc:.3f}")
    probe = corpus.sections[0][1][0]
    a, b, c, d = probe
    answer = model.wv.most_similar(positive=[b, c], negative=[a], topn=3)
    say(f"  {a} : {b} :: {c} : ? -> {[w for w, _ in answer]} (expected {d})")
    for word in (a, b):
        say(f"  nearest to {word}: {[w for w, _ in model.wv.most_similar(word, topn=5)]}")
    model.save(os.path.join(out_dir, "model.safetensors"))
    model.wv.save_word2vec_format(os.path.join(out_dir, "vectors.txt"))

    mg.manual_seed(1)
    skipgram = SkipGram(len(model.wv), dim)
    optimizer = optim.SGD(skipgram.parameters(), lr=lr)
    began = time.perf_counter()
    pairs = train_skipgram(skipgram, corpus.sentences, model.wv, optimizer, epochs=epochs,
                           batch_size=256, seed=1)
    autodiff_seconds = time.perf_counter() - began
    autodiff = evaluate(skipgram.keyed_vectors(model.wv.index_to_key), questions)
    autodiff["words_per_second"] = n_words * epochs / autodiff_seconds
    autodiff["pairs"] = pairs
    say(f"autodiff path: {autodiff['words_per_second']:,.0f} words/s ({pairs:,} pairs), "
        f"analogy accuracy {autodiff['accuracy']:.3f}")

    picture = pca_plot(model.wv, corpus, os.path.join(out_dir, "word2vec_pca.png"))
    if picture:
        say(f"picture: {picture}")
    return {"fast": fast, "autodiff": autodiff, "n_words": n_words, "picture": picture,
            "questions": questions}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small corpus, under a minute")
    parser.add_argument("--out", default=None, help="output directory (default runs/word2vec)")
    args = parser.parse_args()
    main(quick=args.quick, out_dir=args.out)
