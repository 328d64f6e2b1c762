"""Classification metrics: accuracy, precision, recall, F1, confusion matrix."""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import (
    _AVERAGES,
    Metric,
    _binary_ids,
    _check_range,
    _one_off,
    _split_multiclass,
)


class Accuracy(Metric):
    """Fraction of correct predictions.

    ``task="multiclass"``: pred is scores/logits/probabilities of shape
    target.shape + (C,) (argmax, or target in the ``top_k`` highest), or class
    ids of the target's shape. ``task="binary"``: pred is probabilities in
    [0, 1] (or logits with ``from_logits=True``) of the target's shape,
    thresholded at ``threshold``.
    """

    name = "accuracy"
    sum_states = ("correct", "total")

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

    sum_states = ("matrix",)

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
