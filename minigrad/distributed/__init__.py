"""Data-parallel training over MPI with ``torch.distributed``'s names. See docs/distributed.md.

Start one process per rank with ``mpiexec -n 2 python train.py`` (MPI comes from the
optional extra: ``pip install ".[mpi]"``). A process started on its own is a world of
one, and everything here still works.
"""

from minigrad.distributed.collectives import (
    ReduceOp,
    Work,
    all_gather,
    all_reduce,
    barrier,
    broadcast,
)
from minigrad.distributed.process_group import (
    ProcessGroup,
    destroy_process_group,
    get_backend,
    get_rank,
    get_world_size,
    init_process_group,
    is_available,
    is_initialized,
    is_mpi_available,
)

__all__ = [
    "ProcessGroup",
    "ReduceOp",
    "Work",
    "all_gather",
    "all_reduce",
    "barrier",
    "broadcast",
    "destroy_process_group",
    "get_backend",
    "get_rank",
    "get_world_size",
    "init_process_group",
    "is_available",
    "is_initialized",
    "is_mpi_available",
]
