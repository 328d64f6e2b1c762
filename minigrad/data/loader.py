"""``DataLoader``: iterate a dataset in (optionally shuffled) batches of Tensors.

Follows ``torch.utils.data.DataLoader``. Two minigrad specifics:

- Fast path: over a ``TensorDataset`` (or ``Subset``s of one) with the
  default collation, each batch is one fancy-index of the underlying arrays,
  with no per-item Python loop.
- ``state_dict()`` / ``load_state_dict()`` record the epoch count, the batches
  already served this epoch and the shuffling generator's state at the start
  of the epoch, so a resumed run sees the same remaining batches and the same
  later permutations.

Worker processes (``num_workers > 0``) are refused; see ``DataLoader``.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from minigrad import random as mgrandom
from minigrad._tensor import Tensor
from minigrad.data._utils import check_positive_int, check_random_generator
from minigrad.data.collate import collate_items
from minigrad.data.dataset import Dataset, Subset, TensorDataset
from minigrad.data.iterable import IterableDataset
from minigrad.data.sampler import RandomSampler, Sampler, SequentialSampler

_STATE_KEYS = {"epoch", "batches_yielded", "generator_state"}


def _check_worker_options(num_workers: Any, timeout: Any, prefetch_factor: Any,
                          persistent_workers: Any) -> None:
    """PyTorch's checks of the worker options (for ``num_workers=0``: none may ask for
    workers)."""
    if not isinstance(num_workers, int | np.integer) or num_workers < 0:
        raise ValueError("DataLoader: num_workers option should be non-negative; "
                         "use num_workers=0 to disable multiprocessing.")
    if not isinstance(timeout, int | float) or timeout < 0:
        raise ValueError("DataLoader: timeout option should be non-negative")
    if num_workers == 0 and prefetch_factor is not None:
        raise ValueError("DataLoader: prefetch_factor option could only be specified in "
                         "multiprocessing. Let num_workers > 0 to enable multiprocessing, "
                         "otherwise set prefetch_factor to None.")
    if persistent_workers and num_workers == 0:
        raise ValueError("DataLoader: persistent_workers option needs num_workers > 0")


def _check_iterable_options(shuffle: Any, sampler: Any) -> None:
    """PyTorch's refusals for an IterableDataset: it has no indices to sample or shuffle."""
    if shuffle not in (False, None):
        raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle "
                         f"option, but got shuffle={shuffle}")
    if sampler is not None:
        raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler "
                         f"option, but got sampler={sampler}")


class DataLoader:
    """Batches of ``dataset``, reshuffled every epoch when ``shuffle=True``.

    Shuffling draws one permutation per epoch from ``generator`` (a
    ``minigrad.random.Generator``) or, if None, from minigrad's default
    generator, so ``mg.manual_seed(n)`` makes the epochs reproducible.
    ``pin_memory`` is accepted and changes nothing (there is no GPU to copy to);
    ``timeout``, ``worker_init_fn``, ``prefetch_factor`` and ``persistent_workers``
    concern worker processes and are checked as PyTorch checks them when
    ``num_workers=0``. ``num_workers`` must be 0: worker processes would need the spawn start
    method (numba's OpenMP runtime kills forked children), and for in-memory
    arrays one fancy-index per batch is faster than shipping batches between
    processes.

    >>> ds = TensorDataset(np.arange(10.0), np.arange(10))
    >>> loader = DataLoader(ds, batch_size=4)
    >>> len(loader), [tuple(x.shape) for x, y in loader]
    (3, [(4,), (4,), (2,)])
    """

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int = 1,
        shuffle: bool = False,
        sampler: Sampler | None = None,
        drop_last: bool = False,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        generator: mgrandom.Generator | None = None,
        num_workers: int = 0,
        pin_memory: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
    ) -> None:
        _check_worker_options(num_workers, timeout, prefetch_factor, persistent_workers)
        if num_workers != 0:
            raise ValueError(
                f"DataLoader: num_workers={num_workers} is not supported; minigrad loads "
                "batches in the main process (use num_workers=0). Worker processes would "
                "need the spawn start method, and in-memory batching is faster without them."
            )
        if not isinstance(batch_size, int | np.integer) and hasattr(batch_size, "__len__"):
            raise TypeError(
                f"DataLoader: batch_size must be an int, got {type(batch_size).__name__}; "
                "DataLoader takes one dataset: for arrays X and y write "
                "DataLoader(TensorDataset(X, y), batch_size=32)"
            )
        check_random_generator(generator, "DataLoader")
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            _check_iterable_options(shuffle, sampler)
        elif sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if not self._iterable and len(dataset) == 0:
            raise ValueError("DataLoader: the dataset is empty (len(dataset) == 0)")
        if sampler is None and not self._iterable:
            sampler = (RandomSampler(dataset, generator=generator) if shuffle
                       else SequentialSampler(dataset))
        self.dataset = dataset
        self.batch_size = check_positive_int(batch_size, "batch_size", "DataLoader")
        self.sampler = sampler
        self.drop_last = drop_last
        self.collate_fn = collate_fn
        self.generator = generator
        self._epoch = 0
        self._in_epoch = False
        self._batches_yielded = 0
        self._epoch_start_state: dict[str, Any] | None = None
        self._resume_skip = 0

    def __len__(self) -> int:
        if self._iterable:
            if not hasattr(self.dataset, "__len__"):
                raise TypeError(f"DataLoader: the {type(self.dataset).__name__} "
                                "(an IterableDataset) has no __len__, so the loader has none")
            n = len(self.dataset)
        else:
            n = len(self.sampler)
        if self.drop_last:
            return n // self.batch_size
        return -(-n // self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        if self._iterable:
            return self._serve_stream()
        generator = self._sampling_generator()
        self._epoch_start_state = generator.get_state() if generator is not None else None
        skip, self._resume_skip = self._resume_skip, 0
        self._batches_yielded = skip
        self._in_epoch = True
        index_batches = self._index_batches()
        return self._serve(itertools.islice(index_batches, skip, None))

    def _serve(self, index_batches: Iterator[Any]) -> Iterator[Any]:
        fetch = self._fast_fetch() or self._fetch_items
        for indices in index_batches:
            batch = fetch(indices)
            self._batches_yielded += 1
            yield batch
        self._in_epoch = False
        self._epoch += 1
        self._batches_yielded = 0

    def _serve_stream(self) -> Iterator[Any]:
        """Batches of an IterableDataset's items, in stream order."""
        stream = iter(self.dataset)
        while True:
            items = list(itertools.islice(stream, self.batch_size))
            if not items or (self.drop_last and len(items) < self.batch_size):
                return
            yield self.collate_fn(items) if self.collate_fn is not None else collate_items(
                items, None)

    def _index_batches(self) -> Iterator[Any]:
        """This epoch's indices cut into batches, produced lazily (memory does not grow
        with the sampler's length). The sampler's randomness is drawn now."""
        if hasattr(self.sampler, "index_chunks"):
            return _array_batches(self.sampler.index_chunks(), self.batch_size, len(self))
        if hasattr(self.sampler, "index_array"):
            return _array_batches(iter([self.sampler.index_array()]), self.batch_size,
                                  len(self))
        return _list_batches(iter(self.sampler), self.batch_size, len(self))

    def _fetch_items(self, indices: Sequence[Any]) -> Any:
        if isinstance(indices, np.ndarray):
            indices = indices.tolist()
        items = [self.dataset[i] for i in indices]
        if self.collate_fn is not None:
            return self.collate_fn(items)
        return collate_items(items, indices)

    def _fast_fetch(self) -> Callable[[Any], tuple[Tensor, ...]] | None:
        """A batch fetcher that fancy-indexes a TensorDataset's arrays, if possible."""
        if self.collate_fn is not None:
            return None
        dataset, index_map = self.dataset, None
        while type(dataset).__getitem__ is Subset.__getitem__:
            indices = np.asarray(dataset.indices, dtype=np.int64)
            index_map = indices if index_map is None else indices[index_map]
            dataset = dataset.dataset
        if type(dataset).__getitem__ is not TensorDataset.__getitem__:
            return None
        arrays = dataset.arrays

        def fetch(indices: Any) -> tuple[Tensor, ...]:
            rows = np.asarray(indices, dtype=np.int64)
            if index_map is not None:
                rows = index_map[rows]
            return tuple(Tensor(a[rows]) for a in arrays)

        return fetch

    def _sampling_generator(self) -> mgrandom.Generator | None:
        """The generator the sampler shuffles with (None if it does not shuffle)."""
        if isinstance(self.sampler, RandomSampler):
            return self.sampler.generator or mgrandom.default_generator
        return getattr(self.sampler, "generator", None)

    def state_dict(self) -> dict[str, Any]:
        """Where iteration stands: epochs completed, batches served, generator state.

        ``generator_state`` is the shuffling generator's state at the start of
        the current epoch (or now, between epochs); None when not shuffling.
        """
        if self._in_epoch and self._batches_yielded < len(self):
            return {
                "epoch": self._epoch,
                "batches_yielded": self._batches_yielded,
                "generator_state": copy.deepcopy(self._epoch_start_state),
            }
        generator = self._sampling_generator()
        return {
            "epoch": self._epoch + int(self._in_epoch),
            "batches_yielded": 0,
            "generator_state": generator.get_state() if generator is not None else None,
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Resume from ``state_dict()``: the next iteration skips the batches already
        served and redraws the same permutation.

        This sets the shuffling generator's state; with the default generator
        that is minigrad's global one, so pass a dedicated ``generator=`` to
        keep data order and other randomness (dropout) independent.
        """
        if not isinstance(state_dict, dict) or set(state_dict) != _STATE_KEYS:
            got = sorted(state_dict) if isinstance(state_dict, dict) else type(state_dict).__name__
            raise ValueError(
                f"DataLoader.load_state_dict: expected keys {sorted(_STATE_KEYS)}, got {got}"
            )
        skip = state_dict["batches_yielded"]
        if not 0 <= skip <= len(self):
            raise ValueError(
                f"DataLoader.load_state_dict: batches_yielded={skip} does not fit a loader "
                f"of {len(self)} batches"
            )
        generator = self._sampling_generator()
        saved = state_dict["generator_state"]
        if (saved is None) != (generator is None):
            raise ValueError(
                "DataLoader.load_state_dict: the state is from a loader that "
                f"{'does not shuffle' if saved is None else 'shuffles'}, this one "
                f"{'does' if generator is not None else 'does not'}"
            )
        if generator is not None:
            generator.set_state(copy.deepcopy(saved))
        self._epoch = int(state_dict["epoch"])
        self._resume_skip = int(skip)
        self._in_epoch = False
        self._batches_yielded = 0


def _array_batches(chunks: Iterator[np.ndarray], size: int, count: int) -> Iterator[np.ndarray]:
    """``count`` batches of ``size`` indices (the last may be short) cut from int arrays."""
    pending = np.empty(0, np.int64)
    served = 0
    for chunk in chunks:
        pending = np.concatenate([pending, chunk]) if len(pending) else chunk
        start = 0
        while len(pending) - start >= size and served < count:
            yield pending[start : start + size]
            start += size
            served += 1
        pending = pending[start:]
        if served == count:
            return
    if len(pending) and served < count:
        yield pending


def _list_batches(indices: Iterator[Any], size: int, count: int) -> Iterator[list[Any]]:
    """``count`` batches of ``size`` items from any sampler's iterator."""
    for _ in range(count):
        batch = list(itertools.islice(indices, size))
        if not batch:
            return
        yield batch
