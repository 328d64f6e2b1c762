"""Loss modules: each stores its options and calls the matching ``F.*`` function.

``reduction`` is "mean" (default), "sum" or "none" (one loss per element/sample).
"""

from __future__ import annotations

from typing import Any

from ..._tensor import Tensor
from .. import functional as F
from .module import Module

_REDUCTIONS = ("none", "mean", "sum")


class _Loss(Module):
    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in _REDUCTIONS:
            raise ValueError(
                f"{type(self).__name__}: reduction must be one of 'none', 'mean', 'sum', "
                f"got {reduction!r}"
            )
        self.reduction = reduction


class _WeightedLoss(_Loss):
    def __init__(self, weight: Tensor | None = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        if weight is not None and not isinstance(weight, Tensor):
            raise TypeError(f"{type(self).__name__}: weight must be a Tensor or None, got "
                            f"{type(weight).__name__}")
        self.register_buffer("weight", weight)


class MSELoss(_Loss):
    """Mean squared error ``(input - target)^2``.

    >>> import minigrad as mg
    >>> import minigrad.nn as nn
    >>> nn.MSELoss()(mg.tensor([1.0, 2.0]), mg.tensor([0.0, 4.0]))
    tensor(2.5)
    """

    def __init__(self, *, reduction: str = "mean") -> None:
        super().__init__(reduction)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error ``|input - target|``."""

    def __init__(self, *, reduction: str = "mean") -> None:
        super().__init__(reduction)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.l1_loss(input, target, reduction=self.reduction)


class HuberLoss(_Loss):
    """Squared error ``0.5 r^2`` for ``|r| <= delta``, linear ``delta (|r| - delta/2)``
    beyond: robust to outliers."""

    def __init__(self, *, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        if delta <= 0:
            raise ValueError(f"HuberLoss: delta must be positive, got {delta}")
        self.delta = delta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class SmoothL1Loss(_Loss):
    """``0.5 r^2 / beta`` for ``|r| < beta``, ``|r| - beta/2`` beyond (Huber / beta)."""

    def __init__(self, *, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction)
        if beta < 0:
            raise ValueError(f"SmoothL1Loss: beta must be >= 0, got {beta}")
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class CrossEntropyLoss(_WeightedLoss):
    """Softmax cross-entropy between logits ``(N, C)`` (or ``(N, C, d...)``) and class ids
    ``(N,)`` or class probabilities; ``weight`` rescales classes, targets equal to
    ``ignore_index`` are skipped, ``label_smoothing`` mixes in the uniform distribution.

    >>> import minigrad as mg
    >>> import minigrad.nn as nn
    >>> loss = nn.CrossEntropyLoss()(mg.zeros(2, 4), mg.tensor([1, 3]))
    >>> round(loss.item(), 4)      # log(4)
    1.3863
    """

    def __init__(self, weight: Tensor | None = None, *, ignore_index: int = -100,
                 reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(weight, reduction)
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(f"CrossEntropyLoss: label_smoothing must be in [0, 1], got "
                             f"{label_smoothing}")
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of log-probabilities ``(N, C)`` at class ids ``(N,)``
    (pair with ``LogSoftmax``; ``CrossEntropyLoss`` fuses both)."""

    def __init__(self, weight: Tensor | None = None, *, ignore_index: int = -100,
                 reduction: str = "mean") -> None:
        super().__init__(weight, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy of probabilities in [0, 1] (use ``BCEWithLogitsLoss`` on raw
    scores: it is numerically safer)."""

    def __init__(self, weight: Tensor | None = None, *, reduction: str = "mean") -> None:
        super().__init__(weight, reduction)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy(input, target, weight=self.weight,
                                      reduction=self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """Sigmoid + binary cross-entropy in one stable step; ``pos_weight`` (one per class)
    scales the loss of positive targets.

    >>> import minigrad as mg
    >>> import minigrad.nn as nn
    >>> round(nn.BCEWithLogitsLoss()(mg.zeros(3), mg.ones(3)).item(), 4)   # log(2)
    0.6931
    """

    def __init__(self, weight: Tensor | None = None, *, reduction: str = "mean",
                 pos_weight: Tensor | None = None) -> None:
        super().__init__(weight, reduction)
        if pos_weight is not None and not isinstance(pos_weight, Tensor):
            raise TypeError(f"BCEWithLogitsLoss: pos_weight must be a Tensor or None, got "
                            f"{type(pos_weight).__name__}")
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy_with_logits(input, target, weight=self.weight,
                                                  reduction=self.reduction,
                                                  pos_weight=self.pos_weight)



class KLDivLoss(Module):
    """The Kullback-Leibler divergence of ``input`` (log-probabilities) from ``target``
    (``F.kl_div``). ``reduction`` is "mean" (PyTorch's default: over all elements),
    "batchmean" (the true KL divergence per sample), "sum" or "none"; ``log_target=True``
    takes ``target`` as log-probabilities.

    >>> import minigrad as mg
    >>> import minigrad.nn as nn
    >>> p = mg.tensor([[0.5, 0.5]]); q = mg.tensor([[0.25, 0.75]])
    >>> nn.KLDivLoss(reduction="batchmean")(q.log(), p)
    tensor(0.1438)
    """

    def __init__(self, size_average: Any = None, reduce: Any = None, reduction: str = "mean",
                 log_target: bool = False) -> None:
        super().__init__()
        if size_average is not None or reduce is not None:
            raise TypeError("KLDivLoss: size_average and reduce are deprecated in PyTorch and "
                            "not supported; use reduction=")
        if reduction not in ("none", "batchmean", "sum", "mean"):
            raise ValueError(f"KLDivLoss: reduction must be one of 'none', 'batchmean', "
                             f"'sum', 'mean', got {reduction!r}")
        self.reduction = reduction
        self.log_target = log_target

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)
