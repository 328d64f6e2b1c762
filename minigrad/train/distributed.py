"""What the Trainer does differently when it trains data-parallel on several ranks.

``Trainer(..., distributed=True)`` (or None with an initialized process group of more
than one rank) makes a :class:`DistributedTraining` that the Trainer consults at a few
points of ``fit``: every rank starts from rank 0's weights, trains on its own shard of
the data (a ``DistributedSampler``), averages the gradients before each optimizer step,
and reports losses and metrics summed over all ranks, so every rank logs the same
numbers and makes the same callback decisions. Only rank 0 prints, writes checkpoints
and runs the callbacks that only write files (``rank_zero_only``). See docs/distributed.md.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from minigrad import distributed as dist
from minigrad import random as mgrandom
from minigrad.data import DataLoader, DistributedSampler, Subset
from minigrad.distributed.collectives import ReduceOp, all_reduce_array
from minigrad.distributed.ddp import DistributedDataParallel, GradientAverager, broadcast_module


def distributed_training(distributed: bool | None, model: Any,
                         metrics: list[Any]) -> DistributedTraining | None:
    """The Trainer's distributed helper, or None for ordinary single-process training.

    ``distributed=None`` detects: an initialized process group of more than one rank.
    ``True`` initializes the default process group if needed.
    """
    if distributed is None:
        distributed = dist.is_initialized() and dist.get_world_size() > 1
    if not distributed:
        return None
    if not dist.is_initialized():
        dist.init_process_group("mpi")
    for metric in metrics:
        if getattr(metric, "sum_states", None) is None:
            raise TypeError(f"Trainer(distributed=True): metric {metric.name!r} "
                            f"({type(metric).__name__}) cannot be combined across ranks "
                            "(it declares no sum_states)")
    return DistributedTraining(model)


class DistributedTraining:
    """Rank, world size, and the collectives the Trainer needs (see the module doc)."""

    def __init__(self, model: Any) -> None:
        from minigrad.distributed.process_group import default_group

        self.group = default_group("Trainer(distributed=True)")
        self.rank, self.world_size = self.group.rank, self.group.world_size
        self.is_main = self.rank == 0
        self.averager: GradientAverager | None = None
        if not isinstance(model, DistributedDataParallel):  # DDP averages by itself
            broadcast_module(model, self.group, 0)
            params = [p for p in model.parameters() if p.requires_grad]
            self.averager = GradientAverager(params, self.group)

    def verbose(self, verbose: int) -> int:
        return verbose if self.is_main else 0

    def callbacks(self, callbacks: list[Any]) -> list[Any]:
        """The callbacks this rank runs: all of them on rank 0, else those that do not
        only write files."""
        if self.is_main:
            return callbacks
        return [cb for cb in callbacks if not getattr(cb, "rank_zero_only", False)]

    def shared_seed(self, generator: mgrandom.Generator) -> int:
        """A seed drawn from a copy of rank 0's ``generator`` (so a resumed run, which
        restores the generator, draws the same one), the same on every rank."""
        peek = mgrandom.Generator(0)
        peek.set_state(generator.get_state())
        seed = np.array([mgrandom.rng(peek).integers(2**31)], dtype=np.int64)
        if self.world_size > 1:
            self.group.comm.Bcast(seed, root=0)
        return int(seed[0])

    def shard_train(self, data: Any, loader: Any, shuffle: bool,
                    generator: mgrandom.Generator) -> Any:
        """Each rank's loader: a DataLoader over ``(X, y)`` gets a DistributedSampler;
        a loader the user built is kept (with a warning unless it is sharded)."""
        if loader is data:
            if not isinstance(getattr(loader, "sampler", None), DistributedSampler):
                warnings.warn("Trainer(distributed=True): train_data is a loader without a "
                              "DistributedSampler, so every rank trains on the same batches",
                              stacklevel=3)
            return loader
        sampler = DistributedSampler(loader.dataset, self.world_size, self.rank,
                                     shuffle=shuffle, seed=self.shared_seed(generator))
        return DataLoader(loader.dataset, batch_size=loader.batch_size, sampler=sampler)

    def shard_eval(self, data: Any, loader: Any) -> Any:
        """Each rank evaluates every world_size-th sample of ``(X, y)`` data (no padding:
        the sums over ranks count every sample once)."""
        if loader is data:
            return loader
        rows = list(range(self.rank, len(loader.dataset), self.world_size))
        if not rows:
            raise ValueError(f"Trainer: {len(loader.dataset)} evaluation samples leave rank "
                             f"{self.rank} of {self.world_size} none")
        return DataLoader(Subset(loader.dataset, rows), batch_size=loader.batch_size)

    @staticmethod
    def set_epoch(loader: Any, epoch: int) -> None:
        sampler = getattr(loader, "sampler", None)
        if hasattr(sampler, "set_epoch"):
            sampler.set_epoch(epoch)

    def average_gradients(self) -> None:
        if self.averager is not None:
            self.averager.average()

    def any(self, flag: bool) -> bool:
        """True on every rank if ``flag`` is True on any rank."""
        value = np.array([1.0 if flag else 0.0])
        return bool(all_reduce_array(value, ReduceOp.MAX, self.group)[0])

    def sum_states(self, metrics: list[Any]) -> None:
        """Replace each metric's ``sum_states`` by their sums over all ranks (one
        allreduce for all of them; arrays are zero-padded to the largest shape first)."""
        entries = [(m, name) for m in metrics for name in m.sum_states]
        values = [np.asarray(getattr(m, name)) for m, name in entries]
        shapes = self._largest_shapes(values)
        padded = []
        for v, shape in zip(values, shapes):
            full = np.zeros(shape, dtype=np.float64)
            full[tuple(slice(0, n) for n in v.shape)] = v
            padded.append(full.ravel())
        flat = np.concatenate(padded) if padded else np.zeros(0)
        all_reduce_array(flat, ReduceOp.SUM, self.group)
        start = 0
        for (m, name), v, shape in zip(entries, values, shapes):
            size = int(np.prod(shape))
            total = flat[start:start + size].reshape(shape)
            start += size
            if v.ndim == 0:
                total = type(getattr(m, name))(total.item())
            else:
                total = total.astype(v.dtype)
            setattr(m, name, total)

    def _largest_shapes(self, values: list[np.ndarray]) -> list[tuple[int, ...]]:
        dims = np.array([n for v in values for n in v.shape], dtype=np.float64)
        if dims.size:
            all_reduce_array(dims, ReduceOp.MAX, self.group)
        shapes, start = [], 0
        for v in values:
            shapes.append(tuple(int(n) for n in dims[start:start + v.ndim]))
            start += v.ndim
        return shapes

    def barrier(self) -> None:
        dist.barrier(self.group)
