"""Skip-gram with negative sampling (SGNS): the word2vec training loop, walking a corpus.

One call trains on a range of sentences of an encoded corpus (`words`, int32 word ids, with
sentence `bounds`: sentence s is `words[bounds[s]:bounds[s + 1]]`), updating the input
vectors `syn0` and the output vectors `syn1neg` (both (V, D) float32) in place, as the
original C tool does:

    for each sentence:
        drop word w with probability 1 - keep[w] / 2^32             (sub-sampling)
        for each remaining position i, with b drawn in [0, window):
            for each context position j, 0 < |j - i| <= window - b   (dynamic window)
                l1 = syn0[words[j]]; e = 0
                for (t, label) in [(words[i], 1)] + negative draws from the noise table:
                    g = (label - sigmoid(l1 . syn1neg[t])) * alpha
                    e += g * syn1neg[t];  syn1neg[t] += g * l1
                syn0[words[j]] += e

A pair whose score ``l1 . syn1neg[t]`` is beyond +-6 is skipped, as gensim does (its
gradient is nearly 0, or it is an outlier best left alone). The sigmoid is computed exactly
(float32 exp): a 1000-entry lookup table, as in the C tool, measured no faster here.
Negative words are drawn from the unigram^0.75 distribution by binary search in `cum_table`
(cumulative integer weights) and a draw equal to the positive word is skipped. All random
numbers come from the C tool's linear congruential generator seeded with `seed`, so the
kernel and its NumPy twin make the same draws and differ only by float rounding. The caller
gives each range its own `alpha` (the learning rate decays linearly from range to range).

The numba kernel releases the GIL: several threads may run it at once on different sentence
ranges of the same `syn0`/`syn1neg`, without locks (Hogwild), as the C tool and gensim do.
"""

from __future__ import annotations

import math

import numpy as np

from . import _mode
from ._jit import lazy_njit

MASK64 = (1 << 64) - 1
LCG_MUL = 25214903917
LCG_ADD = 11
KEEP_ALWAYS = 1 << 32  # keep[w] for a word that sub-sampling never drops
MAX_SCORE = 6.0  # as gensim: no update from a pair whose score is beyond +-6

# reassociation lets LLVM vectorise the dot product (summed in a fixed order per build)
_FAST = {"reassoc", "contract", "nsz", "arcp"}


@lazy_njit(fastmath=_FAST)
def _sgns_kernel(syn0, syn1neg, words, bounds, first, last, keep, cum_table,
                 window, negative, alpha, seed):
    dim = syn0.shape[1]
    neu1e = np.empty(dim, np.float32)
    longest = 0
    for s in range(first, last):
        longest = max(longest, bounds[s + 1] - bounds[s])
    sentence = np.empty(longest, np.int32)
    r = np.uint64(seed)
    mul = np.uint64(LCG_MUL)
    add = np.uint64(LCG_ADD)
    n_noise = np.uint64(cum_table[cum_table.shape[0] - 1])
    n_vocab = cum_table.shape[0]
    a = np.float32(alpha)
    trained = 0
    for s in range(first, last):
        n = 0
        for k in range(bounds[s], bounds[s + 1]):
            w = words[k]
            r = r * mul + add
            if keep[w] < (r >> np.uint64(32)):
                continue
            sentence[n] = w
            n += 1
        trained += n
        for i in range(n):
            center = sentence[i]
            r = r * mul + add
            reach = window - np.int64((r >> np.uint64(32)) % np.uint64(window))
            lo = max(0, i - reach)
            hi = min(n, i + reach + 1)
            for j in range(lo, hi):
                if j == i:
                    continue
                l1 = syn0[sentence[j]]
                for d in range(dim):
                    neu1e[d] = 0.0
                for draw in range(negative + 1):
                    if draw == 0:
                        target = center
                        label = np.float32(1.0)
                    else:
                        r = r * mul + add
                        u = np.int64((r >> np.uint64(16)) % n_noise)
                        left = 0
                        right = n_vocab
                        while left < right:  # first index whose cumulative weight exceeds u
                            mid = (left + right) >> 1
                            if cum_table[mid] <= u:
                                left = mid + 1
                            else:
                                right = mid
                        target = left
                        if target == center:
                            continue
                        label = np.float32(0.0)
                    l2 = syn1neg[target]
                    f = np.float32(0.0)
                    for d in range(dim):
                        f += l1[d] * l2[d]
                    if f <= -MAX_SCORE or f >= MAX_SCORE:
                        continue  # saturated: the gradient is (almost) 0, or an outlier
                    g = (label - np.float32(1.0) / (np.float32(1.0) + np.exp(-f))) * a
                    for d in range(dim):
                        neu1e[d] += g * l2[d]
                    for d in range(dim):
                        l2[d] += g * l1[d]
                for d in range(dim):
                    l1[d] += neu1e[d]
    return trained


def sgns_train_numpy(syn0: np.ndarray, syn1neg: np.ndarray, words: np.ndarray,
                     bounds: np.ndarray, first: int, last: int, keep: np.ndarray,
                     cum_table: np.ndarray, window: int, negative: int, alpha: float,
                     seed: int) -> int:
    """NumPy twin of `sgns_train`: the same loop in Python, one vector operation per update."""
    r = seed & MASK64

    def draw() -> int:
        nonlocal r
        r = (r * LCG_MUL + LCG_ADD) & MASK64
        return r

    n_noise = int(cum_table[-1])
    a = np.float32(alpha)
    trained = 0
    for s in range(first, last):
        sentence = [int(w) for w in words[bounds[s]:bounds[s + 1]] if keep[w] >= draw() >> 32]
        n = len(sentence)
        trained += n
        for i, center in enumerate(sentence):
            reach = window - (draw() >> 32) % window
            for j in range(max(0, i - reach), min(n, i + reach + 1)):
                if j == i:
                    continue
                l1 = syn0[sentence[j]]
                neu1e = np.zeros_like(l1)
                for k in range(negative + 1):
                    if k == 0:
                        target, label = center, 1.0
                    else:
                        u = (draw() >> 16) % n_noise
                        target = int(np.searchsorted(cum_table, u, side="right"))
                        if target == center:
                            continue
                        label = 0.0
                    l2 = syn1neg[target]
                    f = float(np.dot(l1, l2))
                    if abs(f) >= MAX_SCORE:
                        continue
                    g = np.float32((label - 1.0 / (1.0 + math.exp(-f))) * a)
                    neu1e += g * l2
                    l2 += g * l1
                l1 += neu1e
    return trained


def _check(syn0, syn1neg, words, bounds, first, last, keep, cum_table, window, negative):
    fn = "sgns_train"
    for name, a, dtype in (("syn0", syn0, np.float32), ("syn1neg", syn1neg, np.float32),
                           ("words", words, np.int32), ("bounds", bounds, np.int64),
                           ("keep", keep, np.uint64), ("cum_table", cum_table, np.int64)):
        if not isinstance(a, np.ndarray) or a.dtype != dtype or not a.flags.c_contiguous:
            got = getattr(a, "dtype", type(a).__name__)
            raise TypeError(f"{fn}: {name} must be a C-contiguous {np.dtype(dtype)} array, "
                            f"got {got}")
    if syn0.ndim != 2 or syn1neg.shape != syn0.shape:
        raise ValueError(f"{fn}: syn0 {syn0.shape} and syn1neg {syn1neg.shape} must be the "
                         "same (V, D) shape")
    v = syn0.shape[0]
    if keep.shape != (v,) or cum_table.shape != (v,):
        raise ValueError(f"{fn}: keep {keep.shape} and cum_table {cum_table.shape} need one "
                         f"entry per word ({v})")
    if not 0 <= first <= last < bounds.shape[0]:
        raise ValueError(f"{fn}: sentence range [{first}, {last}) is outside the "
                         f"{bounds.shape[0] - 1} sentences")
    if window < 1 or negative < 0:
        raise ValueError(f"{fn}: window must be >= 1 and negative >= 0, got {window}, "
                         f"{negative}")
    if cum_table[-1] <= 0:
        raise ValueError(f"{fn}: cum_table has no weight (no word can be drawn as a negative)")
    if words.size and (int(words.min()) < 0 or int(words.max()) >= v):
        raise IndexError(f"{fn}: word ids must be in [0, {v})")


def sgns_train_numba(syn0: np.ndarray, syn1neg: np.ndarray, words: np.ndarray,
                     bounds: np.ndarray, first: int, last: int, keep: np.ndarray,
                     cum_table: np.ndarray, window: int, negative: int, alpha: float,
                     seed: int) -> int:
    """numba version of `sgns_train` (releases the GIL)."""
    return int(_sgns_kernel(syn0, syn1neg, words, bounds, first, last, keep, cum_table,
                            window, negative, alpha, np.uint64(seed & MASK64)))


def sgns_train(syn0: np.ndarray, syn1neg: np.ndarray, words: np.ndarray, bounds: np.ndarray,
               first: int, last: int, keep: np.ndarray, cum_table: np.ndarray, window: int,
               negative: int, alpha: float, seed: int, check: bool = True) -> int:
    """Train on sentences ``first..last-1`` in place; return how many words survived
    sub-sampling. See the module docstring for the algorithm and the arguments' layout.

    >>> rng = np.random.default_rng(0)
    >>> syn0 = rng.uniform(-0.1, 0.1, (3, 4)).astype(np.float32)
    >>> syn1neg = np.zeros((3, 4), np.float32)
    >>> words = np.array([0, 1, 2, 1, 0], np.int32); bounds = np.array([0, 5])
    >>> keep = np.full(3, KEEP_ALWAYS, np.uint64); cum = np.array([10, 20, 30])
    >>> sgns_train(syn0, syn1neg, words, bounds, 0, 1, keep, cum, 2, 2, 0.025, 1)
    5
    """
    if check:
        _check(syn0, syn1neg, words, bounds, first, last, keep, cum_table, window, negative)
    impl = sgns_train_numpy if _mode.using_reference() else sgns_train_numba
    return impl(syn0, syn1neg, words, bounds, first, last, keep, cum_table, window, negative,
                alpha, seed)
