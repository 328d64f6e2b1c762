"""When the Trainer steps an lr scheduler: per optimizer step ("batch") or per epoch."""

from __future__ import annotations

from typing import Any

_PER_BATCH_SCHEDULERS = ("OneCycleLR", "WarmupCosineLR", "CyclicLR")
_METRIC_SCHEDULERS = ("ReduceLROnPlateau",)


def _class_names(obj: Any) -> set[str]:
    return {cls.__name__ for cls in type(obj).__mro__}


def resolve_scheduler_interval(scheduler: Any, requested: str | None) -> str | None:
    """When to call ``scheduler.step()``: ``"batch"``, ``"epoch"`` (or None without one).

    The rule: an explicit ``requested`` value wins; then a ``scheduler.interval``
    attribute of ``"batch"``/``"epoch"``; then OneCycleLR, WarmupCosineLR, CyclicLR
    step per batch (they count optimizer steps; ``get_cosine_schedule_with_warmup``
    marks its LambdaLR with ``interval = "batch"``), every other scheduler per epoch
    (ReduceLROnPlateau with ``val_loss``, or ``loss`` without validation data).
    """
    if requested not in (None, "batch", "epoch"):
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
    declared = getattr(scheduler, "interval", None)
    if declared in ("batch", "epoch"):
        return declared
    if _class_names(scheduler) & set(_PER_BATCH_SCHEDULERS):
        return "batch"
    return "epoch"


def step_per_epoch(scheduler: Any, logs: dict[str, float]) -> None:
    """One epoch-end step; a ReduceLROnPlateau gets ``val_loss`` (``loss`` without one)."""
    if _class_names(scheduler) & set(_METRIC_SCHEDULERS):
        scheduler.step(logs["val_loss"] if "val_loss" in logs else logs["loss"])
    else:
        scheduler.step()
