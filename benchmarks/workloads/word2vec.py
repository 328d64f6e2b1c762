"""word2vec: skip-gram with negative sampling on the planted-analogy corpus, words per second.

Cases (all on the corpus of `minigrad.data.analogy.make_analogy_corpus`, 20,000 sentences,
220,000 words; vector_size 100, window 5, negative 5, sample 1e-3, min_count 5):

- fast path: one epoch of `Word2Vec.train` (the numba kernel) beside gensim's
  `Word2Vec.train` (sg=1, same settings), one worker each, then two workers each. The note
  gives the analogy accuracy each reaches after 5 epochs from a fresh model (seed 1).
  gensim is optional (`pip install gensim`); without it its rows are left out with a note.
- autodiff path: one epoch of `SkipGram` (sparse embeddings, SGD lr 0.025, batch 256)
  through `train_skipgram`; the note gives its accuracy after 5 epochs.
- kernel vs twin: the numba kernel against its NumPy twin on the first 1,000 sentences.
- sparse step: one SGD step of `SkipGram` on a batch of 256 (5 negatives), with sparse and
  with dense embedding gradients, for two vocabulary sizes: the sparse step's time does
  not depend on the vocabulary size, the dense one's grows with it.

Items are corpus words (tokens read) per call, or examples per step for the last cases.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np

from benchmarks import harness

FULL = dict(corpus=dict(n_sentences=20_000), dim=100, accuracy_epochs=5, vocab_sizes=(10_000,
            500_000), twin_sentences=1000)
QUICK = dict(corpus=dict(n_sentences=1000, n_families=2, n_pairs=4), dim=16,
             accuracy_epochs=0, vocab_sizes=(1000, 20_000), twin_sentences=50)
SETTINGS = dict(window=5, negative=5, sample=1e-3, min_count=5, seed=1)
SKIPGRAM_LR = 0.025  # measured best of 0.025 / 0.05 at D100 (SparseAdam lr 0.01: worse)


def _try_gensim():
    try:
        from gensim.models import Word2Vec as GensimWord2Vec
    except ImportError:
        return None
    return GensimWord2Vec


def _fast(sentences, dim, workers):
    from minigrad.models import Word2Vec

    model = Word2Vec(vector_size=dim, workers=workers, **SETTINGS)
    model.build_vocab(sentences)
    return lambda: model.train(sentences, total_examples=model.corpus_count, epochs=1)


def _gensim(cls, sentences, dim, workers):
    model = cls(vector_size=dim, workers=workers, sg=1, **SETTINGS)
    model.build_vocab(sentences)
    return lambda: model.train(sentences, total_examples=model.corpus_count, epochs=1)


def _skipgram(sentences, dim, epochs=1):
    """A zero-argument run of ``epochs`` epochs of the autodiff path; returns its vectors."""
    import minigrad as mg
    from minigrad import optim
    from minigrad.models import SkipGram, Word2Vec
    from minigrad.models.word2vec import train_skipgram

    vocab = Word2Vec(vector_size=dim, **SETTINGS)
    vocab.build_vocab(sentences)
    mg.manual_seed(1)
    model = SkipGram(len(vocab.wv), dim)
    opt = optim.SGD(model.parameters(), lr=SKIPGRAM_LR)

    def run():
        train_skipgram(model, sentences, vocab.wv, opt, epochs=epochs, batch_size=256, seed=1)
        return model.keyed_vectors(vocab.wv.index_to_key)

    return run


def _accuracies(sentences, questions, dim, epochs, gensim_cls) -> str:
    """Analogy accuracy after ``epochs`` epochs from a fresh model, per implementation."""
    from minigrad.models import Word2Vec

    if epochs == 0:
        return "accuracy not measured in --quick"
    fast = Word2Vec(sentences, vector_size=dim, epochs=epochs, **SETTINGS)
    parts = [f"minigrad {fast.wv.evaluate_word_analogies(questions)[0]:.3f}"]
    if gensim_cls is not None:
        theirs = gensim_cls(sentences, vector_size=dim, epochs=epochs, sg=1, workers=1,
                            **SETTINGS)
        parts.append(f"gensim {theirs.wv.evaluate_word_analogies(questions)[0]:.3f}")
    return f"analogy accuracy after {epochs} epochs: " + ", ".join(parts)


def _twin_case(sentences, dim, n_sentences) -> harness.Case:
    from minigrad.kernels import word2vec as kernel
    from minigrad.models import Word2Vec
    from minigrad.models.word2vec import vocab

    model = Word2Vec(vector_size=dim, **SETTINGS)
    model.build_vocab(sentences)
    words, bounds, _ = vocab.encode(sentences[:n_sentences], model.wv.key_to_index)
    keep = vocab.keep_thresholds(model.wv.counts, SETTINGS["sample"])
    table = vocab.noise_table(model.wv.counts, 0.75)

    def make(fn):
        def run():
            syn0, syn1 = model.wv.vectors.copy(), np.zeros_like(model.wv.vectors)
            return fn(syn0, syn1, words, bounds, 0, len(bounds) - 1, keep, table, 5, 5,
                      0.025, 7)
        return run

    impls = {"numpy": make(kernel.sgns_train_numpy), "minigrad": make(kernel.sgns_train_numba)}
    return harness.Case(f"SGNS kernel vs NumPy twin, {n_sentences} sentences", impls,
                        items=int(words.size), repeats=3, warmup=1)


def _step(vocab_size, dim, sparse):
    import minigrad as mg
    from minigrad import optim
    from minigrad.models import SkipGram

    rng = np.random.default_rng(0)
    model = SkipGram(vocab_size, dim, sparse=sparse)
    opt = optim.SGD(model.parameters(), lr=0.025)
    center = mg.tensor(rng.integers(0, vocab_size, 256))
    context = mg.tensor(rng.integers(0, vocab_size, 256))
    negatives = mg.tensor(rng.integers(0, vocab_size, (256, 5)))

    def step():
        opt.zero_grad()
        model(center, context, negatives).sum().backward()
        opt.step()

    return step


def cases(quick: bool = False) -> list[harness.Case]:
    from minigrad.data.analogy import make_analogy_corpus

    cfg = QUICK if quick else FULL
    corpus = make_analogy_corpus(**cfg["corpus"], seed=0)
    sentences = corpus.sentences
    n_words = sum(len(s) for s in sentences)
    dim = cfg["dim"]
    questions = os.path.join(tempfile.mkdtemp(), "questions-words.txt")
    corpus.write_questions(questions)
    gensim_cls = _try_gensim()
    gensim_note = "" if gensim_cls else "gensim not installed (pip install gensim): rows skipped"
    out = []
    for workers in (1, 2):
        impls: dict = {}
        note = harness.add_impl(impls, "minigrad", lambda w=workers: _fast(sentences, dim, w))
        if gensim_cls is not None:
            note = harness.join_notes(note, harness.add_impl(
                impls, "gensim", lambda w=workers: _gensim(gensim_cls, sentences, dim, w)))
        if workers == 1:
            note = harness.join_notes(
                note, _accuracies(sentences, questions, dim, cfg["accuracy_epochs"], gensim_cls))
        out.append(harness.Case(f"fast path, 1 epoch, D{dim}, workers={workers}", impls,
                                items=n_words, note=harness.join_notes(note, gensim_note)))
    impls = {}
    note = harness.add_impl(impls, "minigrad", lambda: _skipgram(sentences, dim))
    if cfg["accuracy_epochs"]:
        vectors = _skipgram(sentences, dim, cfg["accuracy_epochs"])()
        note = harness.join_notes(note, f"analogy accuracy after {cfg['accuracy_epochs']} "
                                  f"epochs: {vectors.evaluate_word_analogies(questions)[0]:.3f}")
    out.append(harness.Case(f"autodiff path (SkipGram, sparse SGD), 1 epoch, D{dim}", impls,
                            items=n_words, note=note, repeats=3, warmup=1))
    out.append(_twin_case(sentences, dim, cfg["twin_sentences"]))
    for vocab_size in cfg["vocab_sizes"]:
        impls = {}
        note = harness.join_notes(
            harness.add_impl(impls, "sparse", lambda v=vocab_size: _step(v, dim, True)),
            harness.add_impl(impls, "dense", lambda v=vocab_size: _step(v, dim, False)))
        out.append(harness.Case(f"SkipGram SGD step, B256 K5, vocab {vocab_size:,}", impls,
                                items=256, note=note, repeats=5, warmup=1))
    return out
