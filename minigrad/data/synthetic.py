"""Synthetic data sets for examples and tests (scikit-learn's ``make_*`` names).

Every function draws from ``minigrad.random`` (``generator``, or the default
generator seeded by ``mg.manual_seed``) and returns float32 ``X`` and ``y``
(int64 labels for the classification sets). ``noise`` is the standard
deviation of Gaussian noise.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from minigrad import random as mgrandom
from minigrad.data._utils import check_positive_int, check_random_generator


def make_linear(
    n_samples: int = 100,
    weight: float = 0.1,
    bias: float = 0.3,
    noise: float = 0.0,
    n_features: int | None = None,
    generator: mgrandom.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Points on a line: ``X`` uniform in [0, 1), ``y = weight * X + bias`` (+ noise).

    ``X`` has shape (n_samples,) by default; with ``n_features`` it has shape
    (n_samples, n_features) and ``y = X @ weight + bias`` (``weight`` a scalar
    or one value per feature). ``y`` always has shape (n_samples,).

    >>> X, y = make_linear(5, generator=mgrandom.Generator(0))
    >>> X.shape, y.dtype, bool(np.all(y == 0.1 * X + 0.3))
    ((5,), dtype('float32'), True)
    """
    rng = _start("make_linear", n_samples, noise, generator)
    if n_features is None:
        X = rng.random(n_samples, dtype=np.float32)
        y = (weight * X + bias).astype(np.float32)
    else:
        check_positive_int(n_features, "n_features", "make_linear")
        X = rng.random((n_samples, n_features), dtype=np.float32)
        w = np.broadcast_to(np.asarray(weight, dtype=np.float32), (n_features,))
        y = (X @ w + bias).astype(np.float32)
    return X, _add_noise(y, noise, rng)


def make_regression(
    n_samples: int = 100,
    n_features: int = 100,
    n_informative: int = 10,
    n_targets: int = 1,
    bias: float = 0.0,
    noise: float = 0.0,
    shuffle: bool = True,
    coef: bool = False,
    generator: mgrandom.Generator | None = None,
) -> tuple[np.ndarray, ...]:
    """A random linear regression problem with Gaussian features.

    ``y = X @ coef + bias + noise``; only ``n_informative`` of the features
    have nonzero coefficients (uniform in [0, 100)). With ``coef=True`` the
    true coefficients are returned too. ``y`` has shape (n_samples,) when
    ``n_targets == 1``, else (n_samples, n_targets).

    >>> g = mgrandom.Generator(0)
    >>> X, y, w = make_regression(50, 4, n_informative=2, coef=True, generator=g)
    >>> X.shape, y.shape, int((w != 0).sum()), bool(np.allclose(X @ w, y, atol=1e-3))
    ((50, 4), (50,), 2, True)
    """
    rng = _start("make_regression", n_samples, noise, generator)
    check_positive_int(n_features, "n_features", "make_regression")
    check_positive_int(n_targets, "n_targets", "make_regression")
    check_positive_int(n_informative, "n_informative", "make_regression")
    n_informative = min(n_features, n_informative)
    X = rng.standard_normal((n_samples, n_features))
    true_coef = np.zeros((n_features, n_targets))
    true_coef[:n_informative] = 100 * rng.random((n_informative, n_targets))
    y = X @ true_coef + bias
    if noise > 0:
        y += noise * rng.standard_normal(y.shape)
    if shuffle:
        rows = rng.permutation(n_samples)
        cols = rng.permutation(n_features)
        X, y = X[rows][:, cols], y[rows]
        true_coef = true_coef[cols]
    if n_targets == 1:
        y, true_coef = y[:, 0], true_coef[:, 0]
    out = (X.astype(np.float32), y.astype(np.float32))
    return out + (true_coef.astype(np.float32),) if coef else out


def make_moons(
    n_samples: int = 100,
    noise: float = 0.0,
    shuffle: bool = True,
    generator: mgrandom.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles in 2-D; labels 0 (upper moon) and 1 (lower).

    The upper moon gets ``n_samples // 2`` points, the lower the rest.

    >>> X, y = make_moons(6, shuffle=False)
    >>> X.shape, y.tolist()
    ((6, 2), [0, 0, 0, 1, 1, 1])
    """
    rng = _start("make_moons", n_samples, noise, generator)
    n_upper = n_samples // 2
    n_lower = n_samples - n_upper
    t_upper = np.linspace(0, np.pi, n_upper)
    t_lower = np.linspace(0, np.pi, n_lower)
    upper = np.stack([np.cos(t_upper), np.sin(t_upper)], axis=1)
    lower = np.stack([1 - np.cos(t_lower), 0.5 - np.sin(t_lower)], axis=1)
    X = np.concatenate([upper, lower])
    y = np.repeat(np.arange(2, dtype=np.int64), [n_upper, n_lower])
    return _finish(X, y, noise, shuffle, rng)


def make_spirals(
    n_samples: int = 100,
    n_classes: int = 2,
    noise: float = 0.0,
    shuffle: bool = True,
    generator: mgrandom.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``n_classes`` interleaved spiral arms in 2-D, one arm per class.

    Arm k holds points at radius r in (0, 1] and angle ``2*pi*(k/n_classes + r)``,
    so every arm is the first one rotated by ``2*pi*k/n_classes``. Points are
    split evenly, the first arms taking any remainder.

    >>> X, y = make_spirals(90, n_classes=3, generator=mgrandom.Generator(0))
    >>> X.shape, np.bincount(y).tolist()
    ((90, 2), [30, 30, 30])
    """
    rng = _start("make_spirals", n_samples, noise, generator)
    check_positive_int(n_classes, "n_classes", "make_spirals", minimum=2)
    counts = _even_counts(n_samples, n_classes)
    arms = []
    for k, m in enumerate(counts):
        r = np.linspace(0, 1, m + 1)[1:]
        angle = 2 * np.pi * (k / n_classes + r)
        arms.append(np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1))
    y = np.repeat(np.arange(n_classes, dtype=np.int64), counts)
    return _finish(np.concatenate(arms), y, noise, shuffle, rng)


def make_blobs(
    n_samples: int = 100,
    n_features: int = 2,
    centers: int | Sequence[Sequence[float]] | np.ndarray | None = None,
    cluster_std: float | Sequence[float] = 1.0,
    center_box: tuple[float, float] = (-10.0, 10.0),
    shuffle: bool = True,
    generator: mgrandom.Generator | None = None,
    return_centers: bool = False,
) -> tuple[np.ndarray, ...]:
    """Gaussian clusters ("blobs") for clustering and classification.

    ``centers`` is a count (default 3) of centers drawn uniformly in
    ``center_box``, or an array of centers (which fixes ``n_features``).
    Label k marks points drawn around center k with ``cluster_std``.

    >>> g = mgrandom.Generator(0)
    >>> X, y = make_blobs(40, centers=[[0, 0], [10, 10]], cluster_std=0.1, generator=g)
    >>> np.round(X[y == 1].mean(axis=0))
    array([10., 10.], dtype=float32)
    """
    rng = _start("make_blobs", n_samples, 0.0, generator)
    if centers is None or isinstance(centers, (int, np.integer)):
        n_centers = 3 if centers is None else check_positive_int(centers, "centers", "make_blobs")
        check_positive_int(n_features, "n_features", "make_blobs")
        centers = rng.uniform(*center_box, size=(n_centers, n_features))
    else:
        centers = np.asarray(centers, dtype=np.float64)
        if centers.ndim != 2 or centers.shape[0] == 0:
            raise ValueError(
                f"make_blobs: centers must be an int or a 2-D array, got shape {centers.shape}"
            )
    stds = np.broadcast_to(np.asarray(cluster_std, dtype=np.float64), (len(centers),))
    if (stds < 0).any():
        raise ValueError(f"make_blobs: cluster_std must be non-negative, got {cluster_std}")
    counts = _even_counts(n_samples, len(centers))
    clusters = [
        center + std * rng.standard_normal((m, centers.shape[1]))
        for center, std, m in zip(centers, stds, counts, strict=True)
    ]
    X = np.concatenate(clusters)
    y = np.repeat(np.arange(len(centers), dtype=np.int64), counts)
    X, y = _finish(X, y, 0.0, shuffle, rng)
    return (X, y, centers.astype(np.float32)) if return_centers else (X, y)


def _start(where: str, n_samples: int, noise: float, generator: Any) -> np.random.Generator:
    """Check the arguments every maker shares; return the NumPy generator to draw from."""
    check_positive_int(n_samples, "n_samples", where)
    if noise is None or noise < 0:
        raise ValueError(f"{where}: noise must be a non-negative number, got {noise}")
    check_random_generator(generator, where)
    return mgrandom.rng(generator)


def _even_counts(n: int, k: int) -> list[int]:
    """``n`` items over ``k`` groups as evenly as possible, the first groups taking extras."""
    return [n // k + (1 if i < n % k else 0) for i in range(k)]


def _add_noise(y: np.ndarray, noise: float, rng: np.random.Generator) -> np.ndarray:
    if noise > 0:
        y = y + np.float32(noise) * rng.standard_normal(y.shape, dtype=np.float32)
    return y.astype(np.float32)


def _finish(
    X: np.ndarray, y: np.ndarray, noise: float, shuffle: bool, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Add coordinate noise, shuffle samples, cast to float32 / int64."""
    if noise > 0:
        X = X + noise * rng.standard_normal(X.shape)
    if shuffle:
        order = rng.permutation(len(y))
        X, y = X[order], y[order]
    return X.astype(np.float32), y.astype(np.int64)
