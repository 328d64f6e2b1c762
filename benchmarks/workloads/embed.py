"""embed: embedding lookup plus backward into a 50,000 x 256 table, 8,192 indices with repeats.

The backward is a row scatter-add (`np.add.at` in NumPy); half the indices come
from 512 "frequent tokens", so rows repeat as they do in text.
"""

from __future__ import annotations

import numpy as np

from benchmarks import harness
from benchmarks.twins.embed_numpy import embedding_backward, embedding_forward


def make_embed(lib, F, table: np.ndarray, idx: np.ndarray, grad_out: np.ndarray):
    """Forward and backward written against a PyTorch-like library."""
    weight = lib.tensor(table, requires_grad=True)
    idx_t = lib.tensor(idx)
    grad_t = lib.tensor(grad_out)

    def run():
        out = F.embedding(idx_t, weight)
        out.backward(grad_t)
        grad = weight.grad
        weight.grad = None
        return grad

    return run


def _minigrad(*args):
    import minigrad as mg
    import minigrad.nn.functional as F

    return make_embed(mg, F, *args)


def token_ids(rng: np.random.Generator, n: int, vocab: int, n_frequent: int = 512) -> np.ndarray:
    """Half from a small frequent set, half uniform over the vocabulary, shuffled."""
    frequent = rng.integers(0, min(n_frequent, vocab), n // 2)
    rare = rng.integers(0, vocab, n - n // 2)
    return rng.permutation(np.concatenate([frequent, rare]))


def cases(quick: bool = False) -> list[harness.Case]:
    vocab, dim, n = (1000, 32, 256) if quick else (50_000, 256, 8192)
    rng = np.random.default_rng(0)
    table = rng.standard_normal((vocab, dim), dtype=np.float32)
    idx = token_ids(rng, n, vocab)
    grad_out = rng.standard_normal((n, dim), dtype=np.float32)

    def numpy_run():
        embedding_forward(table, idx)
        return embedding_backward(grad_out, idx, vocab)

    args = (table, idx, grad_out)
    impls = {"numpy": numpy_run}
    note = harness.add_impl(impls, "minigrad", lambda: _minigrad(*args))
    torch = harness.try_import_torch()
    if torch is not None:
        note = harness.join_notes(note, harness.add_impl(
            impls, "torch", lambda: make_embed(torch, torch.nn.functional, *args)
        ))
    name = f"{vocab}x{dim} table, {n} ids fwd+bwd"
    return [harness.Case(name, impls, items=n, note=note)]
