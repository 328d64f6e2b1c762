"""Training examples for the autodiff path: (center, context, negatives) triples, one epoch
at a time, drawn as the fused kernel draws them (sub-sampling, dynamic window, noise table),
but all at once with NumPy instead of word by word."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from ...data import TensorDataset
from . import vocab as vocab_mod
from .keyed_vectors import KeyedVectors


def skipgram_pairs(words: np.ndarray, bounds: np.ndarray, keep: np.ndarray,
                   cum_table: np.ndarray, window: int, negative: int,
                   rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One epoch of examples from an encoded corpus (see `vocab.encode`): int64 arrays
    center (P,), context (P,) and negatives (P, negative).

    Each word survives sub-sampling with probability keep / 2^32; each surviving center
    draws its reach b in 1..window and pairs with every surviving word of its sentence at
    most b positions away. Negatives come from the noise table (a draw may equal the
    context word; the loss then simply pushes that pair both ways, rarely).
    """
    sentence = np.repeat(np.arange(len(bounds) - 1), np.diff(bounds))
    survive = rng.random(words.size) * 2.0**32 < keep[words]
    ids, sentence = words[survive].astype(np.int64), sentence[survive]
    reach = window - rng.integers(0, window, size=ids.size)
    centers, contexts = [], []
    for offset in range(1, window + 1):
        same = sentence[offset:] == sentence[:-offset]
        left = np.arange(ids.size - offset)[same]  # position i, with i + offset beside it
        right = left + offset
        forward = reach[left] >= offset
        backward = reach[right] >= offset
        centers += [ids[left[forward]], ids[right[backward]]]
        contexts += [ids[right[forward]], ids[left[backward]]]
    center = np.concatenate(centers) if centers else np.zeros(0, np.int64)
    context = np.concatenate(contexts) if contexts else np.zeros(0, np.int64)
    draws = rng.integers(0, int(cum_table[-1]), size=(center.size, negative))
    negatives = np.searchsorted(cum_table, draws, side="right").astype(np.int64)
    return center, context, negatives


def skipgram_dataset(sentences: Iterable[Sequence[str]], vocab: KeyedVectors, window: int = 5,
                     negative: int = 5, sample: float = 1e-3, ns_exponent: float = 0.75,
                     seed: int = 0) -> TensorDataset:
    """One epoch of (center, context, negatives) examples as a `TensorDataset`, for a
    `DataLoader`; ``vocab`` supplies the words and counts (e.g. ``Word2Vec.build_vocab``'s
    ``model.wv``). Call it again with another ``seed`` for the next epoch.

    >>> from minigrad.models.word2vec import Word2Vec
    >>> corpus = [["a", "b", "c", "b"]] * 20
    >>> w2v = Word2Vec(vector_size=4, min_count=1); w2v.build_vocab(corpus)
    >>> center, context, negatives = skipgram_dataset(corpus, w2v.wv, window=2, negative=3)[0]
    >>> negatives.shape
    (3,)
    """
    words, bounds, _ = vocab_mod.encode(sentences, vocab.key_to_index)
    keep = vocab_mod.keep_thresholds(vocab.counts, sample)
    cum_table = vocab_mod.noise_table(vocab.counts, ns_exponent)
    rng = np.random.default_rng(seed)
    return TensorDataset(*skipgram_pairs(words, bounds, keep, cum_table, window, negative, rng))
