"""Autoregressive sampling from a language model that maps (B, T) ids to (B, T, V) logits."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..creation import from_numpy
from ..random import rng


def generate_tokens(model: Any, idx: Any, max_new_tokens: int, temperature: float = 1.0,
                    top_k: int | None = None, generator: Any = None) -> Tensor:
    """The loop behind ``GPT.generate``: crop, run, sample one token, append, repeat."""
    fn = f"{type(model).__name__}.generate"
    ids = np.asarray(idx.numpy(force=True) if isinstance(idx, Tensor) else idx)
    if ids.dtype.kind not in "iu":
        raise TypeError(f"{fn}: idx must hold integer token ids, got dtype {ids.dtype}")
    squeeze = ids.ndim == 1
    if squeeze:
        ids = ids[None, :]
    if ids.size == 0 and ids.ndim <= 2:
        raise ValueError(f"{fn}: the prompt is empty (idx of shape {np.shape(idx)}); give at "
                         "least one token per row, e.g. a start token")
    if ids.ndim != 2 or ids.shape[1] == 0:
        raise ValueError(f"{fn}: idx must be (B, T) or (T,) with T >= 1, got shape "
                         f"{np.shape(idx)}")
    _check_sampling(fn, max_new_tokens, temperature, top_k)
    block_size = model.config.block_size
    ids = ids.astype(np.int64)
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            for _ in range(max_new_tokens):
                context = from_numpy(np.ascontiguousarray(ids[:, -block_size:]))
                logits, _ = model(context)
                nxt = sample_next(logits.numpy()[:, -1, :], temperature, top_k, generator)
                ids = np.concatenate([ids, nxt[:, None]], axis=1)
    finally:
        model.train(was_training)
    return from_numpy(ids[0] if squeeze else ids)


def sample_next(logits: np.ndarray, temperature: float = 1.0, top_k: int | None = None,
                generator: Any = None) -> np.ndarray:
    """One token id per row of ``logits`` (B, V): softmax(logits / temperature) restricted to
    the ``top_k`` largest, or the argmax when ``temperature == 0`` or ``top_k == 1``.

    >>> sample_next(np.array([[0.0, 3.0, 1.0]]), temperature=0)
    array([1])
    """
    if np.isnan(logits).any() or np.isposinf(logits).any():
        raise RuntimeError("sample_next: the logits contain NaN or +inf, so the probabilities "
                           "are not finite; can't sample")
    if temperature == 0 or top_k == 1:
        return np.argmax(logits, axis=-1).astype(np.int64)
    scaled = logits.astype(np.float64) / temperature
    if top_k is not None and top_k < scaled.shape[-1]:
        kth = np.partition(scaled, -top_k, axis=-1)[:, -top_k, None]
        scaled = np.where(scaled < kth, -np.inf, scaled)
    if not np.isfinite(scaled.max(axis=-1)).all():
        raise RuntimeError("sample_next: a row of logits is all -inf (or temperature is "
                           "not finite), so there is no probability to sample from")
    scaled -= scaled.max(axis=-1, keepdims=True)
    probs = np.exp(scaled)
    cumulative = np.cumsum(probs, axis=-1)
    draws = rng(generator).random(len(probs)) * cumulative[:, -1]
    picks = [np.searchsorted(row, u, side="right") for row, u in zip(cumulative, draws)]
    return np.minimum(np.array(picks, np.int64), probs.shape[-1] - 1)


def _check_sampling(fn: str, max_new_tokens: Any, temperature: Any, top_k: Any) -> None:
    if not isinstance(max_new_tokens, (int, np.integer)) or isinstance(max_new_tokens, bool) \
            or max_new_tokens < 0:
        raise ValueError(f"{fn}: max_new_tokens must be an int >= 0, got {max_new_tokens!r}")
    if not isinstance(temperature, (int, float)) or not temperature >= 0 \
            or temperature == float("inf"):
        raise ValueError(f"{fn}: temperature must be a number >= 0, got {temperature!r}")
    if top_k is not None and (not isinstance(top_k, (int, np.integer)) or top_k < 1):
        raise ValueError(f"{fn}: top_k must be None or an int >= 1, got {top_k!r}")
