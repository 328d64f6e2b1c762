"""IterableDataset through DataLoader, get_worker_info and WeightedRandomSampler."""

import numpy as np
import pytest

import minigrad as mg
from minigrad.random import Generator
from minigrad.utils.data import (
    DataLoader,
    IterableDataset,
    TensorDataset,
    WeightedRandomSampler,
    get_worker_info,
)


class Stream(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        for i in range(self.n):
            yield np.float64(i), i % 2


class SizedStream(Stream):
    def __len__(self):
        return self.n


def test_iterable_dataset_batches_in_stream_order_with_default_collate():
    batches = list(DataLoader(Stream(5), batch_size=2))
    assert [x.tolist() for x, _ in batches] == [[0.0, 1.0], [2.0, 3.0], [4.0]]
    assert [y.tolist() for _, y in batches] == [[0, 1], [0, 1], [0]]
    assert [x.tolist() for x, _ in DataLoader(Stream(5), batch_size=2, drop_last=True)] == [
        [0.0, 1.0], [2.0, 3.0]]


def test_iterable_dataset_with_collate_fn_and_a_second_epoch():
    loader = DataLoader(Stream(3), batch_size=2, collate_fn=lambda items: len(items))
    assert list(loader) == [2, 1] and list(loader) == [2, 1]


def test_len_of_an_iterable_loader_needs_the_datasets_len():
    with pytest.raises(TypeError, match="no __len__"):
        len(DataLoader(Stream(5), batch_size=2))
    assert len(DataLoader(SizedStream(5), batch_size=2)) == 3
    assert len(DataLoader(SizedStream(5), batch_size=2, drop_last=True)) == 2


def test_iterable_dataset_refuses_shuffle_and_sampler_as_pytorch_does():
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        DataLoader(Stream(5), batch_size=2, shuffle=True)
    with pytest.raises(ValueError, match="expected unspecified sampler option"):
        DataLoader(Stream(5), sampler=[0, 1])
    with pytest.raises(TypeError, match="no indexing"):
        Stream(2)[0]


def test_get_worker_info_is_none_in_the_main_process():
    assert get_worker_info() is None


def test_weighted_sampler_never_draws_zero_weights_and_follows_the_weights():
    s = WeightedRandomSampler([1.0, 0.0, 3.0], num_samples=4000, generator=Generator(1))
    draws = np.array(list(s))
    assert len(s) == 4000 and len(draws) == 4000 and not np.any(draws == 1)
    assert abs(np.mean(draws == 2) - 0.75) < 0.03  # 4000 draws: sd about 0.007


def test_weighted_sampler_without_replacement_draws_each_index_at_most_once():
    s = WeightedRandomSampler(mg.tensor([0.5, 2.0, 1.0, 0.0]), 3, replacement=False,
                              generator=Generator(0))
    assert sorted(s) == [0, 1, 2]
    with pytest.raises(ValueError, match="without replacement"):
        WeightedRandomSampler([1.0, 0.0], 2, replacement=False)


def test_weighted_sampler_is_reproducible_under_manual_seed_and_feeds_a_loader():
    mg.manual_seed(3)
    first = list(WeightedRandomSampler([1.0, 2.0, 3.0], 10))
    mg.manual_seed(3)
    assert list(WeightedRandomSampler([1.0, 2.0, 3.0], 10)) == first
    ds = TensorDataset(mg.arange(3.0) * 10)
    loader = DataLoader(ds, batch_size=4,
                        sampler=WeightedRandomSampler([0.0, 0.0, 1.0], 8))
    assert [b.tolist() for (b,) in loader] == [[20.0] * 4, [20.0] * 4]


@pytest.mark.parametrize("kwargs, match", [
    (dict(weights=[1.0], num_samples=0), "num_samples"),
    (dict(weights=[1.0], num_samples=2, replacement=1), "replacement"),
    (dict(weights=[-1.0, 2.0], num_samples=2), "non-negative"),
    (dict(weights=[[1.0]], num_samples=2), "1-D"),
])
def test_weighted_sampler_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        WeightedRandomSampler(**kwargs)
