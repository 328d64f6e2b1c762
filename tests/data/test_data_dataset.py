"""TensorDataset, Subset, ConcatDataset and random_split."""

import numpy as np
import pytest

import minigrad as mg
from minigrad.data import ConcatDataset, Dataset, Subset, TensorDataset, random_split
from minigrad.random import Generator


def test_tensor_dataset_items_are_rows_of_each_tensor():
    X = np.arange(12.0).reshape(4, 3)
    y = mg.tensor([10, 11, 12, 13])
    ds = TensorDataset(X, y)
    assert len(ds) == 4
    x2, y2 = ds[2]
    assert isinstance(x2, mg.Tensor) and isinstance(y2, mg.Tensor)
    np.testing.assert_array_equal(x2.numpy(), [6.0, 7.0, 8.0])
    assert y2.item() == 12 and y2.dtype == np.int64
    assert ds.arrays[0] is X  # no copy of the data


def test_tensor_dataset_length_mismatch_names_every_shape():
    with pytest.raises(ValueError, match=r"\(3, 2\), \(4,\), \(3,\)"):
        TensorDataset(np.zeros((3, 2)), mg.zeros(4), np.zeros(3))


def test_tensor_dataset_refuses_no_tensors_and_scalars():
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()
    with pytest.raises(ValueError, match=r"first dimension.*\(\)"):
        TensorDataset(np.float32(1.0))


def test_subset_and_concat_index_through():
    ds = TensorDataset(np.arange(10))
    sub = Subset(ds, [7, 3, 5])
    assert len(sub) == 3
    assert [sub[i][0].item() for i in range(3)] == [7, 3, 5]
    both = sub + TensorDataset(np.arange(100, 102))
    assert isinstance(both, ConcatDataset)
    assert [both[i][0].item() for i in range(len(both))] == [7, 3, 5, 100, 101]
    assert both[-1][0].item() == 101
    with pytest.raises(IndexError):
        both[5]


def test_concat_of_nothing_is_refused():
    with pytest.raises(ValueError, match="empty"):
        ConcatDataset([])


def test_base_dataset_methods_must_be_overridden():
    with pytest.raises(NotImplementedError):
        Dataset()[0]


def _contents(subset):
    return [subset[i][0].item() for i in range(len(subset))]


def test_random_split_int_lengths_are_disjoint_and_cover():
    parts = random_split(TensorDataset(np.arange(10)), [6, 3, 1], generator=Generator(0))
    assert [len(p) for p in parts] == [6, 3, 1]
    seen = sum((_contents(p) for p in parts), [])
    assert sorted(seen) == list(range(10))


def test_random_split_fractions_hand_out_remainder_round_robin():
    # 10 * [0.3, 0.3, 0.4] floors to [3, 3, 4]: no remainder
    assert [len(p) for p in random_split(TensorDataset(np.arange(10)), [0.3, 0.3, 0.4])] == [
        3,
        3,
        4,
    ]
    # 11 * [0.25] * 4 floors to [2, 2, 2, 2]; 3 left over go to the first three
    parts = random_split(TensorDataset(np.arange(11)), [0.25] * 4, generator=Generator(1))
    assert [len(p) for p in parts] == [3, 3, 3, 2]
    assert sorted(sum((_contents(p) for p in parts), [])) == list(range(11))


def test_random_split_is_reproducible_with_a_seed():
    ds = TensorDataset(np.arange(20))
    a = random_split(ds, [10, 10], generator=Generator(3))
    b = random_split(ds, [10, 10], generator=Generator(3))
    assert _contents(a[0]) == _contents(b[0])
    mg.manual_seed(5)
    c = random_split(ds, [10, 10])
    mg.manual_seed(5)
    d = random_split(ds, [10, 10])
    assert _contents(c[1]) == _contents(d[1])
    assert _contents(c[0]) != list(range(10))  # actually shuffled


def test_random_split_bad_lengths():
    ds = TensorDataset(np.arange(10))
    with pytest.raises(ValueError, match="sum of lengths"):
        random_split(ds, [5, 4])
    with pytest.raises(ValueError, match="non-negative"):
        random_split(ds, [11, -1])
    with pytest.raises(ValueError, match="fractions summing to 1"):
        random_split(ds, [0.5, 0.4])
