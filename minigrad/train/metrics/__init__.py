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

from .base import Mean, Metric
from .classification import (
    F1,
    Accuracy,
    ConfusionMatrix,
    F1Score,
    Precision,
    Recall,
    accuracy,
    confusion_matrix,
    f1_score,
    precision,
    recall,
)
from .language import Perplexity, perplexity
from .regression import (
    MeanAbsoluteError,
    MeanSquaredError,
    R2Score,
    mean_absolute_error,
    mean_squared_error,
    r2_score,
)
