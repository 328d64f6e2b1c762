"""DataLoader, samplers and default collation."""

from collections import namedtuple

import numpy as np
import pytest

import minigrad as mg
from minigrad.data import (
    BatchSampler,
    DataLoader,
    Dataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    TensorDataset,
    default_collate,
)
from minigrad.random import Generator


class ListDataset(Dataset):
    """Items from a Python list (goes through the per-item collate path)."""

    def __init__(self, items):
        self.items = items

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def _labels(loader):
    """The label column of every batch of one epoch, concatenated."""
    return np.concatenate([batch[-1].numpy() for batch in loader]).tolist()


def _epoch_orders(loader, n_epochs):
    return [_labels(loader) for _ in range(n_epochs)]


def test_batches_in_order_with_sizes_and_len():
    X = np.arange(20.0).reshape(10, 2)
    y = np.arange(10)
    loader = DataLoader(TensorDataset(X, y), batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 == len(batches)
    assert [b[0].shape for b in batches] == [(4, 2), (4, 2), (2, 2)]
    assert all(isinstance(t, mg.Tensor) for b in batches for t in b)
    np.testing.assert_array_equal(batches[1][0].numpy(), X[4:8])
    np.testing.assert_array_equal(batches[2][1].numpy(), [8, 9])
    assert batches[0][0].dtype == np.float64 and batches[0][1].dtype == np.int64


def test_drop_last():
    loader = DataLoader(TensorDataset(np.arange(10)), batch_size=4, drop_last=True)
    assert len(loader) == 2
    assert [b[0].shape for b in loader] == [(4,), (4,)]
    assert len(DataLoader(TensorDataset(np.arange(3)), batch_size=4, drop_last=True)) == 0


def test_shuffle_is_reproducible_under_manual_seed():
    loader = DataLoader(TensorDataset(np.arange(50)), batch_size=7, shuffle=True)
    mg.manual_seed(0)
    first = _epoch_orders(loader, 2)
    mg.manual_seed(0)
    again = _epoch_orders(loader, 2)
    assert first == again


def test_shuffle_visits_every_item_once_and_reorders_each_epoch():
    loader = DataLoader(
        TensorDataset(np.arange(50)), batch_size=8, shuffle=True, generator=Generator(0)
    )
    orders = _epoch_orders(loader, 3)
    for order in orders:
        assert sorted(order) == list(range(50))
    assert orders[0] != list(range(50))
    assert orders[0] != orders[1] and orders[1] != orders[2]


def test_dedicated_generator_gives_the_same_order_as_an_equal_seed():
    a = DataLoader(TensorDataset(np.arange(30)), batch_size=4, shuffle=True, generator=Generator(7))
    b = DataLoader(TensorDataset(np.arange(30)), batch_size=4, shuffle=True, generator=Generator(7))
    assert _labels(a) == _labels(b)


def test_slow_path_matches_fast_path():
    X = np.arange(30, dtype=np.float32).reshape(10, 3)
    y = np.arange(10)
    fast = DataLoader(TensorDataset(X, y), batch_size=3, shuffle=True, generator=Generator(2))
    items = [(X[i], int(y[i])) for i in range(10)]
    slow = DataLoader(ListDataset(items), batch_size=3, shuffle=True, generator=Generator(2))
    for (fx, fy), (sx, sy) in zip(fast, slow, strict=True):
        np.testing.assert_array_equal(fx.numpy(), sx.numpy())
        np.testing.assert_array_equal(fy.numpy(), sy.numpy())
        assert fx.dtype == sx.dtype == np.float32 and fy.dtype == sy.dtype == np.int64


def test_fast_path_through_subsets():
    ds = TensorDataset(np.arange(10) * 10)
    inner = Subset(ds, [9, 8, 7, 6, 5])
    outer = Subset(inner, [4, 0, 2])
    assert _labels(DataLoader(outer, batch_size=2)) == [50, 90, 70]


def test_collate_tuples_of_numbers_and_arrays():
    x, label, weight = default_collate(
        [(np.ones(3, np.float32), 1, 0.5), (np.zeros(3, np.float32), 0, 2.0)]
    )
    assert x.shape == (2, 3) and x.dtype == np.float32
    assert label.dtype == np.int64 and label.numpy().tolist() == [1, 0]
    assert weight.dtype == np.float32 and weight.numpy().tolist() == [0.5, 2.0]


def test_collate_keeps_array_dtypes_and_tensor_items():
    (x,) = default_collate([(np.array([1.0]),), (np.array([2.0]),)])
    assert x.dtype == np.float64
    stacked = default_collate([mg.tensor([1, 2]), mg.tensor([3, 4])])
    assert stacked.numpy().tolist() == [[1, 2], [3, 4]]


def test_collate_dicts_lists_namedtuples_and_strings():
    batch = default_collate([{"x": np.ones(2), "name": "a"}, {"x": np.zeros(2), "name": "b"}])
    assert set(batch) == {"x", "name"}
    assert batch["x"].shape == (2, 2) and batch["name"] == ["a", "b"]
    Pair = namedtuple("Pair", "x y")
    pair = default_collate([Pair(1, 2.0), Pair(3, 4.0)])
    assert isinstance(pair, Pair) and pair.x.numpy().tolist() == [1, 3]
    as_list = default_collate([[1, 2], [3, 4]])
    assert isinstance(as_list, list) and as_list[1].numpy().tolist() == [2, 4]


def test_loader_over_dict_items():
    items = [{"x": np.full(2, i, np.float32), "y": i} for i in range(5)]
    batches = list(DataLoader(ListDataset(items), batch_size=2))
    assert len(batches) == 3
    np.testing.assert_array_equal(batches[1]["x"].numpy(), [[2, 2], [3, 3]])
    assert batches[2]["y"].numpy().tolist() == [4]


def test_inconsistent_shapes_name_dataset_indices_and_shapes():
    items = [(np.zeros(2), 0), (np.zeros(2), 1), (np.zeros(3), 2)]
    loader = DataLoader(ListDataset(items), batch_size=3)
    with pytest.raises(
        ValueError, match=r"dataset index 0 has shape \(2,\).*dataset index 2 has shape \(3,\)"
    ):
        list(loader)


def test_inconsistent_keys_and_fields_are_named():
    with pytest.raises(ValueError, match="same keys"):
        default_collate([{"a": 1}, {"b": 1}])
    with pytest.raises(ValueError, match="number of fields.*batch item 1 has 1"):
        default_collate([(1, 2), (3,)])


def test_custom_collate_fn_gets_the_items():
    loader = DataLoader(TensorDataset(np.arange(5)), batch_size=2, collate_fn=len)
    assert list(loader) == [2, 2, 1]


def test_empty_dataset_is_refused_at_construction():
    with pytest.raises(ValueError, match="dataset is empty"):
        DataLoader(TensorDataset(np.zeros((0, 3))))


def test_bad_arguments():
    ds = TensorDataset(np.arange(4))
    with pytest.raises(ValueError, match="num_workers"):
        DataLoader(ds, num_workers=2)
    with pytest.raises(ValueError, match="mutually exclusive"):
        DataLoader(ds, shuffle=True, sampler=SequentialSampler(ds))
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(ds, batch_size=0)
    with pytest.raises(TypeError, match="generator"):
        DataLoader(ds, shuffle=True, generator=np.random.default_rng(0))


def test_samplers():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    perm = list(RandomSampler(range(6), generator=Generator(0)))
    assert sorted(perm) == list(range(6)) and len(RandomSampler(range(6))) == 6
    batches = BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=True)
    assert list(batches) == [[0, 1], [2, 3]] and len(batches) == 2
    assert len(BatchSampler(range(5), 2, drop_last=False)) == 3


def test_explicit_sampler_sets_the_order():
    class Backwards(SequentialSampler):
        def index_array(self):
            return super().index_array()[::-1]

    ds = TensorDataset(np.arange(5))
    assert _labels(DataLoader(ds, batch_size=2, sampler=Backwards(ds))) == [4, 3, 2, 1, 0]


@pytest.mark.parametrize("use_default_generator", [False, True])
def test_state_dict_between_epochs_reproduces_the_next_epochs(use_default_generator):
    ds = TensorDataset(np.arange(40))
    generator = None if use_default_generator else Generator(11)
    mg.manual_seed(11)
    loader = DataLoader(ds, batch_size=6, shuffle=True, generator=generator)
    _labels(loader)
    state = loader.state_dict()
    assert state["epoch"] == 1 and state["batches_yielded"] == 0
    expected = _epoch_orders(loader, 2)

    mg.manual_seed(999)  # the restored state must win over whatever came since
    fresh = DataLoader(
        ds, batch_size=6, shuffle=True, generator=None if use_default_generator else Generator(0)
    )
    fresh.load_state_dict(state)
    assert _epoch_orders(fresh, 2) == expected
    assert fresh.state_dict()["epoch"] == 3


def test_state_dict_mid_epoch_resumes_with_the_remaining_batches():
    ds = TensorDataset(np.arange(40))
    loader = DataLoader(ds, batch_size=6, shuffle=True, generator=Generator(4))
    iterator = iter(loader)
    served = [next(iterator)[0].numpy().tolist() for _ in range(3)]
    state = loader.state_dict()
    assert state["epoch"] == 0 and state["batches_yielded"] == 3
    rest = [b[0].numpy().tolist() for b in iterator]
    following = _labels(loader)

    fresh = DataLoader(ds, batch_size=6, shuffle=True, generator=Generator(0))
    fresh.load_state_dict(state)
    resumed = [b[0].numpy().tolist() for b in fresh]
    assert resumed == rest
    assert sorted(sum(served + resumed, [])) == list(range(40))
    assert _labels(fresh) == following


def test_state_dict_without_shuffle_skips_served_batches():
    loader = DataLoader(TensorDataset(np.arange(10)), batch_size=3)
    iterator = iter(loader)
    next(iterator)
    state = loader.state_dict()
    assert state["generator_state"] is None
    fresh = DataLoader(TensorDataset(np.arange(10)), batch_size=3)
    fresh.load_state_dict(state)
    assert _labels(fresh) == [3, 4, 5, 6, 7, 8, 9]
    shuffled_state = DataLoader(TensorDataset(np.arange(10)), shuffle=True).state_dict()
    with pytest.raises(ValueError, match="from a loader that shuffles"):
        fresh.load_state_dict(shuffled_state)


def test_load_state_dict_refuses_malformed_states():
    loader = DataLoader(TensorDataset(np.arange(10)), batch_size=3)
    with pytest.raises(ValueError, match="expected keys"):
        loader.load_state_dict({"epoch": 0})
    with pytest.raises(ValueError, match="batches_yielded=9"):
        loader.load_state_dict({"epoch": 0, "batches_yielded": 9, "generator_state": None})


def test_tensor_dataset_batches_without_per_item_getitem(monkeypatch):
    def refuse(self, index):
        raise AssertionError("per-item __getitem__ called on the fast path")

    monkeypatch.setattr(TensorDataset, "__getitem__", refuse)
    ds = TensorDataset(np.arange(10), np.arange(10) * 2.0)
    batches = list(DataLoader(Subset(ds, list(range(8))), batch_size=4, shuffle=True))
    assert sorted(np.concatenate([b[0].numpy() for b in batches]).tolist()) == list(range(8))
