"""Samplers: the order in which a ``DataLoader`` visits a dataset's indices.

Following ``torch.utils.data``: ``SequentialSampler`` (0, 1, 2, ...),
``RandomSampler`` (a fresh permutation per pass), ``WeightedRandomSampler``
(indices drawn with given weights) and ``BatchSampler`` (groups another sampler's
indices into lists).
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
    """A new random permutation of the indices on every pass (PyTorch's arguments).

    With ``replacement=True`` it draws ``num_samples`` indices (default: the dataset's
    length) independently; without, ``num_samples`` larger than the dataset chains
    fresh permutations. Draws from ``generator`` (a ``minigrad.random.Generator``), or
    from minigrad's default generator if None, so ``mg.manual_seed`` fixes the order.
    A pass never holds more than one chunk of indices (or one permutation) in memory,
    so ``num_samples=int(1e10)`` (an effectively endless stream) is fine.

    >>> g = mgrandom.Generator(0)
    >>> sorted(RandomSampler(range(5), generator=g))
    [0, 1, 2, 3, 4]
    >>> len(RandomSampler(range(5), replacement=True, num_samples=12))
    12
    """

    CHUNK = 1 << 16  # indices drawn at a time with replacement

    def __init__(self, data_source: Sized, replacement: bool = False,
                 num_samples: int | None = None,
                 generator: mgrandom.Generator | None = None) -> None:
        if not isinstance(replacement, bool):
            raise TypeError(f"RandomSampler: replacement should be a boolean value, but got "
                            f"replacement={replacement!r} (pass generator= by keyword)")
        if num_samples is not None and (not isinstance(num_samples, int | np.integer)
                                        or isinstance(num_samples, bool) or num_samples <= 0):
            raise ValueError(f"RandomSampler: num_samples should be a positive integer value, "
                             f"but got num_samples={num_samples!r}")
        check_random_generator(generator, "RandomSampler")
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator

    @property
    def num_samples(self) -> int:
        """How many indices one pass yields."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def index_chunks(self) -> Iterator[np.ndarray]:
        """One pass as int64 arrays, drawn lazily. The randomness for the whole pass is
        taken from the generator now (one seed), so the pass does not depend on what
        else draws from the generator while it is consumed."""
        n, total = len(self.data_source), self.num_samples
        if not self.replacement and total <= n:  # one permutation, drawn directly
            return iter([mgrandom.rng(self.generator).permutation(n).astype(np.int64)[:total]])
        stream = np.random.default_rng(int(mgrandom.rng(self.generator).integers(2**63)))
        return self._chunks(stream, n, total)

    def _chunks(self, stream: np.random.Generator, n: int, total: int) -> Iterator[np.ndarray]:
        left = total
        while left > 0:
            if self.replacement:
                chunk = stream.integers(0, n, min(left, self.CHUNK), dtype=np.int64)
            else:
                chunk = stream.permutation(n).astype(np.int64)[:left]
            left -= len(chunk)
            yield chunk

    def __iter__(self) -> Iterator[int]:
        for chunk in self.index_chunks():
            yield from chunk.tolist()

    def __len__(self) -> int:
        return self.num_samples


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices in ``[0, len(weights))``, index i drawn with probability
    ``weights[i] / sum(weights)`` (PyTorch's arguments; weights need not sum to 1).

    With ``replacement=False`` an index is drawn at most once, so ``num_samples``
    may not exceed the number of nonzero weights. Draws from ``generator`` or
    minigrad's default generator (``mg.manual_seed`` fixes the draws).

    >>> g = mgrandom.Generator(0)
    >>> draws = list(WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], 6, generator=g))
    >>> sorted(set(draws)), len(draws)
    ([1, 3], 6)
    """

    def __init__(self, weights: Any, num_samples: int, replacement: bool = True,
                 generator: mgrandom.Generator | None = None) -> None:
        if (not isinstance(num_samples, int | np.integer) or isinstance(num_samples, bool)
                or num_samples <= 0):
            raise ValueError(f"WeightedRandomSampler: num_samples should be a positive "
                             f"integer value, but got num_samples={num_samples!r}")
        if not isinstance(replacement, bool):
            raise ValueError(f"WeightedRandomSampler: replacement should be a boolean "
                             f"value, but got replacement={replacement!r}")
        check_random_generator(generator, "WeightedRandomSampler")
        w = np.asarray(weights.numpy(force=True) if hasattr(weights, "numpy") else weights,
                       dtype=np.float64)
        if w.ndim != 1 or w.size == 0:
            raise ValueError(f"WeightedRandomSampler: weights must be a non-empty 1-D "
                             f"sequence, got shape {w.shape}")
        if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
            raise ValueError("WeightedRandomSampler: weights must be finite, non-negative "
                             "and not all zero")
        if not replacement and num_samples > np.count_nonzero(w):
            raise ValueError(f"WeightedRandomSampler: cannot draw num_samples={num_samples} "
                             f"without replacement from {np.count_nonzero(w)} nonzero weights")
        self.weights = w
        self.num_samples = int(num_samples)
        self.replacement = replacement
        self.generator = generator

    def index_array(self) -> np.ndarray:
        """One pass of drawn indices as an int64 array (what ``__iter__`` yields)."""
        rng = mgrandom.rng(self.generator)
        p = self.weights / self.weights.sum()
        return rng.choice(len(p), size=self.num_samples, replace=self.replacement,
                          p=p).astype(np.int64)

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
