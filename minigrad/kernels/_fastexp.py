"""An `exp` that LLVM can vectorise, for the float32 softmax, cross-entropy and GELU kernels.

The llvmlite numba ships with has no vector math library, so `math.exp` in a numba loop is a
scalar libm call per element. `exp32` is plain arithmetic instead:

    exp(x) = 2^n * exp(r),  n = round(x / ln 2),  r = x - n ln 2  (|r| <= ln(2) / 2)

with `n ln 2` subtracted in two parts (a short `ln2_hi` whose products with n are exact, and
the remainder) and exp(r) from its Taylor polynomial of degree 7 (truncation error below
6e-9, under float32's rounding). 2^n is built from the exponent bits of a float32; it is
applied as two factors 2^(n//2) * 2^(n - n//2) so that results up to the overflow threshold
come out right. Results below the smallest normal float32 (x < -87.33) are flushed to 0
(computing subnormals is about 10x slower, and a causal softmax sends half its inputs
there); above 89 float32 exp is inf; NaN passes through. Tested against `np.exp` over the
whole float32 range (within a few ulp, and within 1.2e-38 absolute in the flushed range).

float64 kernels call `math.exp` (exact) instead: `exp_shifted` takes a `fast` flag that the
dispatchers set for float32 only. Kernels that use `exp32` must not compile it under
`fastmath` reassociation, which could merge the two parts of the range reduction.

Editing this file does not invalidate numba's cache of the kernels that inline it: delete
the `*.nbi`/`*.nbc` files in `minigrad/kernels/__pycache__` (or `NUMBA_CACHE_DIR`) after a change.
"""

from __future__ import annotations

import math

import numpy as np

from ._jit import lazy_njit

LOG2E = 1.4426950408889634
LN2_HI = 0.693359375  # 355/512: n * LN2_HI is exact in float32 for |n| < 2^15
LN2_LO = -2.12194440e-4  # ln 2 - LN2_HI
MIN_ARG = -87.3365  # ln(smallest normal float32): exp below it is subnormal, returned as 0
MAX_ARG = 89.0  # exp(89) > largest float32


@lazy_njit(inline="always")  # per element: must inline to vectorise
def exp32(x):
    # Conditionals rather than min/max/np.floor: the same machine code, less compile time.
    # Results below the smallest normal float32 are flushed to 0: computing subnormals
    # costs a microcode assist per element (about 10x slower), and a masked softmax
    # sends half its inputs there (-inf scores).
    underflow = x < np.float32(MIN_ARG)
    x = np.float32(MIN_ARG) if underflow else x  # NaN passes through
    x = np.float32(MAX_ARG) if x > np.float32(MAX_ARG) else x
    t = x * np.float32(LOG2E)
    k = np.int32(t + np.float32(0.5) if t >= np.float32(0.0) else t - np.float32(0.5))
    n = np.float32(k)
    r = x - n * np.float32(LN2_HI)
    r = r - n * np.float32(LN2_LO)
    p = np.float32(1.0 / 5040.0)
    p = p * r + np.float32(1.0 / 720.0)
    p = p * r + np.float32(1.0 / 120.0)
    p = p * r + np.float32(1.0 / 24.0)
    p = p * r + np.float32(1.0 / 6.0)
    p = p * r + np.float32(0.5)
    p = p * r + np.float32(1.0)
    p = p * r + np.float32(1.0)
    half = k >> np.int32(1)
    scale_a = np.int32((half + np.int32(127)) << np.int32(23)).view(np.float32)
    scale_b = np.int32((k - half + np.int32(127)) << np.int32(23)).view(np.float32)
    result = p * scale_a * scale_b
    return np.float32(0.0) if underflow else result


# For exp64_f32: ln 2 split so that n * LN2_HI64 is exact (LN2_HI64 has 32 significant bits).
LN2_HI64 = 0.6931471803691238
LN2_LO64 = 1.9082149292705877e-10


@lazy_njit(inline="always")  # per element: must inline to vectorise
def exp64_f32(x):
    """exp in float64 arithmetic, vectorisable, accurate to ~1e-11 relative: enough for results
    that are rounded to float32 (degree-9 Taylor polynomial). Clamped to [-700, 700]."""
    x = -700.0 if x < -700.0 else x
    x = 700.0 if x > 700.0 else x
    t = x * LOG2E
    k = np.int64(t + 0.5 if t >= 0.0 else t - 0.5)
    n = np.float64(k)
    r = (x - n * LN2_HI64) - n * LN2_LO64
    p = 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    return p * np.int64((k + np.int64(1023)) << np.int64(52)).view(np.float64)


@lazy_njit(fastmath={"contract"})
def exp_shifted(src, shift, dst, fast):
    """dst[j] = exp(src[j] - shift), with `exp32` when `fast`, else `math.exp`.

    Deliberately not inlined: callers compile with `fastmath` reassociation for their sums,
    which must not touch the two-part range reduction here.
    """
    if fast:
        for j in range(src.shape[0]):
            dst[j] = exp32(src[j] - shift)
    else:
        for j in range(src.shape[0]):
            dst[j] = math.exp(src[j] - shift)


@lazy_njit(fastmath={"contract"})
def _exp32_array(x, out):
    for i in range(x.shape[0]):
        out[i] = exp32(x[i])


def exp32_array(x: np.ndarray) -> np.ndarray:
    """`exp32` over a 1-D float32 array (for tests and the curious).

    >>> float(exp32_array(np.array([1.0], np.float32))[0])  # doctest: +ELLIPSIS
    2.71828...
    """
    x = np.ascontiguousarray(x, dtype=np.float32).reshape(-1)
    out = np.empty_like(x)
    _exp32_array(x, out)
    return out
