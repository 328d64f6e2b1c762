"""Perplexity of a language model's next-token predictions."""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Metric, _as_array, _as_labels, _check_range, _one_off


class Perplexity(Metric):
    """exp(mean negative log-likelihood) of integer targets under logits.

    ``update(logits, target)`` with logits (N, C) and target (N,), or (B, T, C)
    and (B, T). Targets equal to ``ignore_index`` are skipped.
    """

    name = "perplexity"
    sum_states = ("total_nll", "count")

    def __init__(self, ignore_index: int = -100, name: str | None = None) -> None:
        self.ignore_index = ignore_index
        super().__init__(name)

    def reset(self) -> None:
        self.total_nll = 0.0
        self.count = 0

    def update(self, pred: Any, target: Any) -> None:
        x = _as_array(pred, "Perplexity", "logits").astype(np.float64)
        t = _as_array(target, "Perplexity", "target")
        if x.ndim not in (2, 3) or x.shape[:-1] != t.shape:
            raise ValueError(f"Perplexity: expected logits (N, C) with target (N,) or (B, T, C) "
                             f"with (B, T), got logits {x.shape} and target {t.shape}")
        x = x.reshape(-1, x.shape[-1])
        t = _as_labels(t, "Perplexity", "target").reshape(-1)
        keep = t != self.ignore_index
        x, t = x[keep], t[keep]
        _check_range(t, x.shape[1], "Perplexity", "target")
        m = x.max(axis=1, keepdims=True)
        lse = m[:, 0] + np.log(np.sum(np.exp(x - m), axis=1))  # log-sum-exp, shifted by the max
        self.total_nll += float(np.sum(lse - x[np.arange(t.size), t]))
        self.count += t.size

    def compute(self) -> float:
        self._require_samples(self.count)
        return float(np.exp(self.total_nll / self.count))



def perplexity(logits: Any, target: Any, ignore_index: int = -100) -> float:
    """exp(mean NLL) of ``target`` under ``logits``; see :class:`Perplexity`."""
    return _one_off(Perplexity(ignore_index), logits, target)
