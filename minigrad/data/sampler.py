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

    ``RandomSampler(data_source, replacement=False, num_samples=None, generator=None)``
    as in PyTorch: with ``replacement=True`` each pass draws ``num_samples`` indices
    independently (default ``len(data_source)``); without, ``num_samples`` larger
    than the data set chains fresh permutations. Draws from ``generator`` (a
    ``minigrad.random.Generator``), or from minigrad's default generator if None, so
    ``mg.manual_seed`` fixes the order.

    >>> g = mgrandom.Generator(0)
    >>> sorted(RandomSampler(range(5), generator=g))
    [0, 1, 2, 3, 4]
    >>> len(RandomSampler(range(5), replacement=True, num_samples=12))
    12
    """

    def __init__(self, data_source: Sized, replacement: bool = False,
                 num_samples: int | None = None,
                 generator: mgrandom.Generator | None = None) -> None:
        if isinstance(replacement, mgrandom.Generator) and generator is None:
            replacement, generator = False, replacement  # the older (data_source, generator)
        if not isinstance(replacement, bool):
            raise TypeError(f"RandomSampler: replacement should be a boolean value, "
                            f"but got replacement={replacement!r}")
        if num_samples is not None and (not isinstance(num_samples, int | np.integer)
                                        or isinstance(num_samples, bool) or num_samples <= 0):
            raise ValueError(f"RandomSampler: num_samples should be a positive integer value, "
                             f"but got num_samples={num_samples!r}")
        check_random_generator(generator, "RandomSampler")
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = None if num_samples is None else int(num_samples)
        self.generator = generator

    @property
    def num_samples(self) -> int:
        """Indices per pass: ``num_samples`` if given, else ``len(data_source)``."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def index_array(self) -> np.ndarray:
        """One pass's indices as an int64 array; each call draws new ones."""
        n, k = len(self.data_source), self.num_samples
        rng = mgrandom.rng(self.generator)
        if self.replacement:
            return rng.integers(0, n, size=k, dtype=np.int64)
        perms = [rng.permutation(n) for _ in range(-(-k // n))] if n else [np.zeros(0)]
        return np.concatenate(perms)[:k].astype(np.int64)

    def __iter__(self) -> Iterator[int]:
        return iter(self.index_array().tolist())

    def __len__(self) -> int:
        return self.num_samples


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
