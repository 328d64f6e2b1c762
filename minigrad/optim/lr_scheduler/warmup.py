"""Warmup then cosine decay: the schedule of most fine-tuning recipes.

``WarmupCosineLR`` is the scheduler class; ``get_cosine_schedule_with_warmup`` is Hugging
Face's function of the same shape (a ``LambdaLR``), for code written against ``transformers``.
"""

from __future__ import annotations

import functools
import math

from ..optimizer import Optimizer
from .base import LRScheduler, check_int, check_optimizer, per_group
from .schedules import LambdaLR


class WarmupCosineLR(LRScheduler):
    """Linear warmup for ``warmup_steps`` steps, then a half cosine down to ``min_lr`` at
    ``total_steps``, then ``min_lr``. With s = warmup_start_factor, w = warmup_steps,
    T = total_steps, at step t::

        t < w:   lr = base_lr * (s + (1 - s) * t / w)
        t >= w:  q = min(1, (t - w) / max(1, T - w))
                 lr = min_lr + (base_lr - min_lr) * (1 + cos(pi * q)) / 2

    Step it once per batch. ``min_lr`` is an absolute lr (or one per param group).

    >>> import minigrad as mg
    >>> from minigrad.optim import AdamW
    >>> opt = AdamW([mg.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = WarmupCosineLR(opt, warmup_steps=2, total_steps=4)
    >>> lrs = [sched.get_last_lr()[0]]
    >>> for _ in range(5):
    ...     sched.step()
    ...     lrs.append(sched.get_last_lr()[0])
    >>> [round(lr, 4) for lr in lrs]
    [0.0, 0.5, 1.0, 0.5, 0.0, 0.0]
    """

    interval = "batch"  # counted in optimizer steps

    def __init__(self, optimizer: Optimizer, warmup_steps: int, total_steps: int,
                 min_lr: float | list[float] = 0.0, warmup_start_factor: float = 0.0,
                 last_epoch: int = -1) -> None:
        fn = "WarmupCosineLR"
        check_optimizer(optimizer, fn)
        self.warmup_steps = check_int(fn, "warmup_steps", warmup_steps, 0)
        self.total_steps = check_int(fn, "total_steps", total_steps, 1)
        if warmup_steps > total_steps:
            raise ValueError(f"{fn}: warmup_steps ({warmup_steps}) must not exceed total_steps "
                             f"({total_steps})")
        if not 0 <= warmup_start_factor <= 1:
            raise ValueError(f"{fn}: warmup_start_factor must be in [0, 1], got "
                             f"{warmup_start_factor}")
        self.warmup_start_factor = warmup_start_factor
        self.min_lrs = per_group(min_lr, optimizer, "min_lr", fn)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        t, w = self.last_epoch, self.warmup_steps
        if t < w:
            s = self.warmup_start_factor
            return [base * (s + (1 - s) * t / w) for base in self.base_lrs]
        progress = min(1.0, (t - w) / max(1, self.total_steps - w))
        cosine = (1 + math.cos(math.pi * progress)) / 2
        return [low + (base - low) * cosine for base, low in zip(self.base_lrs, self.min_lrs)]


def get_cosine_schedule_with_warmup(optimizer: Optimizer, num_warmup_steps: int,
                                    num_training_steps: int, num_cycles: float = 0.5,
                                    last_epoch: int = -1) -> LambdaLR:
    """Hugging Face's cosine schedule with linear warmup, as a `LambdaLR`. Factor at step t::

        t < w:   t / max(1, w)
        t >= w:  max(0, (1 + cos(2 * pi * num_cycles * (t - w) / max(1, T - w))) / 2)

    with w = num_warmup_steps, T = num_training_steps; ``num_cycles=0.5`` is one half cosine
    from the lr down to 0.
    """
    fn = "get_cosine_schedule_with_warmup"
    check_int(fn, "num_warmup_steps", num_warmup_steps, 0)
    check_int(fn, "num_training_steps", num_training_steps, 0)
    factor = functools.partial(_cosine_with_warmup, warmup=num_warmup_steps,
                               total=num_training_steps, cycles=num_cycles)
    scheduler = LambdaLR(optimizer, factor, last_epoch)
    scheduler.interval = "batch"  # counted in optimizer steps, unlike a plain LambdaLR
    return scheduler


def _cosine_with_warmup(t: int, *, warmup: int, total: int, cycles: float) -> float:
    if t < warmup:
        return t / max(1, warmup)
    progress = (t - warmup) / max(1, total - warmup)
    return max(0.0, 0.5 * (1.0 + math.cos(math.pi * cycles * 2.0 * progress)))
