"""Synthetic data sets: shapes, dtypes, reproducibility and known properties."""

import numpy as np
import pytest

import minigrad as mg
from minigrad.data import make_blobs, make_linear, make_moons, make_regression, make_spirals
from minigrad.random import Generator


def test_make_linear_is_exactly_on_the_line_without_noise():
    X, y = make_linear(200, generator=Generator(0))
    assert X.shape == y.shape == (200,)
    assert X.dtype == y.dtype == np.float32
    assert X.min() >= 0 and X.max() < 1
    np.testing.assert_array_equal(y, np.float32(0.1) * X + np.float32(0.3))
    np.testing.assert_allclose(y, 0.1 * X.astype(np.float64) + 0.3, rtol=1e-7)


def test_make_linear_features_and_noise():
    X, y = make_linear(1000, weight=[1.0, -2.0], bias=0.5, n_features=2, generator=Generator(1))
    assert X.shape == (1000, 2) and y.shape == (1000,)
    np.testing.assert_allclose(y, X[:, 0] - 2 * X[:, 1] + 0.5, rtol=1e-6, atol=1e-6)
    Xn, yn = make_linear(5000, noise=0.5, generator=Generator(2))
    residual = yn - (0.1 * Xn + 0.3)
    assert abs(residual.std() - 0.5) < 0.03 and abs(residual.mean()) < 0.03


def test_reproducible_with_generator_and_manual_seed():
    a = make_moons(50, noise=0.1, generator=Generator(5))
    b = make_moons(50, noise=0.1, generator=Generator(5))
    np.testing.assert_array_equal(a[0], b[0])
    mg.manual_seed(9)
    c = make_blobs(30)
    mg.manual_seed(9)
    d = make_blobs(30)
    np.testing.assert_array_equal(c[0], d[0])
    np.testing.assert_array_equal(c[1], d[1])


def test_make_regression_matches_its_coefficients():
    X, y, coef = make_regression(
        200, 6, n_informative=3, bias=2.0, coef=True, generator=Generator(0)
    )
    assert X.shape == (200, 6) and y.shape == (200,) and coef.shape == (6,)
    assert X.dtype == y.dtype == coef.dtype == np.float32
    assert (coef != 0).sum() == 3 and coef.min() >= 0 and coef.max() < 100
    np.testing.assert_allclose(X.astype(np.float64) @ coef + 2.0, y, rtol=1e-4, atol=1e-3)
    X2, y2 = make_regression(10, 3, n_targets=2, generator=Generator(0))
    assert y2.shape == (10, 2)


def test_make_moons_balanced_and_on_the_half_circles():
    X, y = make_moons(101, generator=Generator(0))
    assert X.shape == (101, 2) and X.dtype == np.float32 and y.dtype == np.int64
    assert np.bincount(y).tolist() == [50, 51]
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0, atol=1e-6)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0, atol=1e-6)
    assert upper[:, 1].min() >= 0 and lower[:, 1].max() <= 0.5 + 1e-6


def test_make_spirals_arms_are_rotations_of_each_other():
    X, y = make_spirals(90, n_classes=3, shuffle=False)
    assert X.shape == (90, 2) and np.bincount(y).tolist() == [30, 30, 30]
    radius = np.hypot(X[:, 0], X[:, 1])
    assert radius.max() == pytest.approx(1.0, abs=1e-6) and radius.min() > 0
    turn = 2 * np.pi / 3
    rotation = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]])
    np.testing.assert_allclose(X[y == 0] @ rotation.T, X[y == 1], atol=1e-6)
    Xn, _ = make_spirals(91, noise=0.2, generator=Generator(0))
    assert Xn.shape == (91, 2) and not np.allclose(
        np.hypot(*Xn.T), np.hypot(*make_spirals(91)[0].T)
    )


def test_make_blobs_points_gather_around_their_centers():
    centers = np.array([[0.0, 0.0, 0.0], [5.0, 5.0, 5.0], [-5.0, 5.0, 0.0]])
    X, y = make_blobs(3000, centers=centers, cluster_std=0.5, generator=Generator(0))
    assert X.shape == (3000, 3) and X.dtype == np.float32 and y.dtype == np.int64
    assert np.bincount(y).tolist() == [1000, 1000, 1000]
    for k in range(3):
        np.testing.assert_allclose(X[y == k].mean(axis=0), centers[k], atol=0.06)
        np.testing.assert_allclose(X[y == k].std(axis=0), 0.5, atol=0.04)


def test_make_blobs_random_centers_in_the_box():
    X, y, centers = make_blobs(
        10, n_features=4, centers=2, center_box=(0, 1), return_centers=True, generator=Generator(0)
    )
    assert centers.shape == (2, 4) and centers.min() >= 0 and centers.max() <= 1
    assert np.bincount(y).tolist() == [5, 5]


def test_bad_arguments():
    with pytest.raises(ValueError, match="noise"):
        make_moons(10, noise=-1)
    with pytest.raises(ValueError, match="n_samples"):
        make_linear(0)
    with pytest.raises(ValueError, match="n_classes"):
        make_spirals(10, n_classes=1)
    with pytest.raises(ValueError, match="centers"):
        make_blobs(10, centers=np.zeros(3))
    with pytest.raises(TypeError, match="generator"):
        make_linear(10, generator=0)
