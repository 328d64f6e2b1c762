"""Samplers: the order in which a ``DataLoader`` visits a dataset's indices.

Following ``torch.utils.data``: ``SequentialSampler`` (0, 1, 2, ...),
``RandomSampler`` (a fresh permutation per pass) and ``BatchSampler``
(groups another sampler's indices into lists).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sized
from typing import Any

import numpy as np

from minigrad import random as mgrandom
from minigrad.data._utils import check_positive_int, check_random_generator


class Sampler:
    """Base class: iterating yields dataset indices; ``len`` counts them."""

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")


class SequentialSampler(Sampler):
    """Indices ``0 .. len(data_source) - 1`` in order.

    >>> list(SequentialSampler(range(3)))
    [0, 1, 2]
    """

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def index_array(self) -> np.ndarray:
        """All indices of one pass as an int64 array (what ``__iter__`` yields)."""
        return np.arange(len(self.data_source), dtype=np.int64)

    def __iter__(self) -> Iterator[int]:
        return iter(self.index_array().tolist())

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A new random permutation of the indices on every pass.

    Draws from ``generator`` (a ``minigrad.random.Generator``), or from
    minigrad's default generator if None, so ``mg.manual_seed`` fixes the order.

    >>> g = mgrandom.Generator(0)
    >>> sorted(RandomSampler(range(5), generator=g))
    [0, 1, 2, 3, 4]
    """

    def __init__(self, data_source: Sized, generator: mgrandom.Generator | None = None) -> None:
        check_random_generator(generator, "RandomSampler")
        self.data_source = data_source
        self.generator = generator

    def index_array(self) -> np.ndarray:
        """One pass's permutation as an int64 array; each call draws a new one."""
        n = len(self.data_source)
        return mgrandom.rng(self.generator).permutation(n).astype(np.int64)

    def __iter__(self) -> Iterator[int]:
        return iter(self.index_array().tolist())

    def __len__(self) -> int:
        return len(self.data_source)


class BatchSampler(Sampler):
    """Groups the indices of ``sampler`` into lists of ``batch_size``.

    >>> list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False))
    [[0, 1], [2, 3], [4]]
    """

    def __init__(self, sampler: Iterable[Any], batch_size: int, drop_last: bool) -> None:
        self.sampler = sampler
        self.batch_size = check_positive_int(batch_size, "batch_size", "BatchSampler")
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[Any]]:
        batch = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)
        if self.drop_last:
            return n // self.batch_size
        return (n + self.batch_size - 1) // self.batch_size
