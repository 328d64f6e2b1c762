"""Run a kernel over ranges of rows on a small thread pool.

The kernels are serial numba functions compiled with `nogil=True`: they release the GIL, so
Python threads each running one on its own range of rows run truly in parallel. This replaces
numba's `parallel=True`, which costs several times more compile time per kernel, and whose
OpenMP threads do not survive `fork`. Work splits into contiguous ranges at fixed bounds
and every range writes its own part of the output, so the result does not depend on the
number of threads or on which thread ran which range.

The thread count is `MINIGRAD_NUM_THREADS`, else `NUMBA_NUM_THREADS`, else the number of CPUs
this process may use; `set_num_threads(n)` changes it (1 runs everything in the calling
thread).
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

# Below this many elements of work per task, threading costs more than it saves.
MIN_TASK_WORK = 1 << 18
CHUNKS_PER_THREAD = 4


def _default_threads() -> int:
    for name in ("MINIGRAD_NUM_THREADS", "NUMBA_NUM_THREADS"):
        value = os.environ.get(name, "").strip()
        if value:
            if not value.isdigit() or int(value) < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
            return int(value)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


_threads = _default_threads()
_pool: ThreadPoolExecutor | None = None
_pool_pid = -1
_pool_lock = threading.Lock()


def set_num_threads(n: int) -> None:
    """Use `n` threads (>= 1) for the parallel kernels from now on (`torch.set_num_threads`,
    also `mg.set_num_threads`). NumPy's BLAS keeps its own thread count: set
    `OPENBLAS_NUM_THREADS` before starting Python to change it.

    >>> before = get_num_threads()
    >>> set_num_threads(1); get_num_threads()
    1
    >>> set_num_threads(before)
    """
    global _threads, _pool
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads: n must be an int >= 1, got {n!r}")
    with _pool_lock:
        _threads = n
        if _pool is not None:
            _pool.shutdown(wait=False)
            _pool = None


def get_num_threads() -> int:
    """The number of threads the parallel kernels use (`torch.get_num_threads`)."""
    return _threads


def _get_pool() -> ThreadPoolExecutor:
    from concurrent.futures import ThreadPoolExecutor  # only once work is big enough

    global _pool, _pool_pid
    with _pool_lock:
        # A forked child inherits the pool object but not its threads: make a new one.
        if _pool is None or _pool_pid != os.getpid():
            _pool = ThreadPoolExecutor(max_workers=_threads, thread_name_prefix="minigrad")
            _pool_pid = os.getpid()
        return _pool


def parallel_for(kernel: Callable[..., Any], n: int, work_per_item: int, *args: Any) -> None:
    """Call `kernel(lo, hi, *args)` on ranges covering [0, n), in parallel when worth it.

    `work_per_item` (elements touched per item) decides how many threads are worth starting.
    The range is cut into a few chunks per thread, which the calling thread and the pool
    threads take in turn: on a busy machine where a pool thread is not scheduled soon, the
    calling thread does its share instead of waiting for it.
    """
    tasks = min(_threads, n, (n * max(1, work_per_item)) // MIN_TASK_WORK)
    if tasks <= 1:
        kernel(0, n, *args)
        return
    n_chunks = min(n, CHUNKS_PER_THREAD * tasks)
    bounds = [n * c // n_chunks for c in range(n_chunks + 1)]
    counter = itertools.count()  # next() on it is atomic under the GIL

    def take_chunks() -> None:
        for c in iter(counter.__next__, None):
            if c >= n_chunks:
                return
            kernel(bounds[c], bounds[c + 1], *args)

    pool = _get_pool()
    futures = [pool.submit(take_chunks) for _ in range(tasks - 1)]
    take_chunks()
    for future in futures:
        if not future.cancel():  # a pool thread that never started has nothing left to do
            future.result()
