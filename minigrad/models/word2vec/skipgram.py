"""``SkipGram``: word2vec's skip-gram model with negative sampling, written with minigrad ops
and trained by the autodiff engine (the teaching path beside the fused kernel)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from ... import nn, optim
from ..._tensor import Tensor
from ...data import DataLoader
from ...nn import functional as F
from ...ops.shape import cat
from .keyed_vectors import KeyedVectors
from .pairs import skipgram_dataset


class SkipGram(nn.Module):
    """Input vectors ``in_embed`` and output vectors ``out_embed`` (both ``nn.Embedding``,
    sparse gradients by default). For a batch of (center, context, negatives) the loss of
    each example is

        -log sigmoid(v_center . u_context) - sum_k log sigmoid(-v_center . u_negative_k)

    Initialised as the C tool does: ``in_embed`` uniform in +-0.5 / dim, ``out_embed`` zeros.

    >>> import minigrad as mg
    >>> model = SkipGram(100, 8)
    >>> loss = model(mg.tensor([1, 2]), mg.tensor([3, 4]), mg.tensor([[5, 6], [7, 8]]))
    >>> loss.shape, round(float(loss[0]), 4)   # all output vectors start at 0: 3 log 2
    ((2,), 2.0794)
    """

    def __init__(self, vocab_size: int, dim: int, sparse: bool = True) -> None:
        super().__init__()
        self.in_embed = nn.Embedding(vocab_size, dim, sparse=sparse)
        self.out_embed = nn.Embedding(vocab_size, dim, sparse=sparse)
        nn.init.uniform_(self.in_embed.weight, -0.5 / dim, 0.5 / dim)
        nn.init.zeros_(self.out_embed.weight)

    def forward(self, center: Tensor, context: Tensor, negatives: Tensor) -> Tensor:
        """Per-example loss, shape (B,), for center (B,), context (B,), negatives (B, K)."""
        v = self.in_embed(center)  # (B, D)
        targets = cat([context.reshape(-1, 1), negatives], dim=1)  # (B, 1 + K)
        u = self.out_embed(targets)  # (B, 1 + K, D)
        scores = (u * v.reshape(v.shape[0], 1, v.shape[1])).sum(dim=-1)  # (B, 1 + K)
        sign = np.full((1, scores.shape[1]), -1.0, dtype=scores.dtype)
        sign[0, 0] = 1.0  # the context word is the positive, the rest negatives
        return -F.logsigmoid(scores * Tensor(sign)).sum(dim=1)

    def keyed_vectors(self, index_to_key: Sequence[str]) -> KeyedVectors:
        """The input vectors as `KeyedVectors` (row i for ``index_to_key[i]``)."""
        wv = KeyedVectors(self.in_embed.embedding_dim)
        wv.add_vectors(list(index_to_key), self.in_embed.weight.detach().numpy())
        return wv


def train_skipgram(model: SkipGram, sentences: Iterable[Sequence[str]], vocab: KeyedVectors,
                   optimizer: optim.Optimizer, epochs: int = 5, batch_size: int = 256,
                   window: int = 5, negative: int = 5, sample: float = 1e-3,
                   ns_exponent: float = 0.75, min_lr_fraction: float = 0.004,
                   seed: int = 1) -> int:
    """Train ``model`` on ``sentences`` with ``optimizer``: every epoch draws fresh examples
    (`skipgram_dataset`) and walks them in shuffled batches; the loss is summed over a
    batch and each group's learning rate decays linearly to ``min_lr_fraction`` of its
    start, as in word2vec. Returns the number of (center, context) examples trained.
    """
    start = [group["lr"] for group in optimizer.param_groups]
    datasets = [skipgram_dataset(sentences, vocab, window, negative, sample, ns_exponent,
                                 seed=seed * 1000 + epoch) for epoch in range(epochs)]
    total = sum(len(d) for d in datasets)
    done = 0
    for dataset in datasets:
        for center, context, negatives in DataLoader(dataset, batch_size, shuffle=True):
            fraction = max(1.0 - done / max(total, 1), min_lr_fraction)
            for group, lr in zip(optimizer.param_groups, start):
                group["lr"] = lr * fraction
            loss = model(center, context, negatives).sum()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            done += len(center)
    for group, lr in zip(optimizer.param_groups, start):
        group["lr"] = lr
    return done
