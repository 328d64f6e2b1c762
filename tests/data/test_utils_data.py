"""torch.utils.data's path and options: minigrad.utils.data, DataLoader's worker options,
RandomSampler(replacement=, num_samples=)."""

import numpy as np
import pytest

import minigrad as mg
import minigrad.data
from minigrad.random import Generator


def test_pytorch_import_line_gives_minigrad_data_objects():
    from minigrad.utils.data import (
        DataLoader,
        Dataset,
        DistributedSampler,
        RandomSampler,
        TensorDataset,
        random_split,
    )
    assert DataLoader is minigrad.data.DataLoader and Dataset is minigrad.data.Dataset
    assert TensorDataset is minigrad.data.TensorDataset
    assert random_split is minigrad.data.random_split
    assert RandomSampler is minigrad.data.RandomSampler
    assert DistributedSampler is minigrad.data.DistributedSampler
    import minigrad.utils.data as data_module
    assert mg.utils.data is data_module


def test_a_pytorch_style_loader_call_runs_and_batches_as_without_the_options():
    from minigrad.utils.data import DataLoader, TensorDataset
    ds = TensorDataset(mg.arange(10.0), mg.arange(10))
    seen = []
    loader = DataLoader(ds, batch_size=4, shuffle=False, num_workers=0, pin_memory=True,
                        drop_last=True, collate_fn=None, persistent_workers=False,
                        worker_init_fn=lambda i: seen.append(i), timeout=0)
    batches = [y.tolist() for _, y in loader]
    assert batches == [[0, 1, 2, 3], [4, 5, 6, 7]] and len(loader) == 2
    assert seen == []  # no workers, so no worker_init_fn calls (as in PyTorch)

    def collate(items):
        return sum(float(x) for x, _ in items)

    assert list(DataLoader(ds, batch_size=5, collate_fn=collate)) == [10.0, 35.0]


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"persistent_workers": True}, "persistent_workers option needs num_workers > 0"),
    ({"prefetch_factor": 2}, "prefetch_factor option could only be specified"),
    ({"timeout": -1}, "timeout option should be non-negative"),
    ({"num_workers": -1}, "num_workers option should be non-negative"),
    ({"num_workers": 2}, "num_workers=2 is not supported"),
])
def test_worker_options_are_checked_as_pytorch_checks_them(kwargs, match):
    with pytest.raises(ValueError, match=match):
        minigrad.data.DataLoader(minigrad.data.TensorDataset(np.arange(4)), **kwargs)


def test_random_sampler_with_replacement_and_num_samples():
    s = minigrad.data.RandomSampler(range(5), replacement=True, num_samples=200,
                                    generator=Generator(0))
    draws = list(s)
    assert len(s) == 200 and len(draws) == 200
    assert set(draws) == set(range(5))  # 200 draws from 5 values hit each (P(miss) ~ 1e-19)
    assert max(np.bincount(draws)) > 1  # drawn with replacement: indices repeat


def test_random_sampler_without_replacement_chains_permutations():
    s = minigrad.data.RandomSampler(range(4), num_samples=10, generator=Generator(1))
    draws = list(s)
    assert len(draws) == 10
    assert sorted(draws[:4]) == [0, 1, 2, 3] and sorted(draws[4:8]) == [0, 1, 2, 3]
    assert len(minigrad.data.RandomSampler(range(4), num_samples=3)) == 3


def test_random_sampler_seeded_generator_repeats_and_checks_its_arguments():
    a = list(minigrad.data.RandomSampler(range(9), generator=Generator(3)))
    b = list(minigrad.data.RandomSampler(range(9), False, None, Generator(3)))
    assert a == b and sorted(a) == list(range(9))
    with pytest.raises(TypeError, match="replacement should be a boolean"):
        minigrad.data.RandomSampler(range(3), replacement=1)
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        minigrad.data.RandomSampler(range(3), num_samples=0)


def test_loader_over_a_sampler_with_replacement():
    ds = minigrad.data.TensorDataset(np.arange(6))
    sampler = minigrad.data.RandomSampler(ds, replacement=True, num_samples=9,
                                          generator=Generator(0))
    loader = minigrad.data.DataLoader(ds, batch_size=4, sampler=sampler)
    sizes = [len(b[0]) for b in loader]
    assert sizes == [4, 4, 1] and len(loader) == 3
