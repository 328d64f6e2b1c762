"""Fused softmax + cross-entropy over the rows of a (rows, C) logits array.

Per row with target t, lse = log(sum(exp(x))) and smoothing e (PyTorch's label_smoothing):

    loss = (1 - e) * (lse - x[t]) + e * (lse - mean(x))
    dloss/dx = softmax(x) - (1 - e) * onehot(t) - e / C

Rows whose target equals `ignore_index` get loss 0 and gradient 0. The forward returns the
per-row losses and the probabilities, which are all the backward needs; reducing the losses
(mean over the rows not ignored, sum, ...) is up to the caller.
"""

from __future__ import annotations

import numpy as np

from . import _mode
from ._arrays import contiguous, float_dtype, index_array
from ._jit import lazy_njit
from ._parallel import parallel_for
from .softmax_ops import softmax_and_logsumexp


@lazy_njit()
def _cross_entropy_backward_kernel(lo, hi, grad_loss, probs, targets, ignore_index, off, hit, dx):
    # off = smoothing / C and hit = 1 - smoothing, both in the arrays' dtype.
    classes = probs.shape[1]
    for i in range(lo, hi):
        t, d = targets[i], dx[i]
        if t == ignore_index:
            for j in range(classes):
                d[j] = 0.0
            continue
        g, p = grad_loss[i], probs[i]
        for j in range(classes):
            d[j] = g * (p[j] - off)
        d[t] -= g * hit


def _check_forward(fn, logits, targets, ignore_index, label_smoothing):
    if logits.ndim != 2:
        raise ValueError(f"{fn}: logits must be 2-D (rows, classes), got shape {logits.shape}")
    dtype = float_dtype(fn, logits)
    idx = index_array(fn, targets)
    if idx.shape != logits.shape[:1]:
        raise ValueError(f"{fn}: targets shape {idx.shape} != ({logits.shape[0]},) for logits "
                         f"{logits.shape}")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{fn}: label_smoothing must be in [0, 1], got {label_smoothing}")
    classes = logits.shape[1]
    bad = ((idx < 0) | (idx >= classes)) & (idx != ignore_index)
    if bad.any():
        raise IndexError(
            f"{fn}: target {int(idx[bad][0])} is out of range for {classes} classes "
            f"(ignore_index={ignore_index})"
        )
    return dtype, idx


def softmax_cross_entropy_forward_numpy(
    logits2d: np.ndarray, targets: np.ndarray, ignore_index: int = -100,
    label_smoothing: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """NumPy twin of `softmax_cross_entropy_forward`."""
    fn = "softmax_cross_entropy_forward"
    dtype, idx = _check_forward(fn, logits2d, targets, ignore_index, label_smoothing)
    rows, classes = logits2d.shape
    if classes == 0:
        return np.zeros(rows, dtype), np.empty((rows, 0), dtype)
    shifted = np.subtract(logits2d, logits2d.max(axis=1, keepdims=True), dtype=dtype)
    probs = np.exp(shifted)
    total = probs.sum(axis=1)
    probs /= total[:, None]
    lse = np.log(total)  # log-sum-exp of the shifted row
    keep = idx != ignore_index
    loss = lse - shifted[np.arange(rows), np.where(keep, idx, 0)]
    if label_smoothing:
        loss *= 1 - label_smoothing
        loss += label_smoothing * (lse - shifted.mean(axis=1))
    loss[~keep] = 0
    return loss.astype(dtype, copy=False), probs


def softmax_cross_entropy_forward_numba(
    logits2d: np.ndarray, targets: np.ndarray, ignore_index: int = -100,
    label_smoothing: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """numba version of `softmax_cross_entropy_forward`: the softmax kernel, which also leaves
    each row's log-sum-exp, then the per-row losses in NumPy (O(rows) work)."""
    fn = "softmax_cross_entropy_forward"
    dtype, idx = _check_forward(fn, logits2d, targets, ignore_index, label_smoothing)
    rows, classes = logits2d.shape
    if classes == 0:
        return np.zeros(rows, dtype), np.empty((rows, 0), dtype)
    x = contiguous(logits2d, dtype)
    probs, lse = softmax_and_logsumexp(x)  # the softmax kernel
    keep = idx != ignore_index
    loss = lse - x[np.arange(rows), np.where(keep, idx, 0)]
    if label_smoothing:
        loss *= 1 - label_smoothing
        loss += label_smoothing * (lse - x.mean(axis=1))
    loss[~keep] = 0
    return loss, probs


def softmax_cross_entropy_forward(
    logits2d: np.ndarray, targets: np.ndarray, ignore_index: int = -100,
    label_smoothing: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-row cross-entropy of `softmax(logits2d)` against integer `targets`.

    Returns `(loss, probs)`: loss (rows,) with 0 where `targets == ignore_index`, and the
    softmax probabilities (rows, C) for `softmax_cross_entropy_backward`.

    >>> loss, probs = softmax_cross_entropy_forward(np.log(np.array([[1.0, 3.0]])), [1])
    >>> loss.round(6), probs
    (array([0.287682]), array([[0.25, 0.75]]))
    """
    impl = (
        softmax_cross_entropy_forward_numpy
        if _mode.using_reference()
        else softmax_cross_entropy_forward_numba
    )
    return impl(logits2d, targets, ignore_index, label_smoothing)


def _check_backward(fn, grad_loss, probs, targets, ignore_index, label_smoothing):
    dtype, idx = _check_forward(fn, probs, targets, ignore_index, label_smoothing)
    grad = np.asarray(grad_loss, dtype=dtype)  # the gradient takes the logits' dtype
    try:
        grad = np.broadcast_to(grad, probs.shape[:1])
    except ValueError:
        raise ValueError(
            f"{fn}: grad_loss of shape {np.shape(grad_loss)} does not match {probs.shape[0]} rows"
        ) from None
    return dtype, idx, grad


def softmax_cross_entropy_backward_numpy(
    grad_loss: np.ndarray, probs: np.ndarray, targets: np.ndarray, ignore_index: int = -100,
    label_smoothing: float = 0.0,
) -> np.ndarray:
    """NumPy twin of `softmax_cross_entropy_backward`."""
    fn = "softmax_cross_entropy_backward"
    dtype, idx, grad = _check_backward(fn, grad_loss, probs, targets, ignore_index,
                                       label_smoothing)
    rows, classes = probs.shape
    keep = idx != ignore_index
    g = np.where(keep, grad, 0).astype(dtype)[:, None]
    dx = np.subtract(probs, label_smoothing / max(classes, 1), dtype=dtype)
    dx[np.arange(rows)[keep], idx[keep]] -= 1 - label_smoothing
    dx *= g
    return dx


def softmax_cross_entropy_backward_numba(
    grad_loss: np.ndarray, probs: np.ndarray, targets: np.ndarray, ignore_index: int = -100,
    label_smoothing: float = 0.0,
) -> np.ndarray:
    """numba version of `softmax_cross_entropy_backward` (rows on threads)."""
    fn = "softmax_cross_entropy_backward"
    dtype, idx, grad = _check_backward(fn, grad_loss, probs, targets, ignore_index,
                                       label_smoothing)
    p = contiguous(probs, dtype)
    dx = np.empty_like(p)
    if p.size:
        off = dtype.type(label_smoothing / p.shape[1])
        hit = dtype.type(1.0 - label_smoothing)
        parallel_for(
            _cross_entropy_backward_kernel, p.shape[0], p.shape[1], contiguous(grad, dtype), p,
            idx, int(ignore_index), off, hit, dx,
        )
    return dx


def softmax_cross_entropy_backward(
    grad_loss: np.ndarray, probs: np.ndarray, targets: np.ndarray, ignore_index: int = -100,
    label_smoothing: float = 0.0,
) -> np.ndarray:
    """Gradient wrt the logits, given the gradient of each row's loss (shape (rows,), or a
    scalar for all rows) and the `probs` saved by the forward. Zero on ignored rows.

    >>> softmax_cross_entropy_backward(1.0, np.array([[0.25, 0.75]]), [1])
    array([[ 0.25, -0.25]])
    """
    impl = (
        softmax_cross_entropy_backward_numpy
        if _mode.using_reference()
        else softmax_cross_entropy_backward_numba
    )
    return impl(grad_loss, probs, targets, ignore_index, label_smoothing)
