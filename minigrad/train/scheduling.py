"""When the Trainer steps an lr scheduler: per optimizer step ("batch") or per epoch.

Each scheduler says it itself (see ``minigrad.optim.lr_scheduler.LRScheduler``):
``interval`` is "batch" or "epoch", and ``needs_metric`` marks a scheduler whose
``step`` takes the monitored value.
"""

from __future__ import annotations

from typing import Any

INTERVALS = ("batch", "epoch")


def resolve_scheduler_interval(scheduler: Any, requested: str | None) -> str | None:
    """When to call ``scheduler.step()``: ``"batch"``, ``"epoch"`` (or None without one).

    An explicit ``requested`` value wins; otherwise the scheduler's declared
    ``interval`` attribute (OneCycleLR, WarmupCosineLR and the LambdaLR of
    ``get_cosine_schedule_with_warmup`` say "batch", every other minigrad scheduler
    "epoch"); a scheduler without one is stepped per epoch.
    """
    if requested not in (None, *INTERVALS):
        raise ValueError(f"Trainer: scheduler_interval must be 'batch', 'epoch' or None, "
                         f"got {requested!r}")
    if scheduler is None:
        if requested is not None:
            raise ValueError("Trainer: scheduler_interval given without a scheduler")
        return None
    if not callable(getattr(scheduler, "step", None)):
        raise TypeError(f"Trainer: scheduler must have a step() method, "
                        f"got {type(scheduler).__name__}")
    if requested is not None:
        return requested
    declared = getattr(scheduler, "interval", "epoch")
    if declared not in INTERVALS:
        raise ValueError(f"Trainer: {type(scheduler).__name__}.interval must be 'batch' or "
                         f"'epoch', got {declared!r}")
    return declared


def step_per_epoch(scheduler: Any, logs: dict[str, float]) -> None:
    """One epoch-end step; a scheduler that ``needs_metric`` gets ``val_loss`` (``loss``
    without validation data)."""
    if getattr(scheduler, "needs_metric", False):
        scheduler.step(logs["val_loss"] if "val_loss" in logs else logs["loss"])
    else:
        scheduler.step()
