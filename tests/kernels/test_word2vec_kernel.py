"""The skip-gram training kernel against its NumPy twin, and its input checks."""

from __future__ import annotations

import numpy as np
import pytest

from minigrad.kernels import word2vec as K
from minigrad.models.word2vec import vocab


def _problem(seed=0, n_vocab=30, dim=8, n_sentences=40, sample=1e-2):
    rng = np.random.default_rng(seed)
    zipf = 1.0 / np.arange(1, n_vocab + 1)
    words = rng.choice(n_vocab, size=n_sentences * 9, p=zipf / zipf.sum()).astype(np.int32)
    lengths = rng.integers(1, 17, size=n_sentences)
    bounds = np.minimum(np.concatenate([[0], np.cumsum(lengths)]), words.size).astype(np.int64)
    counts = np.bincount(words, minlength=n_vocab) + 1
    syn0 = ((rng.random((n_vocab, dim)) - 0.5) / dim).astype(np.float32)
    syn1neg = (rng.standard_normal((n_vocab, dim)) * 0.1).astype(np.float32)
    return dict(syn0=syn0, syn1neg=syn1neg, words=words, bounds=bounds, first=0,
                last=n_sentences, keep=vocab.keep_thresholds(counts, sample),
                cum_table=vocab.noise_table(counts, 0.75), window=3, negative=4, alpha=0.05,
                seed=12345)


def _run(fn, problem):
    p = dict(problem, syn0=problem["syn0"].copy(), syn1neg=problem["syn1neg"].copy())
    trained = fn(**p)
    return trained, p["syn0"], p["syn1neg"]


@pytest.mark.parametrize("seed", [0, 1])
def test_kernel_matches_twin(seed):
    problem = _problem(seed)
    n_numba, syn0_numba, syn1_numba = _run(K.sgns_train_numba, problem)
    n_numpy, syn0_numpy, syn1_numpy = _run(K.sgns_train_numpy, problem)
    assert n_numba == n_numpy  # same random draws: the same words survive sub-sampling
    assert 0 < n_numba < problem["words"].size  # sub-sampling dropped some, not all
    moved = np.abs(syn0_numba - problem["syn0"]).max()
    assert moved > 1e-3  # training changed the vectors
    np.testing.assert_allclose(syn0_numba, syn0_numpy, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(syn1_numba, syn1_numpy, rtol=1e-4, atol=1e-6)


def test_kernel_is_deterministic_and_respects_the_range():
    problem = _problem(2)
    a = _run(K.sgns_train_numba, problem)
    b = _run(K.sgns_train_numba, problem)
    np.testing.assert_array_equal(a[1], b[1])  # the same computation, repeated
    empty = _run(K.sgns_train_numba, dict(problem, first=5, last=5))
    assert empty[0] == 0
    np.testing.assert_array_equal(empty[1], problem["syn0"])


def test_one_pair_update_by_hand():
    # one sentence [0, 1], window 1, no negatives drawn (negative=0), no sub-sampling
    syn0 = np.array([[0.1, 0.2], [0.3, -0.1]], np.float32)
    syn1 = np.array([[0.5, 0.0], [0.0, 0.5]], np.float32)
    p = dict(syn0=syn0, syn1neg=syn1, words=np.array([0, 1], np.int32),
             bounds=np.array([0, 2]), first=0, last=1,
             keep=np.full(2, K.KEEP_ALWAYS, np.uint64), cum_table=np.array([1, 2]),
             window=1, negative=0, alpha=0.5, seed=7)
    s0, s1 = syn0.astype(np.float64), syn1.astype(np.float64)
    # center 0, context 1: l1 = syn0[1], target syn1[0]; then center 1, context 0
    for center, context in ((0, 1), (1, 0)):
        g = (1 - 1 / (1 + np.exp(-s0[context] @ s1[center]))) * 0.5
        e = g * s1[center]
        s1[center] += g * s0[context]
        s0[context] += e
    for fn in (K.sgns_train_numba, K.sgns_train_numpy):
        trained, got0, got1 = _run(fn, p)
        assert trained == 2
        np.testing.assert_allclose(got0, s0, rtol=1e-6)
        np.testing.assert_allclose(got1, s1, rtol=1e-6)


def test_dispatcher_uses_the_switch(mode):
    problem = _problem(3)
    trained, syn0, _ = _run(K.sgns_train, problem)
    reference = _run(K.sgns_train_numpy, problem)
    assert trained == reference[0]
    np.testing.assert_allclose(syn0, reference[1], rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("change, error, match", [
    (dict(syn0=np.zeros((30, 8))), TypeError, "syn0 must be a C-contiguous float32"),
    (dict(words=np.zeros(5, np.int64)), TypeError, "words must be a C-contiguous int32"),
    (dict(syn1neg=np.zeros((30, 4), np.float32)), ValueError, "same"),
    (dict(last=41), ValueError, "sentence range"),
    (dict(window=0), ValueError, "window must be >= 1"),
    (dict(keep=np.zeros(3, np.uint64)), ValueError, "one entry per word"),
    (dict(words=np.array([0, 30], np.int32)), IndexError, r"word ids must be in \[0, 30\)"),
])
def test_bad_input_is_refused(change, error, match):
    with pytest.raises(error, match=match):
        K.sgns_train(**dict(_problem(), **change))
