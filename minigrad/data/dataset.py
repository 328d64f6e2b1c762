"""Datasets: the map-style ``Dataset`` protocol and its common building blocks.

Names and semantics follow ``torch.utils.data``: a dataset answers ``len(ds)``
and ``ds[i]``; ``TensorDataset`` zips arrays along their first dimension;
``Subset`` and ``random_split`` select items; ``ConcatDataset`` (or ``a + b``)
chains datasets.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from minigrad import random as mgrandom
from minigrad._tensor import Tensor
from minigrad.data._utils import as_array, check_random_generator


class Dataset:
    """Base class of map-style datasets: override ``__getitem__`` and ``__len__``.

    >>> class Squares(Dataset):
    ...     def __len__(self):
    ...         return 4
    ...     def __getitem__(self, i):
    ...         return i * i
    >>> [Squares()[i] for i in range(4)]
    [0, 1, 4, 9]
    """

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class TensorDataset(Dataset):
    """Items are the i-th rows of each tensor: ``ds[i] == (t0[i], t1[i], ...)``.

    Accepts Tensors or ndarrays (kept without copying, in ``self.tensors``);
    items come back as Tensors.

    >>> ds = TensorDataset(np.zeros((5, 3)), np.arange(5))
    >>> len(ds), ds[2][1].item()
    (5, 2)
    """

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset: needs at least one tensor")
        arrays = [as_array(t) for t in tensors]
        shapes = ", ".join(str(a.shape) for a in arrays)
        if any(a.ndim == 0 for a in arrays):
            raise ValueError(
                f"TensorDataset: tensors must have a first dimension, got shapes {shapes}"
            )
        if len({a.shape[0] for a in arrays}) > 1:
            raise ValueError(
                "TensorDataset: all tensors must have the same size in the first dimension, "
                f"got shapes {shapes}"
            )
        self.tensors = tensors
        self.arrays = tuple(arrays)

    def __getitem__(self, index: int) -> tuple[Tensor, ...]:
        return tuple(Tensor(np.asarray(a[index])) for a in self.arrays)

    def __len__(self) -> int:
        return self.arrays[0].shape[0]


class Subset(Dataset):
    """The items of ``dataset`` at ``indices``, in that order.

    >>> Subset(TensorDataset(np.arange(10)), [7, 3])[1][0].item()
    3
    """

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index: int) -> Any:
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """Several datasets chained end to end (also what ``a + b`` builds).

    >>> ds = TensorDataset(np.arange(3)) + TensorDataset(np.arange(10, 12))
    >>> len(ds), ds[3][0].item()
    (5, 10)
    """

    def __init__(self, datasets: Sequence[Dataset]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        self.cumulative_sizes = list(np.cumsum([len(d) for d in self.datasets]).tolist())

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> Any:
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError(f"ConcatDataset: index out of range for a dataset of length {n}")
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[which - 1] if which > 0 else 0
        return self.datasets[which][index - start]


def random_split(
    dataset: Dataset,
    lengths: Sequence[int | float],
    generator: mgrandom.Generator | None = None,
) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random subsets of the given lengths.

    ``lengths`` are either ints summing to ``len(dataset)`` or fractions
    summing to 1; fractional sizes are floored and the remainder handed out
    one item at a time, round-robin from the first subset (as PyTorch does).

    >>> a, b = random_split(TensorDataset(np.arange(10)), [0.7, 0.3])
    >>> len(a), len(b)
    (7, 3)
    """
    check_random_generator(generator, "random_split")
    n = len(dataset)
    lengths = list(lengths)
    if any(x < 0 for x in lengths):
        raise ValueError(f"random_split: lengths must be non-negative, got {lengths}")
    if math.isclose(sum(lengths), 1) and sum(lengths) <= n:
        lengths = _fractions_to_lengths(lengths, n)
    if any(int(x) != x for x in lengths):
        raise ValueError(
            f"random_split: lengths must be ints summing to {n} or fractions summing to 1, "
            f"got {lengths}"
        )
    lengths = [int(x) for x in lengths]
    if sum(lengths) != n:
        raise ValueError(
            f"random_split: sum of lengths {lengths} is {sum(lengths)}, "
            f"but the dataset has length {n}"
        )
    order = mgrandom.rng(generator).permutation(n).tolist()
    bounds = np.cumsum([0] + lengths).tolist()
    return [Subset(dataset, order[lo:hi]) for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]


def _fractions_to_lengths(fractions: list[float], n: int) -> list[int]:
    if any(f > 1 for f in fractions):
        raise ValueError(f"random_split: fractions must lie in [0, 1], got {fractions}")
    lengths = [math.floor(n * f) for f in fractions]
    for i in range(n - sum(lengths)):
        lengths[i % len(lengths)] += 1
    return lengths
