"""The vocabulary of a word2vec model: counting, pruning, sub-sampling and the noise table."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from ...kernels.word2vec import KEEP_ALWAYS

NOISE_DOMAIN = 2**31 - 1  # the cumulative noise weights are integers up to this


def count_words(sentences: Iterable[Sequence[str]], max_vocab_size: int | None,
                where: str) -> tuple[dict[str, int], int, int]:
    """Count every token; returns (counts, number of sentences, number of tokens).

    With ``max_vocab_size``, whenever the dict grows past it the rarest words are dropped
    (count <= 1, then <= 2, ...), as gensim does, to bound memory on huge corpora.
    """
    counts: dict[str, int] = {}
    min_reduce = 1
    n_sentences = n_words = 0
    for sentence in sentences:
        if isinstance(sentence, str):
            raise TypeError(f"{where}: each sentence must be a list of tokens, got the string "
                            f"{sentence[:40]!r} (split it into words first)")
        for word in sentence:
            counts[word] = counts.get(word, 0) + 1
        n_sentences += 1
        n_words += len(sentence)
        if max_vocab_size is not None and len(counts) > max_vocab_size:
            counts = {w: c for w, c in counts.items() if c > min_reduce}
            min_reduce += 1
    return counts, n_sentences, n_words


def sorted_vocab(counts: dict[str, int], min_count: int) -> tuple[list[str], np.ndarray]:
    """Words seen at least ``min_count`` times, most frequent first (ties: first seen first)."""
    kept = [(w, c) for w, c in counts.items() if c >= min_count]
    kept.sort(key=lambda wc: -wc[1])
    words = [w for w, _ in kept]
    return words, np.array([c for _, c in kept], dtype=np.int64)


def keep_thresholds(counts: np.ndarray, sample: float) -> np.ndarray:
    """Per word, the sub-sampling keep probability times 2^32 (uint64), from the C tool:
    p(keep w) = (sqrt(c_w / t) + 1) * t / c_w with t = sample * total count, capped at 1."""
    if sample <= 0 or counts.size == 0:
        return np.full(counts.shape, KEEP_ALWAYS, np.uint64)
    threshold = sample * float(counts.sum())
    c = counts.astype(np.float64)
    p = np.minimum((np.sqrt(c / threshold) + 1.0) * threshold / c, 1.0)
    return np.round(p * KEEP_ALWAYS).astype(np.uint64)


def noise_table(counts: np.ndarray, ns_exponent: float) -> np.ndarray:
    """Cumulative integer weights of the noise distribution counts^ns_exponent (int64):
    word i is drawn for u in [table[i-1], table[i]) with u uniform on [0, table[-1])."""
    weights = counts.astype(np.float64) ** ns_exponent
    cumulative = np.cumsum(weights) / weights.sum() * NOISE_DOMAIN
    return np.round(cumulative).astype(np.int64)


def encode(sentences: Iterable[Sequence[str]], key_to_index: dict[str, int],
           max_sentence: int = 10_000) -> tuple[np.ndarray, np.ndarray, int]:
    """The corpus as word ids (int32, unknown words dropped) and sentence bounds (int64).

    Sentences longer than ``max_sentence`` known words are split. Also returns the number
    of raw tokens read (known or not), which the learning-rate schedule counts.
    """
    ids: list[int] = []
    bounds = [0]
    raw = 0
    lookup = key_to_index.get
    for sentence in sentences:
        raw += len(sentence)
        start = len(ids)
        ids.extend(i for i in map(lookup, sentence) if i is not None)
        while len(ids) - start > max_sentence:
            start += max_sentence
            bounds.append(start)
        if len(ids) > bounds[-1]:
            bounds.append(len(ids))
    return np.array(ids, dtype=np.int32), np.array(bounds, dtype=np.int64), raw
