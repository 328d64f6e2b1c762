"""``Word2Vec``: gensim's interface over minigrad's fused skip-gram training kernel."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from ...io import load, save
from ...kernels.word2vec import sgns_train
from . import vocab as vocab_mod
from .keyed_vectors import KeyedVectors

JOB_WORDS = 10_000  # words per training job (the unit of the learning-rate schedule)
Corpus = Iterable[Sequence[str]]
_PARAMS = ("vector_size", "window", "min_count", "sg", "negative", "ns_exponent", "sample",
           "alpha", "min_alpha", "epochs", "seed", "workers", "max_vocab_size")


class Word2Vec:
    """Word vectors by skip-gram with negative sampling, with gensim's arguments.

    Given ``sentences`` (a re-iterable of lists of tokens) it builds the vocabulary and
    trains ``epochs`` passes at once; otherwise call ``build_vocab`` then ``train``. The
    vectors are in ``model.wv`` (a `KeyedVectors`). Training walks the corpus in a numba
    kernel (`minigrad.kernels.word2vec`, or its NumPy twin under ``MINIGRAD_KERNELS=numpy``).
    With ``workers=1`` a run is deterministic for a given ``seed``; with more workers the
    threads update shared vectors without locks (Hogwild), so results depend on timing.

    >>> corpus = [["the", "cat", "sat"], ["the", "dog", "sat"]] * 50
    >>> model = Word2Vec(corpus, vector_size=8, window=2, min_count=1, epochs=2, seed=1)
    >>> model.wv["cat"].shape, model.wv.index_to_key[:2]
    ((8,), ['the', 'sat'])
    """

    def __init__(self, sentences: Corpus | None = None, vector_size: int = 100,
                 window: int = 5, min_count: int = 5, sg: int = 1, negative: int = 5,
                 ns_exponent: float = 0.75, sample: float = 1e-3, alpha: float = 0.025,
                 min_alpha: float = 0.0001, epochs: int = 5, seed: int = 1, workers: int = 1,
                 max_vocab_size: int | None = None) -> None:
        for name, value, low in (("vector_size", vector_size, 1), ("window", window, 1),
                                 ("min_count", min_count, 1), ("negative", negative, 1),
                                 ("epochs", epochs, 1), ("workers", workers, 1)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) \
                    or value < low:
                raise ValueError(f"Word2Vec: {name} must be an int >= {low}, got {value!r}")
        if sg != 1:
            raise NotImplementedError("Word2Vec: only skip-gram (sg=1) is implemented, not "
                                      "CBOW (sg=0)")
        if not (alpha > 0 and 0 <= min_alpha <= alpha and sample >= 0):
            raise ValueError(f"Word2Vec: need alpha > 0, 0 <= min_alpha <= alpha and "
                             f"sample >= 0, got alpha={alpha}, min_alpha={min_alpha}, "
                             f"sample={sample}")
        self.vector_size, self.window, self.min_count = int(vector_size), int(window), min_count
        self.sg, self.negative, self.ns_exponent = sg, int(negative), float(ns_exponent)
        self.sample, self.alpha, self.min_alpha = float(sample), float(alpha), float(min_alpha)
        self.epochs, self.seed, self.workers = int(epochs), int(seed), int(workers)
        self.max_vocab_size = max_vocab_size
        self.wv = KeyedVectors(self.vector_size)
        self.syn1neg = np.zeros((0, self.vector_size), np.float32)
        self.corpus_count = self.corpus_total_words = 0
        self.train_count = 0
        self.total_train_time = 0.0
        if sentences is not None:
            self.build_vocab(sentences)
            self.train(sentences, total_examples=self.corpus_count, epochs=self.epochs)

    # --------------------------------------------------------------- vocabulary
    def build_vocab(self, corpus_iterable: Corpus, update: bool = False) -> None:
        """Count the words, keep those seen ``min_count`` times (most frequent first),
        and initialise the vectors (input: uniform in +-0.5 / vector_size; output: zeros)."""
        if update:
            raise NotImplementedError("Word2Vec.build_vocab: update=True is not supported")
        _check_reiterable(corpus_iterable, "build_vocab")
        counts, self.corpus_count, self.corpus_total_words = vocab_mod.count_words(
            corpus_iterable, self.max_vocab_size, "Word2Vec.build_vocab")
        words, word_counts = vocab_mod.sorted_vocab(counts, self.min_count)
        if not words:
            raise ValueError(f"Word2Vec.build_vocab: no word occurs min_count={self.min_count} "
                             f"times in {self.corpus_total_words} tokens; lower min_count")
        rng = np.random.default_rng(self.seed)
        wv = KeyedVectors(self.vector_size)
        wv.index_to_key = words
        wv.key_to_index = {w: i for i, w in enumerate(words)}
        wv.vectors = ((rng.random((len(words), self.vector_size)) * 2.0 - 1.0)
                      / self.vector_size).astype(np.float32)
        wv.counts = word_counts
        self.wv = wv
        self.syn1neg = np.zeros_like(wv.vectors)

    # ----------------------------------------------------------------- training
    def train(self, corpus_iterable: Corpus, total_examples: int | None = None,
              total_words: int | None = None, epochs: int | None = None,
              start_alpha: float | None = None, end_alpha: float | None = None) -> tuple[int, int]:
        """Train ``epochs`` passes over the corpus; the learning rate falls linearly from
        ``start_alpha`` (default ``alpha``) to ``end_alpha`` (default ``min_alpha``).

        As in gensim, ``epochs`` and one of ``total_examples`` / ``total_words`` must be
        given. Returns ``(words trained after sub-sampling, raw words read)``.
        """
        if epochs is None or (total_examples is None and total_words is None):
            raise ValueError("Word2Vec.train: pass epochs and total_examples (or total_words) "
                             "explicitly, e.g. train(s, total_examples=model.corpus_count, "
                             "epochs=model.epochs)")
        if len(self.wv) == 0:
            raise RuntimeError("Word2Vec.train: build the vocabulary first (build_vocab)")
        _check_reiterable(corpus_iterable, "train")
        words, bounds, raw = vocab_mod.encode(corpus_iterable, self.wv.key_to_index)
        keep = vocab_mod.keep_thresholds(self.wv.counts, self.sample)
        cum_table = vocab_mod.noise_table(self.wv.counts, self.ns_exponent)
        start = self.alpha if start_alpha is None else float(start_alpha)
        end = self.min_alpha if end_alpha is None else float(end_alpha)
        jobs = _jobs(bounds, int(epochs), start, end, self.seed)
        vectors = self.wv.vectors

        def run(job: tuple[int, int, float, int]) -> int:
            first, last, alpha, seed = job
            return sgns_train(vectors, self.syn1neg, words, bounds, first, last, keep,
                              cum_table, self.window, self.negative, alpha, seed, check=False)

        began = time.perf_counter()
        if jobs:  # check the arrays once, on the first job
            first, last, alpha, seed = jobs[0]
            trained = sgns_train(vectors, self.syn1neg, words, bounds, first, last, keep,
                                 cum_table, self.window, self.negative, alpha, seed)
            if self.workers == 1:
                trained += sum(run(job) for job in jobs[1:])
            else:
                with ThreadPoolExecutor(self.workers) as pool:
                    trained += sum(pool.map(run, jobs[1:]))
        else:
            trained = 0
        self.total_train_time += time.perf_counter() - began
        self.train_count += 1
        self.wv.fill_norms(force=True)
        return trained, raw * int(epochs)

    # ------------------------------------------------------------------ saving
    def save(self, fname: str | os.PathLike[str]) -> None:
        """Write the model (vectors, output weights, vocabulary, settings) to one
        safetensors file: the vocabulary and settings go in its JSON header; no pickle."""
        params = {name: getattr(self, name) for name in _PARAMS}
        save({"vectors": self.wv.vectors, "syn1neg": self.syn1neg, "counts": self.wv.counts,
              "index_to_key": list(self.wv.index_to_key), "params": params,
              "corpus": [self.corpus_count, self.corpus_total_words]}, fname,
             metadata={"format": "minigrad.Word2Vec"})

    @classmethod
    def load(cls, fname: str | os.PathLike[str]) -> Word2Vec:
        """Read a model written by ``save``; training can continue with ``train``."""
        where = os.fspath(fname)
        state = load(fname, as_numpy=True)
        if not isinstance(state, dict) or not isinstance(state.get("params"), dict) \
                or "syn1neg" not in state:
            raise ValueError(f"Word2Vec.load: {where} is not a saved Word2Vec model")
        params = state["params"]
        unknown = set(params) - set(_PARAMS)
        if unknown:
            raise ValueError(f"Word2Vec.load: {where} has unknown settings {sorted(unknown)}")
        model = cls(**params)
        model.wv = KeyedVectors._from_state(state, where)
        if state["syn1neg"].shape != model.wv.vectors.shape:
            raise ValueError(f"Word2Vec.load: {where}: syn1neg has shape "
                             f"{state['syn1neg'].shape}, vectors {model.wv.vectors.shape}")
        model.syn1neg = np.ascontiguousarray(state["syn1neg"], dtype=np.float32)
        model.wv.vectors = np.ascontiguousarray(model.wv.vectors, dtype=np.float32)
        model.corpus_count, model.corpus_total_words = (int(n) for n in state["corpus"])
        return model

    def __repr__(self) -> str:
        return (f"Word2Vec<vocab={len(self.wv)}, vector_size={self.vector_size}, "
                f"alpha={self.alpha}>")


def _jobs(bounds: np.ndarray, epochs: int, start: float, end: float,
          seed: int) -> list[tuple[int, int, float, int]]:
    """Sentence ranges of about JOB_WORDS words, for every epoch, each with its learning
    rate (linear in the position of its first word in the whole run) and its own seed
    (so a job's random draws do not depend on which thread runs it)."""
    n_sentences = len(bounds) - 1
    total = int(bounds[-1])
    cuts = [0]
    for s in range(1, n_sentences):
        if bounds[s] - bounds[cuts[-1]] >= JOB_WORDS:
            cuts.append(s)
    cuts.append(n_sentences)
    jobs = []
    for epoch in range(epochs):
        for k in range(len(cuts) - 1):
            done = epoch * total + int(bounds[cuts[k]])
            alpha = start - (start - end) * done / max(epochs * total, 1)
            job_seed = int(np.random.SeedSequence([seed, epoch, k]).generate_state(1, np.uint64)[0])
            jobs.append((cuts[k], cuts[k + 1], alpha, job_seed))
    return [job for job in jobs if job[0] < job[1]]


def _check_reiterable(corpus: Any, where: str) -> None:
    if corpus is None or isinstance(corpus, str) or iter(corpus) is corpus:
        raise TypeError(f"Word2Vec.{where}: the corpus must be a re-iterable of token lists "
                        f"(a list, or an object with __iter__), not {type(corpus).__name__}; "
                        "a generator would be used up after one pass")
