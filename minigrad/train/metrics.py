"""Stateful metrics that accumulate sufficient statistics over batches.

Every metric has ``update(pred, target)``, ``compute()``, ``reset()`` and a
``name`` used as its log key. Inputs may be minigrad Tensors or array-likes;
all arithmetic is float64 NumPy. Counts and sums are accumulated, so the value
over many batches equals the value over their concatenation.

>>> m = Accuracy()
>>> m.update([[2.0, 0.1], [0.3, 0.9]], [0, 0])
>>> m.update([[0.0, 1.0]], [1])
>>> round(m.compute(), 4)
0.6667
"""

from __future__ import annotations

from typing import Any

import numpy as np

_AVERAGES = ("macro", "micro", "weighted", None)


def _as_array(x: Any, metric: str, arg: str) -> np.ndarray:
    if hasattr(x, "data") and isinstance(x.data, np.ndarray):
        x = x.data
    arr = np.asarray(x)
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
    """Base class: subclasses implement ``update``, ``compute`` and ``reset``."""

    name = "metric"

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


class Accuracy(Metric):
    """Fraction of correct predictions.

    ``task="multiclass"``: pred is scores/logits/probabilities of shape
    target.shape + (C,) (argmax, or target in the ``top_k`` highest), or class
    ids of the target's shape. ``task="binary"``: pred is probabilities in
    [0, 1] (or logits with ``from_logits=True``) of the target's shape,
    thresholded at ``threshold``.
    """

    name = "accuracy"

    def __init__(self, task: str = "multiclass", threshold: float = 0.5, top_k: int = 1,
                 from_logits: bool = False, num_classes: int | None = None,
                 name: str | None = None) -> None:
        if task not in ("multiclass", "binary"):
            raise ValueError(f"Accuracy: task must be 'multiclass' or 'binary', got {task!r}")
        if not isinstance(top_k, int) or top_k < 1:
            raise ValueError(f"Accuracy: top_k must be a positive int, got {top_k!r}")
        if task == "binary" and top_k != 1:
            raise ValueError("Accuracy: top_k > 1 needs task='multiclass'")
        self.task, self.threshold, self.top_k = task, float(threshold), top_k
        self.from_logits, self.num_classes = from_logits, num_classes
        if name is None and top_k > 1:
            name = f"top_{top_k}_accuracy"
        super().__init__(name)

    def reset(self) -> None:
        self.correct = 0
        self.total = 0

    def update(self, pred: Any, target: Any) -> None:
        if self.task == "binary":
            p_ids, t_ids = _binary_ids(pred, target, "Accuracy", self.threshold, self.from_logits)
            self.correct += int(np.sum(p_ids == t_ids))
            self.total += t_ids.size
            return
        scores, p_ids, t_ids = _split_multiclass(pred, target, "Accuracy")
        c = scores.shape[1] if scores is not None else self.num_classes
        if scores is not None and self.num_classes is not None and c != self.num_classes:
            raise ValueError(
                f"Accuracy: pred has {c} classes, expected num_classes={self.num_classes}"
            )
        if c is not None:
            _check_range(t_ids, c, "Accuracy", "target")
        if scores is None:
            if self.top_k > 1:
                raise ValueError("Accuracy: top_k > 1 needs scores of shape (N, C), got class ids")
            if c is not None:
                _check_range(p_ids, c, "Accuracy", "pred")
            hit = p_ids == t_ids
        elif self.top_k == 1:
            hit = scores.argmax(axis=1) == t_ids
        else:
            if self.top_k > c:
                raise ValueError(f"Accuracy: top_k={self.top_k} exceeds the {c} classes in pred")
            top = np.argpartition(-scores, self.top_k - 1, axis=1)[:, : self.top_k]
            hit = np.any(top == t_ids[:, None], axis=1)
        self.correct += int(np.sum(hit))
        self.total += t_ids.size

    def compute(self) -> float:
        self._require_samples(self.total)
        return self.correct / self.total


class _ConfusionBased(Metric):
    """Accumulates a confusion matrix (rows = true class, columns = predicted)."""

    def __init__(self, num_classes: int | None = None, task: str = "multiclass",
                 threshold: float = 0.5, from_logits: bool = False,
                 name: str | None = None) -> None:
        cls = type(self).__name__
        if task not in ("multiclass", "binary"):
            raise ValueError(f"{cls}: task must be 'multiclass' or 'binary', got {task!r}")
        if num_classes is not None and (not isinstance(num_classes, int) or num_classes < 1):
            raise ValueError(f"{cls}: num_classes must be a positive int, got {num_classes!r}")
        self.task, self.threshold, self.from_logits = task, float(threshold), from_logits
        self.num_classes = 2 if task == "binary" else num_classes
        super().__init__(name)

    def reset(self) -> None:
        size = self.num_classes or 0
        self.matrix = np.zeros((size, size), dtype=np.int64)

    def update(self, pred: Any, target: Any) -> None:
        cls = type(self).__name__
        if self.task == "binary":
            p_ids, t_ids = _binary_ids(pred, target, cls, self.threshold, self.from_logits)
            c = 2
        else:
            scores, p_ids, t_ids = _split_multiclass(pred, target, cls)
            if scores is not None:
                p_ids = scores.argmax(axis=1)
                c = scores.shape[1]
                if self.num_classes is not None and c != self.num_classes:
                    raise ValueError(
                        f"{cls}: pred has {c} classes, expected num_classes={self.num_classes}"
                    )
            else:
                c = self.num_classes
                if c is None:  # grow to fit the largest label seen so far
                    c = max(self.matrix.shape[0], int(p_ids.max(initial=-1)) + 1,
                            int(t_ids.max(initial=-1)) + 1)
            _check_range(t_ids, c, cls, "target")
            _check_range(p_ids, c, cls, "pred")
        if c > self.matrix.shape[0]:
            grown = np.zeros((c, c), dtype=np.int64)
            k = self.matrix.shape[0]
            grown[:k, :k] = self.matrix
            self.matrix = grown
        c = self.matrix.shape[0]
        self.matrix += np.bincount(t_ids * c + p_ids, minlength=c * c).reshape(c, c)

    def _counts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per-class (tp, fp, fn, support) as float64."""
        self._require_samples(self.matrix.sum())
        m = self.matrix.astype(np.float64)
        tp = np.diag(m)
        return tp, m.sum(axis=0) - tp, m.sum(axis=1) - tp, m.sum(axis=1)


def _safe_div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den with 0 where den == 0 (sklearn's zero_division=0)."""
    out = np.zeros_like(num, dtype=np.float64)
    np.divide(num, den, out=out, where=den > 0)
    return out


class _ClassScore(_ConfusionBased):
    """Precision / recall / F1 from (tp, fp, fn): ``_score(tp, fp, fn)`` per class."""

    def __init__(self, num_classes: int | None = None, average: str | None = "macro",
                 task: str = "multiclass", threshold: float = 0.5, from_logits: bool = False,
                 name: str | None = None) -> None:
        if average not in _AVERAGES:
            raise ValueError(f"{type(self).__name__}: average must be one of {_AVERAGES}, "
                             f"got {average!r}")
        self.average = average
        super().__init__(num_classes, task, threshold, from_logits, name)

    @staticmethod
    def _score(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def compute(self) -> float | np.ndarray:
        tp, fp, fn, support = self._counts()
        if self.task == "binary":  # the positive class only
            return float(self._score(tp[1:], fp[1:], fn[1:])[0])
        if self.average == "micro":
            return float(self._score(tp.sum(keepdims=True), fp.sum(keepdims=True),
                                     fn.sum(keepdims=True))[0])
        per_class = self._score(tp, fp, fn)
        if self.average is None:
            return per_class
        if self.average == "weighted":
            return float(np.sum(per_class * support) / np.sum(support))
        seen = (tp + fp + fn) > 0  # macro: classes present in target or pred, like sklearn
        return float(per_class[seen].mean())


class Precision(_ClassScore):
    """tp / (tp + fp) per class; a class never predicted scores 0."""

    name = "precision"

    @staticmethod
    def _score(tp, fp, fn):
        return _safe_div(tp, tp + fp)


class Recall(_ClassScore):
    """tp / (tp + fn) per class; a class absent from the targets scores 0."""

    name = "recall"

    @staticmethod
    def _score(tp, fp, fn):
        return _safe_div(tp, tp + fn)


class F1Score(_ClassScore):
    """2 tp / (2 tp + fp + fn) per class, the harmonic mean of precision and recall."""

    name = "f1"

    @staticmethod
    def _score(tp, fp, fn):
        return _safe_div(2 * tp, 2 * tp + fp + fn)


F1 = F1Score


class ConfusionMatrix(_ConfusionBased):
    """Counts ``matrix[true, predicted]``; ``compute()`` returns an int64 (C, C) array.

    >>> cm = ConfusionMatrix(3)
    >>> cm.update([0, 2, 2], [0, 1, 2])
    >>> cm.compute().tolist()
    [[1, 0, 0], [0, 0, 1], [0, 0, 1]]
    """

    name = "confusion_matrix"

    def compute(self) -> np.ndarray:
        self._require_samples(self.matrix.sum())
        return self.matrix.copy()


def _check_same_shape(p: np.ndarray, t: np.ndarray, metric: str) -> None:
    if p.shape != t.shape:
        raise ValueError(
            f"{metric}: pred and target must have the same shape, got pred {p.shape} "
            f"and target {t.shape}"
        )


class _ElementwiseError(Metric):
    """Mean of ``_error(pred - target)`` over every element."""

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


class Perplexity(Metric):
    """exp(mean negative log-likelihood) of integer targets under logits.

    ``update(logits, target)`` with logits (N, C) and target (N,), or (B, T, C)
    and (B, T). Targets equal to ``ignore_index`` are skipped.
    """

    name = "perplexity"

    def __init__(self, ignore_index: int = -100, name: str | None = None) -> None:
        self.ignore_index = ignore_index
        super().__init__(name)

    def reset(self) -> None:
        self.total_nll = 0.0
        self.count = 0

    def update(self, pred: Any, target: Any) -> None:
        x = _as_array(pred, "Perplexity", "logits").astype(np.float64)
        t = _as_array(target, "Perplexity", "target")
        if x.ndim not in (2, 3) or x.shape[:-1] != t.shape:
            raise ValueError(f"Perplexity: expected logits (N, C) with target (N,) or (B, T, C) "
                             f"with (B, T), got logits {x.shape} and target {t.shape}")
        x = x.reshape(-1, x.shape[-1])
        t = _as_labels(t, "Perplexity", "target").reshape(-1)
        keep = t != self.ignore_index
        x, t = x[keep], t[keep]
        _check_range(t, x.shape[1], "Perplexity", "target")
        m = x.max(axis=1, keepdims=True)
        lse = m[:, 0] + np.log(np.sum(np.exp(x - m), axis=1))  # log-sum-exp, shifted by the max
        self.total_nll += float(np.sum(lse - x[np.arange(t.size), t]))
        self.count += t.size

    def compute(self) -> float:
        self._require_samples(self.count)
        return float(np.exp(self.total_nll / self.count))


class Mean(Metric):
    """Running (weighted) mean of scalars, e.g. the loss.

    >>> m = Mean("loss")
    >>> m.update(2.0, weight=3); m.update(4.0)
    >>> m.compute()
    2.5
    """

    name = "mean"

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


def accuracy(pred: Any, target: Any, task: str = "multiclass", threshold: float = 0.5,
             top_k: int = 1, from_logits: bool = False, num_classes: int | None = None) -> float:
    """Accuracy of one batch; see :class:`Accuracy`."""
    return _one_off(Accuracy(task, threshold, top_k, from_logits, num_classes), pred, target)


def precision(pred: Any, target: Any, average: str | None = "macro",
              num_classes: int | None = None, task: str = "multiclass",
              threshold: float = 0.5, from_logits: bool = False) -> float | np.ndarray:
    """Precision of one batch; see :class:`Precision`."""
    m = Precision(num_classes, average, task, threshold, from_logits)
    return _one_off(m, pred, target)


def recall(pred: Any, target: Any, average: str | None = "macro",
           num_classes: int | None = None, task: str = "multiclass",
           threshold: float = 0.5, from_logits: bool = False) -> float | np.ndarray:
    """Recall of one batch; see :class:`Recall`."""
    return _one_off(Recall(num_classes, average, task, threshold, from_logits), pred, target)


def f1_score(pred: Any, target: Any, average: str | None = "macro",
             num_classes: int | None = None, task: str = "multiclass",
             threshold: float = 0.5, from_logits: bool = False) -> float | np.ndarray:
    """F1 score of one batch; see :class:`F1Score`."""
    return _one_off(F1Score(num_classes, average, task, threshold, from_logits), pred, target)


def confusion_matrix(pred: Any, target: Any, num_classes: int | None = None,
                     task: str = "multiclass", threshold: float = 0.5,
                     from_logits: bool = False) -> np.ndarray:
    """Confusion matrix (rows = true, columns = predicted); see :class:`ConfusionMatrix`."""
    m = ConfusionMatrix(num_classes, task, threshold, from_logits)
    return _one_off(m, pred, target)


def mean_squared_error(pred: Any, target: Any) -> float:
    """mean((pred - target)^2)."""
    return _one_off(MeanSquaredError(), pred, target)


def mean_absolute_error(pred: Any, target: Any) -> float:
    """mean(|pred - target|)."""
    return _one_off(MeanAbsoluteError(), pred, target)


def r2_score(pred: Any, target: Any) -> float:
    """Coefficient of determination; see :class:`R2Score`."""
    return _one_off(R2Score(), pred, target)


def perplexity(logits: Any, target: Any, ignore_index: int = -100) -> float:
    """exp(mean NLL) of ``target`` under ``logits``; see :class:`Perplexity`."""
    return _one_off(Perplexity(ignore_index), logits, target)
