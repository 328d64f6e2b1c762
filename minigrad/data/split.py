"""``train_test_split``: scikit-learn's random train/test split of aligned arrays."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from minigrad import random as mgrandom
from minigrad._tensor import Tensor
from minigrad.data._utils import as_array, check_random_generator


def train_test_split(
    *arrays: Any,
    test_size: float | int | None = None,
    train_size: float | int | None = None,
    shuffle: bool = True,
    generator: mgrandom.Generator | None = None,
    stratify: Any = None,
) -> list[Any]:
    """Split aligned arrays into random train and test parts.

    Returns ``[a_train, a_test, b_train, b_test, ...]``, each part the same
    kind as its input (ndarray, Tensor or list). Sizes are fractions in (0, 1)
    or counts; with neither given, ``test_size=0.25``. A fractional test size
    rounds up, a fractional train size down (as scikit-learn). ``stratify``
    (class labels) keeps each class's share equal in both parts, to within one
    sample per class.

    >>> X, y = np.arange(20).reshape(10, 2), np.arange(10)
    >>> X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3)
    >>> X_tr.shape, y_te.shape, bool((X_te[:, 0] == 2 * y_te).all())
    ((7, 2), (3,), True)
    """
    if not arrays:
        raise ValueError("train_test_split: at least one array is required")
    check_random_generator(generator, "train_test_split")
    lengths = [_num_samples(a) for a in arrays]
    if len(set(lengths)) > 1:
        raise ValueError(
            f"train_test_split: input arrays have inconsistent numbers of samples: {lengths}"
        )
    n = lengths[0]
    n_train, n_test = _split_sizes(n, test_size, train_size)
    rng = mgrandom.rng(generator)
    if not shuffle:
        if stratify is not None:
            raise ValueError("train_test_split: stratify requires shuffle=True")
        train, test = np.arange(n_train), np.arange(n_train, n_train + n_test)
    elif stratify is not None:
        train, test = _stratified_indices(as_array(stratify), n, n_train, n_test, rng)
    else:
        order = rng.permutation(n)
        test, train = order[:n_test], order[n_test : n_test + n_train]
    parts = []
    for a in arrays:
        parts += [_take(a, train), _take(a, test)]
    return parts


def _num_samples(a: Any) -> int:
    if isinstance(a, (Tensor, np.ndarray)):
        if a.ndim == 0:
            raise ValueError("train_test_split: got a 0-d array, which has no samples")
        return a.shape[0]
    return len(a)


def _take(a: Any, indices: np.ndarray) -> Any:
    if isinstance(a, Tensor):
        return Tensor(a.data[indices])
    if isinstance(a, np.ndarray):
        return a[indices]
    return [a[i] for i in indices.tolist()]


def _split_sizes(n: int, test_size: Any, train_size: Any) -> tuple[int, int]:
    if test_size is None and train_size is None:
        test_size = 0.25
    for name, size in (("test_size", test_size), ("train_size", train_size)):
        if size is None:
            continue
        if isinstance(size, bool) or not isinstance(size, (int, float, np.integer, np.floating)):
            raise TypeError(f"train_test_split: {name} must be a float or an int, got {size!r}")
        if isinstance(size, (float, np.floating)) and not 0 < size < 1:
            raise ValueError(f"train_test_split: {name}={size} must be a fraction in (0, 1)")
        if isinstance(size, (int, np.integer)) and not 0 < size < n:
            raise ValueError(
                f"train_test_split: {name}={size} must be a count in [1, {n - 1}] for {n} samples"
            )
    n_test = _size(test_size, n, math.ceil)
    n_train = _size(train_size, n, math.floor)
    n_test = n - n_train if n_test is None else n_test
    n_train = n - n_test if n_train is None else n_train
    if n_train + n_test > n:
        raise ValueError(
            f"train_test_split: train ({n_train}) and test ({n_test}) sizes together "
            f"exceed the {n} samples"
        )
    if n_train == 0 or n_test == 0:
        raise ValueError(
            f"train_test_split: with {n} samples, test_size={test_size} and "
            f"train_size={train_size}, one of the parts would be empty"
        )
    return n_train, n_test


def _size(size: Any, n: int, rounding: Any) -> int | None:
    if size is None:
        return None
    if isinstance(size, (float, np.floating)):
        return int(rounding(size * n))
    return int(size)


def _stratified_indices(
    labels: np.ndarray, n: int, n_train: int, n_test: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Per class, test and train counts proportional to the class's share."""
    if labels.shape != (n,):
        raise ValueError(
            f"train_test_split: stratify must be 1-D labels for the {n} samples, "
            f"got shape {labels.shape}"
        )
    classes, label_ids = np.unique(labels, return_inverse=True)
    counts = np.bincount(label_ids)
    if counts.min() < 2:
        rare = classes[counts.argmin()]
        raise ValueError(
            f"train_test_split: class {rare!r} in stratify has only 1 member; "
            "every class needs at least 2"
        )
    test_counts = _apportion(counts, n_test)
    train_counts = _apportion(counts - test_counts, n_train)
    train, test = [], []
    for c in range(len(classes)):
        members = rng.permutation(np.flatnonzero(label_ids == c))
        test.append(members[: test_counts[c]])
        train.append(members[test_counts[c] : test_counts[c] + train_counts[c]])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


def _apportion(counts: np.ndarray, total: int) -> np.ndarray:
    """Split ``total`` in proportion to ``counts`` (largest remainders get the leftovers)."""
    quotas = total * counts / counts.sum()
    shares = np.floor(quotas).astype(np.int64)
    leftover = total - int(shares.sum())
    by_remainder = np.argsort(-(quotas - shares), kind="stable")
    shares[by_remainder[:leftover]] += 1
    return shares
