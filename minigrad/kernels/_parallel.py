"""Run a kernel over ranges of rows on a small thread pool.

The kernels are serial numba functions compiled with `nogil=True`: they release the GIL, so
Python threads each running one on its own range of rows run truly in parallel. This replaces
numba's `parallel=True`, which costs several times more compile time per kernel, and whose
OpenMP threads do not survive `fork`. Work splits into contiguous ranges, so the result does
not depend on the number of threads.

The thread count defaults to the CPUs this process may use; `MINIGRAD_NUM_THREADS` or
`set_num_threads(n)` change it (1 runs everything in the calling thread).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

# Below this many elements of work per task, threading costs more than it saves.
MIN_TASK_WORK = 1 << 15


def _default_threads() -> int:
    value = os.environ.get("MINIGRAD_NUM_THREADS", "").strip()
    if value:
        if not value.isdigit() or int(value) < 1:
            raise ValueError(f"MINIGRAD_NUM_THREADS must be an integer >= 1, got {value!r}")
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
    """Use `n` threads (>= 1) for the parallel kernels from now on.

    >>> set_num_threads(1); get_num_threads()
    1
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
    """The number of threads the parallel kernels use."""
    return _threads


def _get_pool() -> ThreadPoolExecutor:
    global _pool, _pool_pid
    with _pool_lock:
        # A forked child inherits the pool object but not its threads: make a new one.
        if _pool is None or _pool_pid != os.getpid():
            _pool = ThreadPoolExecutor(max_workers=_threads, thread_name_prefix="minigrad")
            _pool_pid = os.getpid()
        return _pool


def parallel_for(kernel: Callable[..., Any], n: int, work_per_item: int, *args: Any) -> None:
    """Call `kernel(lo, hi, *args)` on ranges covering [0, n), in parallel when worth it.

    `work_per_item` (elements touched per item) decides how many ranges are worth a thread.
    """
    tasks = min(_threads, n, (n * max(1, work_per_item)) // MIN_TASK_WORK)
    if tasks <= 1:
        kernel(0, n, *args)
        return
    bounds = [n * t // tasks for t in range(tasks + 1)]
    pool = _get_pool()
    futures = [pool.submit(kernel, bounds[t], bounds[t + 1], *args) for t in range(1, tasks)]
    kernel(bounds[0], bounds[1], *args)  # the calling thread takes the first range
    for future in futures:
        future.result()
