"""Collectives on tensors, in place, with ``torch.distributed``'s names, carried by MPI.

Every rank of the group must make the same calls in the same order with tensors of the
same shape and dtype. In a world of one process they return at once, values unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from minigrad._tensor import Tensor
from minigrad.autograd import no_grad
from minigrad.autograd.graph import increment_version
from minigrad.creation import from_numpy
from minigrad.distributed.process_group import ProcessGroup, default_group


class ReduceOp:
    """How ``all_reduce`` combines the ranks' values: ``SUM``, ``AVG`` (sum divided
    by the world size, floating point only), ``MAX``, ``MIN``, ``PRODUCT``."""

    SUM = "sum"
    AVG = "avg"
    MAX = "max"
    MIN = "min"
    PRODUCT = "product"


_OPS = (ReduceOp.SUM, ReduceOp.AVG, ReduceOp.MAX, ReduceOp.MIN, ReduceOp.PRODUCT)


class Work:
    """What ``async_op=True`` returns; minigrad's collectives complete before returning,
    so ``wait()`` has nothing left to do."""

    def wait(self, timeout: Any = None) -> bool:
        return True

    def is_completed(self) -> bool:
        return True


def _mpi_op(op: str) -> Any:
    from mpi4py import MPI

    return {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.MAX: MPI.MAX,
            ReduceOp.MIN: MPI.MIN, ReduceOp.PRODUCT: MPI.PROD}[op]


def all_reduce_array(array: np.ndarray, op: str = ReduceOp.SUM,
                     group: ProcessGroup | None = None) -> np.ndarray:
    """Combine a C-contiguous ndarray across ranks, in place; returns it.

    The array-level form that ``all_reduce``, DDP's buckets and the Trainer use.
    """
    group = group or default_group("all_reduce")
    if op not in _OPS:
        raise ValueError(f"all_reduce: unknown op {op!r}; use a ReduceOp (SUM, AVG, MAX, MIN, "
                         "PRODUCT)")
    if op == ReduceOp.AVG and not np.issubdtype(array.dtype, np.floating):
        raise TypeError(f"all_reduce: ReduceOp.AVG needs a floating tensor, got {array.dtype}")
    if not array.flags.c_contiguous:
        raise ValueError("all_reduce_array: the array must be C-contiguous")
    if group.comm is not None and array.size:
        from mpi4py import MPI

        group.comm.Allreduce(MPI.IN_PLACE, array, op=_mpi_op(op))
        if op == ReduceOp.AVG:
            array /= group.world_size
    return array


def _write_back(tensor: Tensor, array: np.ndarray, target: np.ndarray) -> None:
    """Make ``tensor`` hold ``array``'s values (``target`` is its own ndarray)."""
    if array is target:
        increment_version(tensor)
    else:
        with no_grad():
            tensor.copy_(from_numpy(array))


def _contiguous(tensor: Tensor, where: str) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{where}: expected a minigrad Tensor, got {type(tensor).__name__}")
    target = tensor.numpy(force=True)
    work = target if target.flags.c_contiguous else np.ascontiguousarray(target)
    return target, work


def all_reduce(tensor: Tensor, op: str = ReduceOp.SUM, group: ProcessGroup | None = None,
               async_op: bool = False) -> Work | None:
    """Replace ``tensor`` on every rank with the ranks' values combined by ``op``.

    >>> import minigrad as mg, minigrad.distributed as dist
    >>> dist.init_process_group("mpi")
    >>> t = mg.tensor([1.0, 2.0])
    >>> _ = dist.all_reduce(t, op=dist.ReduceOp.SUM)   # one process: unchanged
    >>> t.tolist()
    [1.0, 2.0]
    >>> dist.destroy_process_group()
    """
    target, work = _contiguous(tensor, "all_reduce")
    all_reduce_array(work, op, group)
    _write_back(tensor, work, target)
    return Work() if async_op else None


def broadcast(tensor: Tensor, src: int, group: ProcessGroup | None = None,
              async_op: bool = False) -> Work | None:
    """Copy rank ``src``'s ``tensor`` into ``tensor`` on every other rank."""
    group = group or default_group("broadcast")
    if not 0 <= src < group.world_size:
        raise ValueError(f"broadcast: src={src} is not a rank of a world of {group.world_size}")
    target, work = _contiguous(tensor, "broadcast")
    if group.comm is not None:
        group.comm.Bcast(work, root=src)
        _write_back(tensor, work, target)
    return Work() if async_op else None


def all_gather(tensor_list: list[Tensor], tensor: Tensor, group: ProcessGroup | None = None,
               async_op: bool = False) -> Work | None:
    """Fill ``tensor_list[r]`` with rank r's ``tensor`` (list of world-size tensors shaped
    like ``tensor``)."""
    group = group or default_group("all_gather")
    if len(tensor_list) != group.world_size:
        raise ValueError(f"all_gather: tensor_list has {len(tensor_list)} tensors for a world "
                         f"of {group.world_size}")
    _, work = _contiguous(tensor, "all_gather")
    for r, out in enumerate(tensor_list):
        if tuple(out.shape) != tuple(tensor.shape) or out.dtype != tensor.dtype:
            raise ValueError(f"all_gather: tensor_list[{r}] is {tuple(out.shape)} {out.dtype}, "
                             f"the tensor {tuple(tensor.shape)} {tensor.dtype}")
    gathered = np.empty((group.world_size, *work.shape), dtype=work.dtype)
    if group.comm is None:
        gathered[0] = work
    else:
        group.comm.Allgather(work, gathered)
    for out, part in zip(tensor_list, gathered):
        out_target, _ = _contiguous(out, "all_gather")
        _write_back(out, np.ascontiguousarray(part), out_target)
    return Work() if async_op else None


def barrier(group: ProcessGroup | None = None, async_op: bool = False) -> Work | None:
    """Wait until every rank of ``group`` has called ``barrier``."""
    group = group or default_group("barrier")
    if group.comm is not None:
        group.comm.Barrier()
    return Work() if async_op else None


def all_reduce_floats(values: Sequence[float], op: str = ReduceOp.SUM,
                      group: ProcessGroup | None = None) -> list[float]:
    """Python floats combined across ranks (one float64 allreduce for all of them)."""
    array = np.asarray(values, dtype=np.float64).copy()
    return all_reduce_array(array, op, group).tolist()
