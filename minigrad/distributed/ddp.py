"""``DistributedDataParallel``: the same model on every rank, gradients averaged after backward.

At construction every rank receives rank 0's parameters and buffers. A hook on each
parameter notices the backward; once the backward has finished (every ``.grad``
written), the gradients are averaged across ranks in a few large buckets: each bucket
is one flat buffer, filled from the ``.grad`` arrays, summed in place by one MPI
allreduce, divided by the world size and copied back. Every rank then holds the
same averaged gradient and, stepping the same optimizer, the same weights.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from minigrad._tensor import Tensor
from minigrad.autograd.graph import increment_version, queue_callback
from minigrad.creation import from_numpy
from minigrad.distributed.collectives import ReduceOp, all_reduce_array
from minigrad.distributed.process_group import ProcessGroup, default_group
from minigrad.nn.modules.module import Module


class _Bucket:
    """Parameters of one dtype whose gradients travel together in one flat buffer."""

    def __init__(self, params: list[Tensor]) -> None:
        self.params = params
        self.offsets = np.cumsum([0] + [p.numel() for p in params]).tolist()
        self.buffer = np.empty(self.offsets[-1], dtype=params[0].dtype)

    def slots(self) -> Iterator[tuple[Tensor, np.ndarray]]:
        """(parameter, its gradient's place in the buffer, shaped like the parameter)."""
        for p, start, stop in zip(self.params, self.offsets, self.offsets[1:]):
            yield p, self.buffer[start:stop].reshape(p.shape)


def _make_buckets(params: list[Tensor], cap_bytes: int) -> list[_Bucket]:
    """Group parameters (in reverse registration order: roughly the order backward
    finishes them) into buckets of one dtype and at most ``cap_bytes`` each."""
    buckets: list[_Bucket] = []
    current: list[Tensor] = []
    size = 0
    for p in reversed(params):
        nbytes = p.numel() * p.numpy(force=True).itemsize
        if current and (p.dtype != current[0].dtype or size + nbytes > cap_bytes):
            buckets.append(_Bucket(current))
            current, size = [], 0
        current.append(p)
        size += nbytes
    if current:
        buckets.append(_Bucket(current))
    return buckets


def _broadcast_tensors(tensors: list[Tensor], group: ProcessGroup, src: int) -> None:
    """Copy rank ``src``'s values of ``tensors`` to every rank, one Bcast per dtype."""
    by_dtype: dict[Any, list[Tensor]] = {}
    for t in tensors:
        by_dtype.setdefault(t.dtype, []).append(t)
    for group_tensors in by_dtype.values():
        arrays = [t.numpy(force=True) for t in group_tensors]
        flat = np.concatenate([a.ravel() for a in arrays])
        group.comm.Bcast(flat, root=src)
        start = 0
        for a in arrays:
            np.copyto(a, flat[start:start + a.size].reshape(a.shape))
            start += a.size
        increment_version(group_tensors)


class GradientAverager:
    """Averages the ``.grad`` of ``params`` across the ranks of ``group``, bucket by bucket:
    each bucket's gradients are copied into one flat buffer, summed by one in-place
    allreduce, divided by the world size and copied back. A parameter without a
    gradient on a rank counts as zeros there (and gets the average).
    ``allreduces`` counts the allreduces made; ``allreduce_seconds`` adds up the time
    spent in them (waiting included)."""

    def __init__(self, params: list[Tensor], group: ProcessGroup,
                 bucket_cap_mb: float = 25.0) -> None:
        self.group = group
        cap = int(bucket_cap_mb * 1024 * 1024)
        self.buckets = _make_buckets(params, cap) if params else []
        self.allreduces = 0
        self.allreduce_seconds = 0.0

    def average(self) -> None:
        """Every rank's ``.grad`` becomes the mean over ranks (no-op in a world of one)."""
        world = self.group.world_size
        if world == 1:
            return
        for bucket in self.buckets:
            for p, slot in bucket.slots():
                if p.grad is None:
                    slot.fill(0)
                else:
                    np.copyto(slot, p.grad.numpy())
            start = time.perf_counter()
            all_reduce_array(bucket.buffer, ReduceOp.SUM, self.group)
            self.allreduce_seconds += time.perf_counter() - start
            self.allreduces += 1
            bucket.buffer *= 1.0 / world
            for p, slot in bucket.slots():
                if p.grad is None:
                    p.grad = from_numpy(slot.copy())
                else:
                    np.copyto(p.grad.numpy(), slot)
                    increment_version(p.grad)


def broadcast_module(module: Module, group: ProcessGroup, src: int = 0) -> None:
    """Give every rank rank ``src``'s parameters and buffers of ``module``."""
    if group.world_size > 1:
        _broadcast_tensors(list(module.parameters()) + list(module.buffers()), group, src)


class DistributedDataParallel(Module):
    """Wraps ``module`` for data-parallel training: call it like the module, then
    ``loss.backward()`` leaves every rank with the gradient averaged over all ranks.

    Takes PyTorch's arguments; ``device_ids``/``output_device`` must be None (CPU only).
    ``bucket_cap_mb`` caps each gradient bucket (one allreduce per bucket).
    ``broadcast_buffers``: re-send rank 0's buffers before each forward.
    ``find_unused_parameters`` is accepted; a parameter that got no gradient on a rank
    counts as zeros there, so ranks always agree.
    ``averager.allreduce_seconds`` is the time spent averaging so far.
    ``.module`` is the wrapped model (save ``ddp.module.state_dict()``); inside
    ``with ddp.no_sync():`` backward only accumulates locally.

    >>> import minigrad as mg, minigrad.distributed as dist
    >>> from minigrad import nn
    >>> dist.init_process_group("mpi")
    >>> ddp = DistributedDataParallel(nn.Linear(3, 1))
    >>> ddp(mg.randn(4, 3)).sum().backward()      # averaged over the ranks (here one)
    >>> ddp.module.weight.grad.shape
    (1, 3)
    >>> dist.destroy_process_group()
    """

    def __init__(self, module: Module, device_ids: Any = None, output_device: Any = None,
                 dim: int = 0, broadcast_buffers: bool = True,
                 process_group: ProcessGroup | None = None, bucket_cap_mb: float = 25.0,
                 find_unused_parameters: bool = False, **kwargs: Any) -> None:
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel: expected an nn.Module, got "
                            f"{type(module).__name__}")
        if device_ids not in (None, []) or output_device is not None:
            raise ValueError("DistributedDataParallel: minigrad runs on the CPU; leave "
                             f"device_ids/output_device unset (got {device_ids!r}, "
                             f"{output_device!r})")
        if bucket_cap_mb <= 0:
            raise ValueError(f"DistributedDataParallel: bucket_cap_mb must be > 0, "
                             f"got {bucket_cap_mb}")
        self.module = module
        group = process_group or default_group("DistributedDataParallel")
        object.__setattr__(self, "process_group", group)
        object.__setattr__(self, "broadcast_buffers", broadcast_buffers)
        object.__setattr__(self, "find_unused_parameters", find_unused_parameters)
        object.__setattr__(self, "require_backward_grad_sync", True)
        object.__setattr__(self, "_queued", False)
        params = [p for p in module.parameters() if p.requires_grad]
        object.__setattr__(self, "averager", GradientAverager(params, group, bucket_cap_mb))
        broadcast_module(module, group, 0)
        if group.world_size > 1:
            for p in params:
                p.register_hook(self._grad_hook)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        buffers = list(self.module.buffers())
        if self.broadcast_buffers and buffers and self.process_group.world_size > 1:
            _broadcast_tensors(buffers, self.process_group, 0)
        return self.module(*args, **kwargs)

    @contextlib.contextmanager
    def no_sync(self) -> Iterator[None]:
        """Inside this block backward accumulates gradients locally without averaging;
        the first backward after it averages everything accumulated."""
        previous = self.require_backward_grad_sync
        object.__setattr__(self, "require_backward_grad_sync", False)
        try:
            yield
        finally:
            object.__setattr__(self, "require_backward_grad_sync", previous)

    def _grad_hook(self, grad: Tensor) -> None:
        if self.require_backward_grad_sync and not self._queued:
            object.__setattr__(self, "_queued", True)
            queue_callback(self._average_gradients)

    def _average_gradients(self) -> None:
        object.__setattr__(self, "_queued", False)
        self.averager.average()
