"""DataLoader produces index batches lazily: an effectively endless sampler costs no memory,
and batches, lengths and resuming behave as with a finite one."""

import tracemalloc

import numpy as np
import pytest

import minigrad as mg
from minigrad.data import DataLoader, RandomSampler, TensorDataset
from minigrad.random import Generator


def _dataset(n=10):
    return TensorDataset(mg.arange(n), mg.arange(n) * 10)


def test_an_endless_sampler_keeps_memory_flat():
    sampler = RandomSampler(_dataset(), replacement=True, num_samples=int(1e10),
                            generator=Generator(0))
    loader = DataLoader(_dataset(), batch_size=4, sampler=sampler)
    assert len(loader) == int(1e10) // 4
    tracemalloc.start()
    try:
        it = iter(loader)
        seen = set()
        for _ in range(3 * RandomSampler.CHUNK // 4):  # three chunks' worth of batches
            seen.update(next(it)[0].tolist())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20, peak  # a few chunks of indices, not 80 GB
    assert seen == set(range(10))


@pytest.mark.parametrize("replacement,num_samples", [(True, 23), (False, 23), (False, 7),
                                                     (True, None), (False, None)])
@pytest.mark.parametrize("drop_last", [False, True])
def test_batches_cover_the_samples(replacement, num_samples, drop_last):
    sampler = RandomSampler(_dataset(), replacement, num_samples, generator=Generator(1))
    loader = DataLoader(_dataset(), batch_size=4, sampler=sampler, drop_last=drop_last)
    sizes = [len(b[0]) for b in loader]
    total = len(sampler)
    assert len(sizes) == len(loader)
    assert sum(sizes) == (total // 4 * 4 if drop_last else total)
    assert all(s == 4 for s in sizes[:-1])
    if not replacement and num_samples is None and not drop_last:
        assert sorted(np.concatenate([b[0].numpy() for b in loader]).tolist()) == list(range(10))


def test_without_replacement_a_long_pass_chains_permutations():
    order = list(RandomSampler(range(5), num_samples=12, generator=Generator(2)))
    assert len(order) == 12
    assert sorted(order[:5]) == sorted(order[5:10]) == list(range(5))


def test_resume_mid_epoch_with_replacement_gives_the_same_batches():
    def loader():
        sampler = RandomSampler(_dataset(), replacement=True, num_samples=40,
                                generator=Generator(3))
        return DataLoader(_dataset(), batch_size=3, sampler=sampler)

    first = loader()
    it = iter(first)
    for _ in range(4):
        next(it)
    state = first.state_dict()
    rest = [b[0].numpy() for b in it]
    second = loader()
    second.load_state_dict(state)
    resumed = [b[0].numpy() for b in second]
    assert len(resumed) == len(rest)
    for a, b in zip(rest, resumed):
        np.testing.assert_array_equal(a, b)


def test_arguments_are_checked():
    with pytest.raises(TypeError, match="boolean value.*generator= by keyword"):
        RandomSampler(range(3), Generator(0))
    with pytest.raises(ValueError):
        RandomSampler(range(3), num_samples=0)
