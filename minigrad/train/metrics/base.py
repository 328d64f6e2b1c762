"""The Metric base class, input helpers, and the running Mean."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad._tensor import Tensor

_AVERAGES = ("macro", "micro", "weighted", None)


def _as_array(x: Any, metric: str, arg: str) -> np.ndarray:
    arr = x.numpy(force=True) if isinstance(x, Tensor) else np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{metric}: {arg} must be numeric, got dtype {arr.dtype}")
    return arr


def _as_labels(arr: np.ndarray, metric: str, arg: str) -> np.ndarray:
    """Integer class ids from an int/bool array or a float array of whole numbers."""
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr) & (arr == np.round(arr))):
        raise ValueError(f"{metric}: {arg} must hold integer class ids, got non-integer floats")
    return arr.astype(np.int64)


def _check_range(labels: np.ndarray, num_classes: int, metric: str, arg: str) -> None:
    if labels.size == 0:
        return
    lo, hi = int(labels.min()), int(labels.max())
    if lo < 0:
        raise ValueError(f"{metric}: {arg} has negative class id {lo}")
    if hi >= num_classes:
        raise ValueError(
            f"{metric}: {arg} has class id {hi}, too large for num_classes={num_classes}"
        )


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # overflow-free form of 1 / (1 + exp(-x))


def _binary_ids(pred, target, metric, threshold, from_logits):
    """(pred_ids, target_ids) in {0, 1} from probabilities (or logits) and 0/1 targets."""
    p = _as_array(pred, metric, "pred").astype(np.float64)
    t = _as_array(target, metric, "target")
    if p.shape != t.shape:
        raise ValueError(
            f"{metric}: binary task needs pred and target of the same shape, got pred "
            f"{p.shape} and target {t.shape} (use task='multiclass' for (N, C) scores)"
        )
    if from_logits:
        p = _sigmoid(p)
    elif p.size and (np.nanmin(p) < 0.0 or np.nanmax(p) > 1.0):
        raise ValueError(
            f"{metric}: binary pred must be probabilities in [0, 1]; "
            "pass from_logits=True for raw scores"
        )
    t = _as_labels(t, metric, "target").reshape(-1)
    if t.size and (t.min() < 0 or t.max() > 1):
        raise ValueError(
            f"{metric}: binary target must be 0 or 1, got values in [{t.min()}, {t.max()}]"
        )
    return (p.reshape(-1) >= threshold).astype(np.int64), t


def _split_multiclass(pred, target, metric):
    """Return (scores (M, C) or None, pred_ids (M,) or None, target_ids (M,))."""
    p = _as_array(pred, metric, "pred")
    t = _as_array(target, metric, "target")
    if t.ndim == 0:
        raise ValueError(f"{metric}: target must have at least 1 dimension, got a scalar")
    t_ids = _as_labels(t, metric, "target").reshape(-1)
    if p.ndim == t.ndim + 1 and p.shape[:-1] == t.shape:
        return p.reshape(-1, p.shape[-1]).astype(np.float64), None, t_ids
    if p.shape == t.shape:
        return None, _as_labels(p, metric, "pred").reshape(-1), t_ids
    raise ValueError(
        f"{metric}: pred must have the target's shape (class ids) or target shape + (C,) "
        f"(scores); got pred {p.shape} and target {t.shape}"
    )


class Metric:
    """Base class: subclasses implement ``update``, ``compute`` and ``reset``.

    ``sum_states`` names the attributes (numbers or arrays) whose sums over several
    metric objects give the metric over all their samples; distributed training adds
    them up across ranks. None: the metric cannot be combined that way.
    """

    name = "metric"
    sum_states: tuple[str, ...] | None = None

    def __init__(self, name: str | None = None) -> None:
        if name is not None:
            self.name = name
        self.reset()

    def update(self, pred: Any, target: Any) -> None:
        raise NotImplementedError

    def compute(self) -> Any:
        raise NotImplementedError

    def reset(self) -> None:
        raise NotImplementedError

    def _require_samples(self, count: float) -> None:
        if count <= 0:
            raise ValueError(f"{self.name}: compute() called before any update (no samples)")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"



class Mean(Metric):
    """Running (weighted) mean of scalars, e.g. the loss.

    >>> m = Mean("loss")
    >>> m.update(2.0, weight=3); m.update(4.0)
    >>> m.compute()
    2.5
    """

    name = "mean"
    sum_states = ("total", "weight")

    def reset(self) -> None:
        self.total = 0.0
        self.weight = 0.0

    def update(self, value: Any, weight: float = 1.0) -> None:
        v = _as_array(value, "Mean", "value").astype(np.float64)
        if weight < 0:
            raise ValueError(f"Mean: weight must be >= 0, got {weight}")
        self.total += float(np.sum(v)) * weight
        self.weight += v.size * weight

    def compute(self) -> float:
        self._require_samples(self.weight)
        return self.total / self.weight


def _one_off(metric: Metric, pred: Any, target: Any) -> Any:
    metric.update(pred, target)
    return metric.compute()
