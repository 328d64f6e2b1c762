"""``DistributedSampler``: each rank's share of a dataset, as ``torch.utils.data`` defines it."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sized

import numpy as np

from minigrad.data._utils import check_positive_int
from minigrad.data.sampler import Sampler


class DistributedSampler(Sampler):
    """The indices rank ``rank`` of ``num_replicas`` visits in one epoch.

    One order of the whole dataset (a permutation drawn from ``seed + epoch`` when
    ``shuffle``, identical on every rank) is dealt out round-robin: rank r takes
    positions r, r + num_replicas, ... So the ranks' shares are disjoint and together
    cover the dataset. When the length does not divide evenly, ``drop_last=False``
    pads with indices from the start of the order (a few samples seen twice per epoch)
    and ``drop_last=True`` drops the tail, so every rank gets the same number of
    batches. Call ``set_epoch(epoch)`` before each epoch for a new order (the Trainer
    does). ``num_replicas``/``rank`` default to the process group's world size and rank.

    >>> [list(DistributedSampler(range(5), num_replicas=2, rank=r, shuffle=False))
    ...  for r in (0, 1)]
    [[0, 2, 4], [1, 3, 0]]
    """

    def __init__(self, dataset: Sized, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False) -> None:
        if num_replicas is None or rank is None:
            # minigrad.distributed sits below data in the layering; only these defaults need it
            from minigrad import distributed as dist

            if not dist.is_initialized():
                raise RuntimeError("DistributedSampler: pass num_replicas and rank, or call "
                                   "minigrad.distributed.init_process_group() first")
            num_replicas = dist.get_world_size() if num_replicas is None else num_replicas
            rank = dist.get_rank() if rank is None else rank
        self.num_replicas = check_positive_int(num_replicas, "num_replicas", "DistributedSampler")
        self.rank = check_positive_int(rank, "rank", "DistributedSampler", minimum=0)
        if self.rank >= self.num_replicas:
            raise ValueError(f"DistributedSampler: rank {rank} is not in [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.shuffle, self.seed, self.drop_last = bool(shuffle), int(seed), bool(drop_last)
        self.epoch = 0
        n = len(dataset)
        if drop_last and n % self.num_replicas:
            self.num_samples = math.ceil((n - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(n / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas
        if self.num_samples == 0:
            raise ValueError(f"DistributedSampler: {n} samples cannot give each of "
                             f"{self.num_replicas} ranks one with drop_last=True")

    def set_epoch(self, epoch: int) -> None:
        """Choose the epoch whose order the next pass uses (``seed + epoch`` seeds it)."""
        self.epoch = int(epoch)

    def index_array(self) -> np.ndarray:
        """This rank's indices for the current epoch, as an int64 array."""
        n = len(self.dataset)
        if self.shuffle:
            order = np.random.default_rng(self.seed + self.epoch).permutation(n)
        else:
            order = np.arange(n)
        if self.total_size > n:
            reps = math.ceil((self.total_size - n) / n)
            order = np.concatenate([order] + [order] * reps)
        order = order[: self.total_size]
        return order[self.rank :: self.num_replicas].astype(np.int64)

    def __iter__(self) -> Iterator[int]:
        return iter(self.index_array().tolist())

    def __len__(self) -> int:
        return self.num_samples
