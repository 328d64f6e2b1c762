"""``tune_malloc``: keep freed memory in the process instead of handing it back to the OS.

NumPy allocates every array above glibc's mmap threshold (128 KiB at first) with a
fresh mmap and unmaps it when freed, so a training step that makes and drops the
same activations each time pays page faults on all of them again. Raising the mmap
threshold to its maximum (32 MiB) and the trim threshold to 1 GiB lets glibc reuse
freed blocks, much as PyTorch's caching allocator does. docs/performance.md has the
measured gain.

This changes the whole process's allocator (NumPy, PyTorch and everything else in
it), so minigrad never does it on import: call it yourself, or let ``Trainer.fit``,
a compiled program's first replay (``mg.compile``), the examples and the benchmarks
call it. glibc offers no way back short of calling
``mallopt`` again with the old values.
"""

from __future__ import annotations

import ctypes
import os

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 1024 * 1024  # glibc's upper limit on 64-bit systems
TRIM_THRESHOLD = 1 << 30

_tuned = False


def tune_malloc() -> bool:
    """Raise glibc's mmap threshold to 32 MiB and its trim threshold to 1 GiB.

    Returns True when the settings took effect (on glibc; calling again is harmless),
    False elsewhere or when the environment variable ``MINIGRAD_MALLOC_TUNING=0`` asks
    to leave malloc alone. Peak memory is unchanged; memory freed after the peak
    stays with the process.

    >>> import minigrad as mg
    >>> tuned = mg.utils.tune_malloc()   # True on Linux with glibc
    """
    global _tuned
    if os.environ.get("MINIGRAD_MALLOC_TUNING", "1") == "0":
        return False
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION"):
            return False
        mallopt = ctypes.CDLL(None).mallopt
    except (AttributeError, OSError, ValueError):
        return False
    ok = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
    _tuned = _tuned or ok
    return ok


def malloc_tuned() -> bool:
    """Whether ``tune_malloc`` has taken effect in this process."""
    return _tuned
