"""train_test_split: sizes, alignment, stratification, errors."""

import numpy as np
import pytest

import minigrad as mg
from minigrad.data import train_test_split
from minigrad.random import Generator


def test_default_quarter_test_size_and_alignment():
    X = np.arange(40).reshape(20, 2)
    y = np.arange(20)
    names = [f"s{i}" for i in range(20)]
    X_tr, X_te, y_tr, y_te, n_tr, n_te = train_test_split(X, y, names, generator=Generator(0))
    assert X_tr.shape == (15, 2) and X_te.shape == (5, 2)
    np.testing.assert_array_equal(X_tr[:, 0], 2 * y_tr)
    np.testing.assert_array_equal(X_te[:, 0], 2 * y_te)
    assert n_te == [f"s{i}" for i in y_te.tolist()] and isinstance(n_tr, list)
    assert sorted(y_tr.tolist() + y_te.tolist()) == list(range(20))
    assert y_te.tolist() != list(range(15, 20))  # shuffled


def test_sizes_as_fractions_and_counts():
    y = np.arange(10)
    # fractional test size rounds up, train size down (scikit-learn's rule)
    assert [len(p) for p in train_test_split(y, test_size=0.33)] == [6, 4]
    assert [len(p) for p in train_test_split(y, train_size=0.55)] == [5, 5]
    assert [len(p) for p in train_test_split(y, test_size=3)] == [7, 3]
    assert [len(p) for p in train_test_split(y, test_size=2, train_size=5)] == [5, 2]


def test_no_shuffle_keeps_order_and_tensors_stay_tensors():
    X = mg.tensor(np.arange(8.0))
    tr, te = train_test_split(X, test_size=0.25, shuffle=False)
    assert isinstance(tr, mg.Tensor)
    assert tr.numpy().tolist() == [0, 1, 2, 3, 4, 5] and te.numpy().tolist() == [6, 7]


def test_reproducible_under_manual_seed():
    y = np.arange(30)
    mg.manual_seed(3)
    a = train_test_split(y)
    mg.manual_seed(3)
    b = train_test_split(y)
    np.testing.assert_array_equal(a[1], b[1])


def test_stratify_keeps_class_proportions():
    y = np.array([0] * 60 + [1] * 30 + [2] * 10)
    X = np.arange(100)
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, test_size=0.2, stratify=y, generator=Generator(1)
    )
    assert np.bincount(y_te).tolist() == [12, 6, 2]
    assert np.bincount(y_tr).tolist() == [48, 24, 8]
    np.testing.assert_array_equal(y[X_te], y_te)
    assert len(set(X_tr.tolist()) | set(X_te.tolist())) == 100


def test_stratify_with_uneven_shares_stays_within_one_per_class():
    y = np.array([0] * 7 + [1] * 5 + [2] * 3)
    _, y_te = train_test_split(y, test_size=5, stratify=y, generator=Generator(2))
    counts = np.bincount(y_te, minlength=3)
    assert counts.sum() == 5
    assert np.all(np.abs(counts - 5 * np.array([7, 5, 3]) / 15) < 1)


def test_errors():
    y = np.arange(10)
    with pytest.raises(ValueError, match=r"inconsistent numbers of samples: \[10, 9\]"):
        train_test_split(y, y[:9])
    with pytest.raises(ValueError, match="test_size=1.5"):
        train_test_split(y, test_size=1.5)
    with pytest.raises(ValueError, match="test_size=10"):
        train_test_split(y, test_size=10)
    with pytest.raises(ValueError, match="exceed"):
        train_test_split(y, test_size=0.6, train_size=0.6)
    with pytest.raises(ValueError, match="only 1 member"):
        train_test_split(y, stratify=np.array([0] * 9 + [1]))
    with pytest.raises(ValueError, match="shuffle=True"):
        train_test_split(y, shuffle=False, stratify=y % 2)
    with pytest.raises(ValueError, match="at least one array"):
        train_test_split()
