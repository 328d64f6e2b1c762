"""Input checks and normalisation shared by the dispatchers.

numba compiles one machine-code version per argument type, so the dispatchers hand every
kernel C-contiguous, writable float32 or float64 arrays and int64 indices: each kernel then
compiles at most twice (float32, float64).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def float_dtype(fn: str, *arrays: np.ndarray | None) -> np.dtype:
    """The common float dtype of `arrays` (None entries skipped); TypeError if not float32/64."""
    present = [a for a in arrays if a is not None]
    for a in present:
        if np.dtype(a.dtype) not in FLOATS:
            dtypes = ", ".join(str(np.dtype(b.dtype)) for b in present)
            raise TypeError(f"{fn}: expected float32 or float64 arrays, got dtypes ({dtypes})")
    return np.result_type(*present)


def contiguous(a: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """`a` as a C-contiguous writable array of `dtype` (copied only when needed).

    Read-only inputs (broadcast views, read-only buffers) are copied, so a kernel never sees
    a read-only array type and compiles no extra version for it.
    """
    out = np.ascontiguousarray(a, dtype=dtype)
    if not out.flags.writeable:
        out = out.copy()
    return out


def index_array(fn: str, index: object) -> np.ndarray:
    """`index` as a contiguous int64 array; TypeError for non-integer dtypes."""
    arr = np.asarray(index)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{fn}: indices must be integers, got dtype {arr.dtype}")
    if arr.dtype.kind == "u" and arr.size and int(arr.max()) > np.iinfo(np.int64).max:
        raise IndexError(f"{fn}: index {int(arr.max())} is out of range (an unsigned index "
                         "too large for int64)")
    return contiguous(arr, np.dtype(np.int64))


def check_index_range(fn: str, index: np.ndarray, n: int, what: str) -> np.ndarray:
    """Raise IndexError naming the first bad index; map negative indices to `n + index`."""
    if index.size == 0:
        return index
    lo = int(index.min())
    hi = int(index.max())
    if lo < -n or hi >= n:
        bad = lo if lo < -n else hi
        raise IndexError(
            f"{fn}: index {bad} is out of range for {what} of size {n} (valid: {-n}..{n - 1})"
        )
    if lo < 0:
        index = np.where(index < 0, index + n, index)
    return index


def pair(fn: str, name: str, value: int | Sequence[int], minimum: int) -> tuple[int, int]:
    """`value` as an (h, w) pair of ints >= `minimum` (an int stands for both)."""
    if isinstance(value, (int, np.integer)):
        pair_value = (int(value), int(value))
    else:
        pair_value = tuple(int(v) for v in value)
    if len(pair_value) != 2 or min(pair_value) < minimum:
        raise ValueError(f"{fn}: {name} must be an int or (h, w) pair >= {minimum}, got {value!r}")
    return pair_value  # type: ignore[return-value]


def check_writable(fn: str, name: str, a: np.ndarray) -> None:
    if not isinstance(a, np.ndarray) or not a.flags.writeable:
        raise ValueError(f"{fn}: {name} is updated in place and must be a writable ndarray")


def write_back(target: np.ndarray, work: np.ndarray) -> None:
    """Copy the result of an in-place kernel back when it ran on a contiguous copy."""
    if work is not target:
        target[...] = work
