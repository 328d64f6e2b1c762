"""Regression metrics: mean squared and absolute error, R2."""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Metric, _as_array, _one_off


def _check_same_shape(p: np.ndarray, t: np.ndarray, metric: str) -> None:
    if p.shape != t.shape:
        raise ValueError(
            f"{metric}: pred and target must have the same shape, got pred {p.shape} "
            f"and target {t.shape}"
        )


class _ElementwiseError(Metric):
    """Mean of ``_error(pred - target)`` over every element."""

    sum_states = ("total", "count")

    def reset(self) -> None:
        self.total = 0.0
        self.count = 0

    @staticmethod
    def _error(diff: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def update(self, pred: Any, target: Any) -> None:
        cls = type(self).__name__
        p = _as_array(pred, cls, "pred").astype(np.float64)
        t = _as_array(target, cls, "target").astype(np.float64)
        _check_same_shape(p, t, cls)
        self.total += float(np.sum(self._error(p - t)))
        self.count += p.size

    def compute(self) -> float:
        self._require_samples(self.count)
        return self.total / self.count


class MeanSquaredError(_ElementwiseError):
    """mean((pred - target)^2) over every element."""

    name = "mse"

    @staticmethod
    def _error(diff):
        return diff**2


class MeanAbsoluteError(_ElementwiseError):
    """mean(|pred - target|) over every element."""

    name = "mae"

    @staticmethod
    def _error(diff):
        return np.abs(diff)


class R2Score(Metric):
    """1 - SS_res / SS_tot, for targets of shape (N,) or (N, k) (outputs averaged).

    Constant targets follow sklearn's ``force_finite=True``: 1.0 if the
    predictions are perfect, else 0.0. Fewer than two samples is an error.
    """

    name = "r2"

    def reset(self) -> None:
        self.count = 0
        self.mean = self.m2 = self.sse = self.lo = self.hi = None

    def update(self, pred: Any, target: Any) -> None:
        p = _as_array(pred, "R2Score", "pred").astype(np.float64)
        t = _as_array(target, "R2Score", "target").astype(np.float64)
        _check_same_shape(p, t, "R2Score")
        if t.ndim not in (1, 2):
            raise ValueError(
                f"R2Score: expected pred/target of shape (N,) or (N, k), got {t.shape}"
            )
        if t.shape[0] == 0:
            return
        if self.mean is not None and t.shape[1:] != self.mean.shape:
            raise ValueError(f"R2Score: target shape {t.shape} does not match earlier outputs "
                             f"{self.mean.shape}")
        n_b, mean_b = t.shape[0], t.mean(axis=0)
        m2_b = np.sum((t - mean_b) ** 2, axis=0)
        sse_b = np.sum((p - t) ** 2, axis=0)
        if self.mean is None:
            self.count, self.mean, self.m2, self.sse = n_b, mean_b, m2_b, sse_b
            self.lo, self.hi = t.min(axis=0), t.max(axis=0)
            return
        # Chan et al.'s merge of (count, mean, sum of squared deviations).
        n = self.count + n_b
        delta = mean_b - self.mean
        self.m2 = self.m2 + m2_b + delta**2 * self.count * n_b / n
        self.mean = self.mean + delta * n_b / n
        self.count, self.sse = n, self.sse + sse_b
        self.lo, self.hi = np.minimum(self.lo, t.min(axis=0)), np.maximum(self.hi, t.max(axis=0))

    def compute(self) -> float:
        self._require_samples(self.count)
        if self.count < 2:
            raise ValueError("R2Score: needs at least 2 samples, got 1")
        constant = self.lo == self.hi  # exact, unlike testing m2 == 0
        safe_m2 = np.where(constant, 1.0, self.m2)
        r2 = np.where(constant, np.where(self.sse == 0, 1.0, 0.0), 1.0 - self.sse / safe_m2)
        return float(np.mean(r2))



def mean_squared_error(pred: Any, target: Any) -> float:
    """mean((pred - target)^2)."""
    return _one_off(MeanSquaredError(), pred, target)


def mean_absolute_error(pred: Any, target: Any) -> float:
    """mean(|pred - target|)."""
    return _one_off(MeanAbsoluteError(), pred, target)


def r2_score(pred: Any, target: Any) -> float:
    """Coefficient of determination; see :class:`R2Score`."""
    return _one_off(R2Score(), pred, target)
