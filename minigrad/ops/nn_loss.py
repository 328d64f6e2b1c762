"""Regression and binary losses: mse, l1, huber, smooth_l1, binary cross-entropy (on
probabilities and on logits).

All but ``binary_cross_entropy`` are compositions of core ops, so they differentiate in
every input (target and weight included) and twice. ``reduction`` is 'mean' (default),
'sum' or 'none'.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ._args import check_reduction, optional_tensor, reduce, tensor_arg
from .activation import softplus
from .pointwise import clamp


def _pair(input: Any, target: Any, op: str, same_shape: bool = False) -> tuple[Tensor, Tensor]:
    """Checked (input, target); a shape mismatch warns (it broadcasts) or, with
    ``same_shape``, raises, as in PyTorch."""
    x = tensor_arg(input, op)
    t = tensor_arg(target, op, "target")
    if x.shape != t.shape:
        if same_shape:
            raise ValueError(f"{op}: target shape {t.shape} must match input shape {x.shape}")
        try:
            np.broadcast_shapes(x.shape, t.shape)
        except ValueError:
            raise ValueError(
                f"{op}: target shape {t.shape} does not broadcast with input shape {x.shape}"
            ) from None
        warnings.warn(
            f"{op}: target shape {t.shape} differs from input shape {x.shape}; they will "
            "broadcast, which is likely not what you want",
            UserWarning,
            stacklevel=3,
        )
    return x, t


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Mean squared error: (x - y)^2 per element, then ``reduction``.

    >>> import minigrad as mg, minigrad.nn.functional as F
    >>> F.mse_loss(mg.tensor([1.0, 2.0]), mg.tensor([0.0, 4.0]))   # (1 + 4) / 2
    tensor(2.5)
    """
    check_reduction(reduction, "mse_loss")
    x, t = _pair(input, target, "mse_loss")
    d = x - t
    return reduce(d * d, reduction)


def l1_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Mean absolute error: |x - y| per element, then ``reduction``."""
    check_reduction(reduction, "l1_loss")
    x, t = _pair(input, target, "l1_loss")
    return reduce((x - t).abs(), reduction)


def _huber(x: Tensor, t: Tensor, delta: float) -> Tensor:
    # With a = |x - y| and q = min(a, delta): 0.5 q^2 + delta (a - q) is 0.5 a^2 below delta
    # and delta (a - delta / 2) above, with no branch to differentiate through.
    a = (x - t).abs()
    q = clamp(a, max=delta)
    return q * q * 0.5 + (a - q) * delta


def huber_loss(input: Tensor, target: Any, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """0.5 (x - y)^2 where |x - y| < delta, else delta (|x - y| - delta / 2)."""
    check_reduction(reduction, "huber_loss")
    if not delta > 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    x, t = _pair(input, target, "huber_loss")
    return reduce(_huber(x, t, float(delta)), reduction)


def smooth_l1_loss(
    input: Tensor, target: Any, reduction: str = "mean", beta: float = 1.0
) -> Tensor:
    """0.5 (x - y)^2 / beta where |x - y| < beta, else |x - y| - beta / 2 (huber / beta);
    ``beta=0`` is the L1 loss."""
    check_reduction(reduction, "smooth_l1_loss")
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    if beta == 0:
        return l1_loss(input, target, reduction)
    x, t = _pair(input, target, "smooth_l1_loss")
    return reduce(_huber(x, t, float(beta)) * (1.0 / beta), reduction)


def _clamped_logs(x: Any, xp: Any = np) -> tuple[Any, Any]:
    """log(x) and log(1 - x), each clamped at -100 as PyTorch does (no -inf at 0 or 1)."""
    with np.errstate(divide="ignore"):
        return xp.maximum(xp.log(x), -100.0), xp.maximum(xp.log(1 - x), -100.0)


class BinaryCrossEntropy(Function):
    name = "binary_cross_entropy"

    @staticmethod
    def forward(ctx, x, t):
        ctx.save_for_backward(x, t)
        log_x, log_1mx = _clamped_logs(x)
        return -(t * log_x + (1 - t) * log_1mx)

    @staticmethod
    def backward(ctx, grad):
        x, t = ctx.saved_tensors
        dx = dt = None
        if ctx.needs_input_grad[0]:
            # d/dx = (x - y) / (x (1 - x)), the denominator kept >= 1e-12 like PyTorch
            dx = grad * (x - t) / ctx.xp.maximum(x * (1 - x), 1e-12)
        if ctx.needs_input_grad[1]:
            log_x, log_1mx = _clamped_logs(x, ctx.xp)
            dt = grad * (log_1mx - log_x)  # d/dy = log(1 - x) - log(x)
        return dx, dt


def binary_cross_entropy(
    input: Tensor, target: Any, weight: Any = None, reduction: str = "mean"
) -> Tensor:
    """-w (y log x + (1 - y) log(1 - x)) for probabilities x in [0, 1]; the logs are clamped
    at -100, so x = 0 or 1 gives a finite loss.

    >>> import minigrad as mg, minigrad.nn.functional as F
    >>> F.binary_cross_entropy(mg.tensor([0.5, 1.0]), mg.tensor([1.0, 0.0]), reduction="none")
    tensor([  0.6931, 100.    ])
    """
    op = "binary_cross_entropy"
    check_reduction(reduction, op)
    x, t = _pair(input, target, op, same_shape=True)
    if x._array.size and (x._array.min() < 0 or x._array.max() > 1):
        raise ValueError(
            f"{op}: all elements of input must be between 0 and 1, got values in "
            f"[{x._array.min():g}, {x._array.max():g}] (pass logits to "
            "binary_cross_entropy_with_logits)"
        )
    loss = BinaryCrossEntropy.apply(x, t)
    w = optional_tensor(weight, op, "weight")
    return reduce(loss if w is None else loss * w, reduction)


def binary_cross_entropy_with_logits(
    input: Tensor, target: Any, weight: Any = None, reduction: str = "mean",
    pos_weight: Any = None,
) -> Tensor:
    """Binary cross-entropy of sigmoid(x), in the stable form
    (1 - y) x + (1 + (pw - 1) y) softplus(-x), times ``weight``; ``pos_weight`` (pw)
    weighs the positive term and broadcasts along the last dim.

    >>> import minigrad as mg, minigrad.nn.functional as F
    >>> round(F.binary_cross_entropy_with_logits(mg.tensor([0.0]), mg.tensor([1.0])).item(), 4)
    0.6931
    """
    op = "binary_cross_entropy_with_logits"
    check_reduction(reduction, op)
    x, t = _pair(input, target, op, same_shape=True)
    pw = optional_tensor(pos_weight, op, "pos_weight")
    # -log sigmoid(x) = softplus(-x) and -log(1 - sigmoid(x)) = x + softplus(-x)
    log_weight = 1 if pw is None else (pw - 1) * t + 1
    loss = (1 - t) * x + softplus(-x) * log_weight
    w = optional_tensor(weight, op, "weight")
    return reduce(loss if w is None else loss * w, reduction)
