"""Iterable-style datasets (``torch.utils.data.IterableDataset``) and ``get_worker_info``.

An iterable-style dataset is a stream: ``DataLoader`` draws items from ``iter(dataset)``
and groups them into batches; there are no indices, so no sampler and no shuffling.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


class IterableDataset:
    """Base class of stream datasets: override ``__iter__`` to yield items.

    ``DataLoader`` batches the stream in order (``batch_size``, ``drop_last``,
    ``collate_fn``); ``shuffle=True`` or a ``sampler`` is refused, as in PyTorch.
    ``len(loader)`` exists only if the dataset defines ``__len__``.

    >>> class Count(IterableDataset):
    ...     def __iter__(self):
    ...         return iter(range(5))
    >>> from minigrad.data import DataLoader
    >>> [b.tolist() for b in DataLoader(Count(), batch_size=2)]
    [[0, 1], [2, 3], [4]]
    """

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")

    def __getitem__(self, index: Any) -> Any:
        raise TypeError(f"{type(self).__name__} is an IterableDataset: it has no indexing, "
                        "iterate over it instead")


def get_worker_info() -> None:
    """Information about the current loader worker process: always None, since minigrad
    loads every batch in the main process (as PyTorch returns None there).

    >>> get_worker_info() is None
    True
    """
    return None
