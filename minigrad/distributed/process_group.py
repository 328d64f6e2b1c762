"""The default process group: who am I (rank), how many are we (world size), over MPI.

MPI is the transport (``mpi4py``, the optional ``mpi`` extra: ``pip install ".[mpi]"``).
A process started without a launcher (no ``mpiexec``/``srun``) is a world of one, with
or without mpi4py installed, and every collective is then a no-op.
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import Any

# variables that MPICH's hydra, Open MPI, PMIx and Slurm's PMI2 plugin set in every rank
_LAUNCHER_VARS = ("PMI_RANK", "PMI_SIZE", "PMI_FD", "OMPI_COMM_WORLD_SIZE", "PMIX_RANK")
_BACKENDS = ("mpi", "gloo")
MPI_HINT = 'install the MPI extra: pip install ".[mpi]" (mpi4py and the mpich wheel)'


class ProcessGroup:
    """A set of ranks that run collectives together. ``comm`` is the mpi4py
    communicator, or None for a world of one process."""

    def __init__(self, comm: Any, backend: str) -> None:
        self.comm = comm
        self.backend = backend
        self.rank = 0 if comm is None else comm.Get_rank()
        self.world_size = 1 if comm is None else comm.Get_size()
        self.local_rank = 0
        if comm is not None:
            from mpi4py import MPI

            shared = comm.Split_type(MPI.COMM_TYPE_SHARED)
            self.local_rank = shared.Get_rank()
            shared.Free()


_default: ProcessGroup | None = None
_previous_excepthook: Any = None
_env_set: list[str] = []  # the variables init_process_group filled in (destroy removes them)


def launched_by_mpi() -> bool:
    """True when an MPI launcher (``mpiexec``, ``srun --mpi=pmi2``) started this process."""
    return any(name in os.environ for name in _LAUNCHER_VARS)


def mpi_available() -> bool:
    """True when ``mpi4py`` can be imported (the ``mpi`` extra is installed)."""
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return False
    return True


def _world_comm() -> Any:
    """MPI_COMM_WORLD when launched by MPI, None for a lone process."""
    if not launched_by_mpi():
        size = int(os.environ.get("WORLD_SIZE", "1"))
        if size > 1:
            raise RuntimeError(
                f"init_process_group: WORLD_SIZE={size} but this process was not started by an "
                "MPI launcher; minigrad's transport is MPI, so start the job with "
                f"`mpiexec -n {size} python script.py` (torchrun's rendezvous is not supported)"
            )
        return None
    if not mpi_available():
        raise RuntimeError(f"init_process_group: started by an MPI launcher but mpi4py is "
                           f"missing; {MPI_HINT}")
    from mpi4py import MPI

    return MPI.COMM_WORLD


def _check_env(group: ProcessGroup) -> None:
    """RANK / WORLD_SIZE / LOCAL_RANK: refuse values that contradict MPI; under MPI, fill
    in missing ones (scripts written for torchrun read them)."""
    actual = {"RANK": group.rank, "WORLD_SIZE": group.world_size, "LOCAL_RANK": group.local_rank}
    for name, value in actual.items():
        given = os.environ.get(name)
        if given is not None and given != str(value):
            raise RuntimeError(f"init_process_group: the environment says {name}={given} but "
                               f"MPI says {value}; unset {name} or fix the launch")
        if given is None and group.comm is not None:
            os.environ[name] = str(value)
            _env_set.append(name)


def init_process_group(backend: str = "mpi", init_method: str | None = None,
                       world_size: int = -1, rank: int = -1, **kwargs: Any) -> None:
    """Join the default process group; call once per process, before any collective.

    ``backend``: ``"mpi"``; ``"gloo"`` is accepted so PyTorch scripts run unchanged, and
    is carried by MPI as well. Rank and world size come from MPI (a process started
    without ``mpiexec`` is rank 0 of 1); ``world_size``/``rank``, when given, and the
    ``RANK``/``WORLD_SIZE``/``LOCAL_RANK`` variables must agree with MPI, and are set
    from it when absent. An uncaught exception on any rank then aborts the whole job
    (``MPI_Abort``) instead of leaving the other ranks waiting forever.

    >>> init_process_group("gloo")   # a lone process: world size 1
    >>> get_rank(), get_world_size()
    (0, 1)
    >>> destroy_process_group()
    """
    global _default
    if backend not in _BACKENDS and backend != "nccl":
        raise ValueError(f"init_process_group: unknown backend {backend!r}; use 'mpi' "
                         "(or 'gloo', which minigrad carries over MPI too)")
    if backend == "nccl":
        raise ValueError("init_process_group: backend 'nccl' needs GPUs; minigrad runs on the "
                         "CPU: use 'mpi' (or 'gloo')")
    if _default is not None:
        raise RuntimeError("init_process_group: the default process group is already "
                           "initialized; call destroy_process_group() first")
    group = ProcessGroup(_world_comm(), backend)
    for name, given, actual in (("world_size", world_size, group.world_size),
                                ("rank", rank, group.rank)):
        if given != -1 and given != actual:
            raise ValueError(f"init_process_group: {name}={given} but MPI says {actual}")
    _check_env(group)
    _default = group
    if group.comm is not None:
        _install_abort_hook(group)


def _install_abort_hook(group: ProcessGroup) -> None:
    """Make an uncaught exception on this rank abort every rank, with the traceback."""
    global _previous_excepthook
    _previous_excepthook = sys.excepthook

    def abort_job(kind: type[BaseException], exc: BaseException, tb: Any) -> None:
        text = "".join(traceback.format_exception(kind, exc, tb))
        sys.stderr.write(f"[rank {group.rank}/{group.world_size}] uncaught exception, "
                         f"aborting the whole MPI job:\n{text}")
        sys.stderr.flush()
        group.comm.Abort(1)

    sys.excepthook = abort_job


def destroy_process_group(group: ProcessGroup | None = None) -> None:
    """Leave the default process group (MPI itself stays up until the process exits)."""
    global _default, _previous_excepthook
    if _default is None:
        raise RuntimeError("destroy_process_group: no process group is initialized")
    if _previous_excepthook is not None:
        sys.excepthook = _previous_excepthook
        _previous_excepthook = None
    while _env_set:
        os.environ.pop(_env_set.pop(), None)
    _default = None


def is_available() -> bool:
    """Always True: a lone process works without MPI, and MPI when launched by it."""
    return True


def is_initialized() -> bool:
    """True between ``init_process_group`` and ``destroy_process_group``."""
    return _default is not None


def is_mpi_available() -> bool:
    """True when the MPI transport (mpi4py) can be imported."""
    return mpi_available()


def default_group(where: str) -> ProcessGroup:
    """The default process group, or a clear error naming ``where`` when there is none."""
    if _default is None:
        raise RuntimeError(f"{where}: the default process group is not initialized; call "
                           "minigrad.distributed.init_process_group() first")
    return _default


def get_rank(group: ProcessGroup | None = None) -> int:
    """This process's rank in ``group`` (the default group): 0 .. world size - 1."""
    return (group or default_group("get_rank")).rank


def get_world_size(group: ProcessGroup | None = None) -> int:
    """The number of processes in ``group`` (the default group)."""
    return (group or default_group("get_world_size")).world_size


def get_backend(group: ProcessGroup | None = None) -> str:
    """The backend name given to ``init_process_group``."""
    return (group or default_group("get_backend")).backend
