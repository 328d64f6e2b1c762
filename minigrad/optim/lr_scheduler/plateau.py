"""``ReduceLROnPlateau``: cut the lr when a watched metric stops improving."""

from __future__ import annotations

import math
from typing import Any

from ...autograd.tracing import host
from ..optimizer import Optimizer
from .base import LRScheduler, check_int, check_optimizer, per_group


class ReduceLROnPlateau(LRScheduler):
    """Multiply every lr by ``factor`` after more than ``patience`` steps without improvement.

    ``step(metric)`` takes the value to watch (a validation loss, say), usually once per
    epoch. A value improves on the best so far when, for ``mode="min"``::

        rel: metric < best * (1 - threshold)        abs: metric < best - threshold

    (``mode="max"``: ``metric > best * (1 + threshold)`` / ``metric > best + threshold``).
    After a cut, ``cooldown`` steps pass during which bad steps are not counted. An lr
    never goes below ``min_lr``, and changes smaller than ``eps`` are skipped.

    >>> import minigrad as mg
    >>> from minigrad.optim import SGD
    >>> opt = SGD([mg.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = ReduceLROnPlateau(opt, factor=0.5, patience=1)
    >>> for loss in [3.0, 2.0, 2.0, 2.0]:
    ...     sched.step(loss)
    >>> sched.get_last_lr()   # two steps without improvement > patience 1: one cut
    [0.5]
    """

    needs_metric = True  # step(metric): the Trainer passes val_loss (or loss)

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1,
                 patience: int = 10, threshold: float = 1e-4, threshold_mode: str = "rel",
                 cooldown: int = 0, min_lr: float | list[float] = 0, eps: float = 1e-8) -> None:
        fn = "ReduceLROnPlateau"
        self.optimizer = check_optimizer(optimizer, fn)
        if not factor < 1.0:
            raise ValueError(f"{fn}: factor should be < 1.0, got {factor}")
        if mode not in ("min", "max"):
            raise ValueError(f"{fn}: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"{fn}: threshold_mode must be 'rel' or 'abs', got "
                             f"{threshold_mode!r}")
        self.factor = factor
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode
        self.patience = check_int(fn, "patience", patience, 0)
        self.cooldown = check_int(fn, "cooldown", cooldown, 0)
        self.min_lrs = per_group(min_lr, optimizer, "min_lr", fn)
        self.eps = eps
        self.last_epoch = 0
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    @host  # mg.compile re-runs it on replay
    def step(self, metrics: Any) -> None:  # type: ignore[override]
        """Record one value of the watched metric (a number or a one-element Tensor)."""
        current = float(metrics)
        self.last_epoch += 1
        if self._is_better(current):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs in cooldown don't count
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def _is_better(self, current: float) -> bool:
        best = self.best
        if self.mode == "min":
            if self.threshold_mode == "rel":
                return current < best * (1.0 - self.threshold)
            return current < best - self.threshold
        if self.threshold_mode == "rel":
            return current > best * (1.0 + self.threshold)
        return current > best + self.threshold

    def _reduce_lr(self) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            raise ValueError(f"ReduceLROnPlateau: the optimizer has {len(groups)} param groups "
                             f"but min_lr has {len(self.min_lrs)} values; update min_lrs after "
                             "add_param_group")
        for group, min_lr in zip(groups, self.min_lrs):
            old = float(group["lr"])
            new = max(old * self.factor, min_lr)
            if old - new > self.eps:
                group["lr"] = new
