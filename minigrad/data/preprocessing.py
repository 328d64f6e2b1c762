"""Preprocessing with scikit-learn's names: the scalers (one-hot encoding is ``F.one_hot``).

Scalers learn their statistics with ``fit`` on the training data only, then
``transform`` any data with them. They accept ndarrays or Tensors of shape
(n_samples, n_features) and return the same kind they were given.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.data._utils import as_array, like


class NotFittedError(ValueError, AttributeError):
    """A scaler was used before ``fit`` (scikit-learn's exception of the same name)."""


class _Scaler:
    """Shared bookkeeping: input checks, the fitted check, returning the input's kind."""

    def fit(self, X: Any) -> _Scaler:
        """Learn the statistics of ``X`` (training data only); returns ``self``."""
        x = self._as_2d(X, "fit")
        if x.shape[0] == 0:
            raise ValueError(f"{type(self).__name__}.fit: X has no samples (shape {x.shape})")
        self._fit(x.astype(np.float64))
        self.n_features_in_ = x.shape[1]
        return self

    def transform(self, X: Any) -> Any:
        """Scale ``X`` with the statistics learned by ``fit``."""
        x = self._checked(X, "transform")
        return like(self._transform(x.astype(np.float64)).astype(_out_dtype(x)), X)

    def fit_transform(self, X: Any) -> Any:
        """``fit(X)`` then ``transform(X)``."""
        return self.fit(X).transform(X)

    def inverse_transform(self, X: Any) -> Any:
        """Undo ``transform``: map scaled data back to the original units."""
        x = self._checked(X, "inverse_transform")
        return like(self._inverse(x.astype(np.float64)).astype(_out_dtype(x)), X)

    def _checked(self, X: Any, method: str) -> np.ndarray:
        name = type(self).__name__
        if not hasattr(self, "n_features_in_"):
            raise NotFittedError(
                f"This {name} instance is not fitted yet: call fit(X_train) before {method}"
            )
        x = self._as_2d(X, method)
        if x.shape[1] != self.n_features_in_:
            raise ValueError(
                f"{name}.{method}: X has {x.shape[1]} features, but {name} was fitted "
                f"with {self.n_features_in_} features"
            )
        return x

    def _as_2d(self, X: Any, method: str) -> np.ndarray:
        x = as_array(X)
        where = f"{type(self).__name__}.{method}"
        if x.dtype == np.bool_ or not np.issubdtype(x.dtype, np.number):
            raise TypeError(f"{where}: X must be numeric, got dtype {x.dtype}")
        if x.ndim != 2:
            raise ValueError(
                f"{where}: expected a 2-D array (n_samples, n_features), got shape {x.shape}; "
                "reshape a single feature with x.reshape(-1, 1)"
            )
        return x


def _out_dtype(x: np.ndarray) -> np.dtype:
    return x.dtype if np.issubdtype(x.dtype, np.floating) else np.dtype(np.float64)


def _nonzero_scale(scale: np.ndarray, constant: np.ndarray) -> np.ndarray:
    """Replace the scale of constant (or numerically constant) features by 1."""
    scale = scale.copy()
    scale[constant | (scale < 10 * np.finfo(np.float64).eps)] = 1.0
    return scale


class StandardScaler(_Scaler):
    """Standardise features: ``(x - mean_) / scale_``, with statistics from ``fit``.

    ``scale_`` is the population standard deviation (ddof=0); a feature with
    zero variance gets ``scale_ = 1`` so it maps to 0 instead of NaN.

    >>> s = StandardScaler().fit(np.array([[0.0, 5.0], [2.0, 5.0]]))
    >>> s.mean_, s.scale_
    (array([1., 5.]), array([1., 1.]))
    >>> s.transform(np.array([[4.0, 5.0]]))
    array([[3., 0.]])
    """

    def __init__(self, with_mean: bool = True, with_std: bool = True) -> None:
        self.with_mean = with_mean
        self.with_std = with_std

    def _fit(self, x: np.ndarray) -> None:
        self.mean_ = x.mean(axis=0)
        self.var_ = x.var(axis=0)
        constant = np.ptp(x, axis=0) == 0
        self.scale_ = _nonzero_scale(np.sqrt(self.var_), constant) if self.with_std else None

    def _transform(self, x: np.ndarray) -> np.ndarray:
        if self.with_mean:
            x = x - self.mean_
        if self.with_std:
            x = x / self.scale_
        return x

    def _inverse(self, x: np.ndarray) -> np.ndarray:
        if self.with_std:
            x = x * self.scale_
        if self.with_mean:
            x = x + self.mean_
        return x


class MinMaxScaler(_Scaler):
    """Rescale each feature linearly so the training range maps onto ``feature_range``.

    ``transform(x) = x * scale_ + min_`` with ``scale_ = (hi - lo) / (data_max_ -
    data_min_)``. A constant feature maps to ``lo``. ``clip=True`` clips
    transformed values to ``feature_range``.

    >>> s = MinMaxScaler().fit(np.array([[1.0], [3.0]]))
    >>> s.data_min_, s.data_max_, s.transform(np.array([[2.0], [5.0]])).ravel()
    (array([1.]), array([3.]), array([0.5, 2. ]))
    """

    def __init__(self, feature_range: tuple[float, float] = (0, 1), clip: bool = False) -> None:
        lo, hi = feature_range
        if not lo < hi:
            raise ValueError(
                "MinMaxScaler: the minimum of feature_range must be smaller than its "
                f"maximum, got {tuple(feature_range)}"
            )
        self.feature_range = (lo, hi)
        self.clip = clip

    def _fit(self, x: np.ndarray) -> None:
        lo, hi = self.feature_range
        self.data_min_ = x.min(axis=0)
        self.data_max_ = x.max(axis=0)
        self.data_range_ = self.data_max_ - self.data_min_
        self.scale_ = (hi - lo) / _nonzero_scale(self.data_range_, self.data_range_ == 0)
        self.min_ = lo - self.data_min_ * self.scale_

    def _transform(self, x: np.ndarray) -> np.ndarray:
        x = x * self.scale_ + self.min_
        if self.clip:
            x = np.clip(x, *self.feature_range)
        return x

    def _inverse(self, x: np.ndarray) -> np.ndarray:
        return (x - self.min_) / self.scale_
