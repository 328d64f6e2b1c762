"""Classification losses: ``cross_entropy`` (softmax and negative log-likelihood fused in one
Function on the kernels) and ``nll_loss`` (a composition on log-probabilities).

Class indices: per element ``l = w[y] * -log softmax(x)[y]``; with label smoothing e,
``l = (1 - e) * w[y] * -log p[y] + (e / C) * sum_c w[c] * -log p[c]``. Elements whose target is
``ignore_index`` count as 0, and ``reduction='mean'`` divides by the sum of ``w[y]`` over the
elements not ignored (PyTorch's weighted mean; NaN when nothing is left).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import kernels
from .._tensor import Tensor
from ..autograd.function import Function
from ._args import check_reduction, index_data, reduce, tensor_arg
from .nn_softmax import log_softmax


def _rows(x: np.ndarray) -> np.ndarray:
    """Logits (C,), (N, C) or (N, C, d1, ...) as a (rows, C) array, classes last."""
    if x.ndim == 1:
        return x[None]
    if x.ndim == 2:
        return x
    return np.moveaxis(x, 1, -1).reshape(-1, x.shape[1])


def _unrows(dx: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Inverse of ``_rows`` for a gradient."""
    if len(shape) == 1:
        return dx[0]
    if len(shape) == 2:
        return dx
    return np.moveaxis(dx.reshape((shape[0],) + shape[2:] + (shape[1],)), -1, 1)


class CrossEntropy(Function):
    name = "cross_entropy"
    once_differentiable = True  # the backward runs the kernel on arrays

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, smoothing, reduction):
        x2 = _rows(x)
        rows, classes = x2.shape
        t = target.reshape(-1)
        keep = t != ignore_index
        t_safe = np.where(keep, t, 0)
        if weight is not None:
            weight = weight.astype(x2.dtype, copy=False)
        if weight is None or smoothing == 0:
            loss, probs = kernels.softmax_cross_entropy_forward(x2, t, ignore_index, smoothing)
            row_w = keep.astype(loss.dtype) if weight is None else weight[t_safe] * keep
            if weight is not None:
                loss = loss * row_w
        else:  # class weights with smoothing: the kernel has no weights, so NumPy
            logp = kernels.log_softmax(x2)
            probs = np.exp(logp)
            row_w = weight[t_safe] * keep
            nll = -logp[np.arange(rows), t_safe]
            loss = ((1 - smoothing) * row_w * nll - (smoothing / classes) * (logp @ weight)) * keep
        ctx.save_for_backward(probs, target, row_w, keep)  # target: its Tensor is versioned
        ctx.weight, ctx.shape = weight, x.shape
        ctx.ignore_index, ctx.smoothing, ctx.reduction = ignore_index, smoothing, reduction
        if reduction == "none":
            return loss.reshape(target.shape)
        if reduction == "sum":
            return np.asarray(loss.sum())
        ctx.denom = row_w.sum()
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(loss.sum() / ctx.denom)  # 0 / 0 = NaN when all are ignored

    @staticmethod
    def backward(ctx, grad):
        probs, target, row_w, keep = ctx.saved_tensors
        t = target.reshape(-1)
        if ctx.reduction == "none":
            scale = grad.reshape(-1)
        elif ctx.reduction == "sum":
            scale = np.broadcast_to(grad, t.shape)
        else:
            scale = np.broadcast_to(grad / ctx.denom if ctx.denom else grad * 0, t.shape)
        e, w = ctx.smoothing, ctx.weight
        if w is None or e == 0:
            # d loss/dx = (softmax - (1 - e) onehot - e / C) * per-row scale (x w[y])
            if w is not None:
                scale = scale * row_w
            dx = kernels.softmax_cross_entropy_backward(scale, probs, t, ctx.ignore_index, e)
        else:
            dx = _weighted_smoothed_grad(scale * keep, probs, t * keep, row_w, w, e)
        return _unrows(dx, ctx.shape), None, None, None, None, None


def _weighted_smoothed_grad(a, probs, t, row_w, w, e):
    """d/dx of (1 - e) w[y] (lse - x[y]) + (e / C) sum_c w[c] (lse - x[c]), times a per row:
    p * ((1 - e) w[y] + e sum(w) / C) - (1 - e) w[y] onehot(y) - e w / C."""
    rows, classes = probs.shape
    dx = probs * (a * ((1 - e) * row_w + e * w.sum() / classes))[:, None]
    dx -= (e / classes) * a[:, None] * w
    dx[np.arange(rows), t] -= a * (1 - e) * row_w
    return dx


def _class_layout(x: Tensor, op: str) -> tuple[int, int, tuple[int, ...]]:
    """(class dim, number of classes, expected index-target shape) for logits ``x``."""
    if x.ndim == 0:
        raise ValueError(f"{op}: input must have a class dimension, got a 0-d tensor")
    if x.ndim == 1:
        return 0, x.shape[0], ()
    return 1, x.shape[1], x.shape[:1] + x.shape[2:]


def _check_targets(t: np.ndarray, want: tuple[int, ...], x: Tensor, ignore_index: int,
                   op: str) -> None:
    if t.shape != want:
        hint = ""
        if t.shape == x.shape:  # integer one-hot rows
            hint = ("; one-hot targets? pass class indices, target.argmax(dim=1), or "
                    "probabilities as a float tensor")
        raise ValueError(
            f"{op}: class-index target must have shape {want} for input of shape {x.shape}, "
            f"got {t.shape}{hint}"
        )
    classes = x.shape[0 if x.ndim == 1 else 1]
    bad = ((t < 0) | (t >= classes)) & (t != ignore_index)
    if bad.any():
        raise IndexError(
            f"{op}: target {int(t[bad].flat[0])} is out of range for {classes} classes "
            f"(valid: 0..{classes - 1}, or ignore_index={ignore_index})"
        )


def _class_weight(weight: Any, classes: int, op: str) -> np.ndarray | None:
    if weight is None:
        return None
    w = tensor_arg(weight, op, "weight")._array
    if w.shape != (classes,):
        raise ValueError(f"{op}: weight must have shape ({classes},), got {w.shape}")
    return w


def cross_entropy(
    input: Tensor, target: Any, weight: Any = None, ignore_index: int = -100,
    reduction: str = "mean", label_smoothing: float = 0.0,
) -> Tensor:
    """Cross-entropy between logits ``input`` (C,), (N, C) or (N, C, d1, ...) and ``target``:
    class indices (shape without C) or class probabilities (input's shape).

    >>> import minigrad as mg, minigrad.nn.functional as F
    >>> logits = mg.tensor([[2.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    >>> round(F.cross_entropy(logits, mg.tensor([0, 2])).item(), 4)   # (0.2395 + 1.0986) / 2
    0.6691
    """
    op = "cross_entropy"
    x = tensor_arg(input, op)
    check_reduction(reduction, op)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{op}: label_smoothing must be in [0, 1], got {label_smoothing}")
    class_dim, classes, want = _class_layout(x, op)
    w = _class_weight(weight, classes, op)
    is_probs = (isinstance(target, Tensor) and target.dtype.kind == "f") or (
        not isinstance(target, Tensor) and np.asarray(target).dtype.kind == "f"
    )
    if is_probs and np.shape(target) == want:
        # the shape of class indices with a float dtype: labels stored as floats
        raise TypeError(
            f"{op}: target looks like class indices (shape {want}) but has a floating dtype; "
            "class indices must be integers: pass target.long() (or an int64 array). "
            f"A float target must hold class probabilities of the input's shape {x.shape}."
        )
    if is_probs:
        return _cross_entropy_probs(x, tensor_arg(target, op, "target"), w, class_dim,
                                    reduction, label_smoothing)
    t = index_data(target, op)
    _check_targets(t, want, x, ignore_index, op)
    if isinstance(target, Tensor) and t.dtype == np.int64:
        t = target  # the Tensor itself, so that its version is checked in backward
    else:
        t = t.astype(np.int64)  # a copy (or an array the caller does not hold as a Tensor)
    return CrossEntropy.apply(x, t, w, int(ignore_index), float(label_smoothing), reduction)


def _cross_entropy_probs(x, target, w, class_dim, reduction, smoothing):
    """-sum_c w[c] t[c] log softmax(x)[c], with t smoothed to (1 - e) t + e / C."""
    if target.shape != x.shape:
        raise ValueError(
            f"cross_entropy: probability target must have the input's shape {x.shape}, "
            f"got {target.shape}"
        )
    classes = x.shape[class_dim]
    if smoothing:
        target = target * (1 - smoothing) + smoothing / classes
    prod = target * log_softmax(x, class_dim)
    if w is not None:
        bshape = (classes,) + (1,) * (x.ndim - class_dim - 1)
        prod = prod * Tensor._make(w.astype(x.dtype, copy=False).reshape(bshape), False, None)
    return reduce(-prod.sum(class_dim), reduction)


def nll_loss(
    input: Tensor, target: Any, weight: Any = None, ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of log-probabilities ``input`` (C,), (N, C) or (N, C, d1, ...):
    ``-w[y] * input[y]`` per element; the mean divides by the sum of ``w[y]`` not ignored.

    >>> import minigrad as mg, minigrad.nn.functional as F
    >>> logp = mg.tensor([[-0.5, -1.0], [-2.0, -0.1]])
    >>> F.nll_loss(logp, mg.tensor([1, 0]), reduction="none")
    tensor([1., 2.])
    """
    op = "nll_loss"
    x = tensor_arg(input, op)
    check_reduction(reduction, op)
    class_dim, classes, want = _class_layout(x, op)
    w = _class_weight(weight, classes, op)
    t = index_data(target, op)
    _check_targets(t, want, x, ignore_index, op)
    if x.ndim == 1:
        x2 = x.reshape(1, classes)
    elif x.ndim == 2:
        x2 = x
    else:
        x2 = x.permute(0, *range(2, x.ndim), 1).reshape(-1, classes)
    flat = t.reshape(-1)
    keep = flat != ignore_index
    t_safe = np.where(keep, flat, 0)
    row_w = (keep if w is None else w[t_safe] * keep).astype(x.dtype)
    picked = x2[np.arange(flat.shape[0]), t_safe]
    loss = -(picked * Tensor._make(row_w, False, None))
    if reduction == "none":
        return loss.reshape(t.shape)
    if reduction == "sum":
        return loss.sum()
    denom = float(row_w.sum())
    if denom == 0:  # nothing left to average: NaN, like PyTorch, with zero gradients
        return loss.sum() * 0.0 + float("nan")
    return loss.sum() / denom
