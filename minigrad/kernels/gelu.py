"""GELU, exact (erf) and tanh-approximated, forward and backward, elementwise on any shape.

exact ("none"):  y = x * Phi(x),  Phi(x) = erfc(-x / sqrt 2) / 2
                 dy/dx = Phi(x) + x * exp(-x^2 / 2) / sqrt(2 pi)
tanh:            u = sqrt(2/pi) * (x + 0.044715 x^3);  y = x (1 + tanh u) / 2 = x * s,
                 s = sigmoid(2u),  dy/dx = s + x * s (1 - s) * du/dx * 2
                 du/dx = sqrt(2/pi) * (1 + 3 * 0.044715 x^2)

Writing 1 + tanh(u) as 2 sigmoid(2u) avoids cancellation for very negative x. With
t = exp(-2|u|) <= 1 (which cannot overflow): s = 1/(1+t) for u >= 0, t/(1+t) for u < 0, and
s (1 - s) = t / (1+t)^2 either way. NumPy has no erf, so the twin evaluates erfc with a series
and a continued fraction (`erfc_numpy`).

The numba kernel calls libm's `math.erfc` for float64. For float32 libm's erfcf costs ~14 ns
an element and does not vectorise, so it uses, in float32 arithmetic (eight lanes per AVX2
instruction; float64 arithmetic here ran at half the speed),

    erfc(a) = t * exp(-a^2 + P(t)),  t = 2 / (2 + a),  a >= 0

with P a degree-12 polynomial (in s = (2t - 1.15) / 0.85) interpolating
log(erfc(a) / t) + a^2 at Chebyshev nodes on t in [0.15, 1] (a up to 11.3, past which float32
erfc is 0), fitted with NumPy against `math.erfc`: absolute error in P below 3e-10, so erfc
is accurate to well under a float32 ulp. Rounding a^2 to float32 costs a relative error of
about 6e-8 a^2 in the tail (x^2 ulp at most, as PyTorch's float32 GELU); the NumPy twin
evaluates the same formula in float64.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import _mode
from ._arrays import contiguous, float_dtype
from ._fastexp import exp32
from ._jit import lazy_njit
from ._parallel import parallel_for

SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
INV_SQRT_2 = 1.0 / math.sqrt(2.0)
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
TANH_CUBIC = 0.044715
APPROXIMATIONS = ("none", "tanh")
ERFC_T_LO, ERFC_T_HI = 0.15, 1.0
ERFC_COEFFS = (  # P(s), highest power first
    6.6781607539639626e-06,
    -7.3598884750627e-06,
    -4.574299638250524e-05,
    8.999284058047477e-05,
    0.00015800129011359518,
    -0.0006544927195976914,
    -0.0002331563799569925,
    0.00413220522893662,
    -0.0015329790571362678,
    -0.031170838603124862,
    0.01821778385374065,
    0.5810348691772658,
    -0.569994960630804,
)


ERFC_COEFFS_F32 = tuple(np.float32(c) for c in ERFC_COEFFS)


@lazy_njit(inline="always")  # per element: must inline to vectorise
def _cdf_f32(v):
    """Phi(v) = erfc(-v / sqrt 2) / 2 for float32 `v`, in float32 arithmetic (see module doc)."""
    z = -v * np.float32(INV_SQRT_2)
    a = abs(z)
    t = np.float32(2.0) / (np.float32(2.0) + a)
    s = t * np.float32(2.0 / (ERFC_T_HI - ERFC_T_LO)) \
        - np.float32((ERFC_T_LO + ERFC_T_HI) / (ERFC_T_HI - ERFC_T_LO))
    p = ERFC_COEFFS_F32[0]
    for k in range(1, len(ERFC_COEFFS_F32)):
        p = p * s + ERFC_COEFFS_F32[k]
    tail = t * exp32(p - a * a)
    return np.float32(0.5) * (tail if z >= np.float32(0.0) else np.float32(2.0) - tail)


@lazy_njit(inline="always")  # per element: must inline to vectorise
def _tanh_exp_f32(v):
    """t = exp(-2|u|) for float32 `v`, with the vectorisable exp32 (the costly part)."""
    w = np.float32(v)
    u = w * (np.float32(1.0) + np.float32(TANH_CUBIC) * w * w) * np.float32(SQRT_2_OVER_PI)
    return exp32(np.float32(-2.0) * abs(u))


@lazy_njit(inline="always")  # per element: must inline to vectorise
def _tanh_gate_f32(v, t):
    """(s, s (1 - s)) for s = sigmoid(2u), from t = exp(-2|u|); u has the sign of v."""
    inv = np.float32(1.0) / (np.float32(1.0) + t)
    s = inv if v >= np.float32(0.0) else t * inv
    return s, t * inv * inv


@lazy_njit()  # float64 path: libm exp does not vectorise anyway
def _tanh_exp_f64(v):
    return math.exp(-2.0 * abs(v * (1.0 + TANH_CUBIC * v * v) * SQRT_2_OVER_PI))


@lazy_njit()
def _tanh_gate_f64(v, t):
    inv = 1.0 / (1.0 + t)
    s = inv if v >= 0.0 else t * inv
    return s, t * inv * inv


@lazy_njit()  # float64 path: libm exp does not vectorise anyway
def _tanh_slope(v, s, q):
    """d/dx of x * s(x): s + x * s (1 - s) * 2 du/dx, with q = s (1 - s)."""
    return s + v * q * (2.0 * SQRT_2_OVER_PI) * (1.0 + (3.0 * TANH_CUBIC) * v * v)


@lazy_njit(inline="always")  # per element: must inline to vectorise
def _tanh_slope_f32(v, s, q):
    w = np.float32(v)
    du2 = np.float32(2.0 * SQRT_2_OVER_PI) * (
        np.float32(1.0) + np.float32(3.0 * TANH_CUBIC) * w * w
    )
    return s + w * q * du2


# One kernel per dtype, so each compiles only the code its dtype runs; forward and backward
# share it (one compilation instead of two). Forward: out = gelu(x), and with `keep` the
# gate (the tanh form's t = exp(-2|u|), the exact form's Phi(x)) written to `gate`.
# Backward: out = grad * gelu'(x), the gate read from `gate` when `from_gate` instead of
# computed again. A loop per case: a flag tested inside a loop stopped it vectorising.
# Slicing first keeps indices non-negative, so the loops vectorise.
@lazy_njit(fastmath={"contract"})
def _gelu_f32_kernel(lo, hi, x, grad, out, gate, tanh, backward, keep, from_gate):
    x, grad, out, gate = x[lo:hi], grad[lo:hi], out[lo:hi], gate[lo:hi]
    n = x.shape[0]
    if tanh and not backward:
        if keep:
            for i in range(n):
                gate[i] = _tanh_exp_f32(x[i])
                out[i] = x[i] * _tanh_gate_f32(x[i], gate[i])[0]
        else:
            for i in range(n):
                out[i] = x[i] * _tanh_gate_f32(x[i], _tanh_exp_f32(x[i]))[0]
    elif tanh:
        if from_gate:
            for i in range(n):
                s, q = _tanh_gate_f32(x[i], gate[i])
                out[i] = grad[i] * _tanh_slope_f32(x[i], s, q)
        else:
            for i in range(n):
                s, q = _tanh_gate_f32(x[i], _tanh_exp_f32(x[i]))
                out[i] = grad[i] * _tanh_slope_f32(x[i], s, q)
    elif not backward:
        if keep:
            for i in range(n):
                gate[i] = _cdf_f32(x[i])
                out[i] = x[i] * gate[i]
        else:
            for i in range(n):
                out[i] = x[i] * _cdf_f32(x[i])
    elif from_gate:
        for i in range(n):
            v = x[i]
            pdf = np.float32(INV_SQRT_2PI) * exp32(np.float32(-0.5) * v * v)
            out[i] = grad[i] * (gate[i] + v * pdf)
    else:
        for i in range(n):
            v = x[i]
            pdf = np.float32(INV_SQRT_2PI) * exp32(np.float32(-0.5) * v * v)
            out[i] = grad[i] * (_cdf_f32(v) + v * pdf)


@lazy_njit(fastmath={"contract"})
def _gelu_f64_kernel(lo, hi, x, grad, out, gate, tanh, backward, keep, from_gate):
    x, grad, out, gate = x[lo:hi], grad[lo:hi], out[lo:hi], gate[lo:hi]
    for i in range(x.shape[0]):  # libm's exp and erfc: scalar calls, so one loop will do
        v = x[i]
        if tanh:
            t = gate[i] if backward and from_gate else _tanh_exp_f64(v)
            if keep:
                gate[i] = t
            s, q = _tanh_gate_f64(v, t)
            out[i] = grad[i] * _tanh_slope(v, s, q) if backward else v * s
        else:
            cdf = gate[i] if backward and from_gate else 0.5 * math.erfc(-v * INV_SQRT_2)
            if keep:
                gate[i] = cdf
            out[i] = grad[i] * (cdf + v * INV_SQRT_2PI * math.exp(-0.5 * v * v)) \
                if backward else v * cdf


def erfc_numpy(z: np.ndarray) -> np.ndarray:
    """Complementary error function, vectorised; the dtype of `z` is kept.

    float32 input uses the fitted form of the float32 kernel (module doc), evaluated in float64.
    float64 input, accurate to about 1e-13 relative:
    |z| < 2: erf(z) = 2/sqrt(pi) exp(-z^2) z sum_k (2z^2)^k / (1*3*...*(2k+1)), erfc = 1 - erf
    |z| >= 2: erfc(z) = exp(-z^2) / sqrt(pi) / (z + (1/2)/(z + 1/(z + (3/2)/(z + ...))))
    and erfc(-z) = 2 - erfc(z).

    >>> erfc_numpy(np.array([0.0, 1.0])).round(8)
    array([1.        , 0.15729921])
    """
    z = np.asarray(z)
    if z.dtype == np.float32:
        return _erfc_float32(z, 1.0)
    a = np.abs(z)
    out = np.empty_like(a)
    small = a < 2.0
    x = a[small]
    two_x2 = 2 * x * x
    acc = np.ones_like(x)
    for k in range(36, 0, -1):
        acc *= two_x2
        acc /= 2 * k + 1
        acc += 1
    out[small] = 1 - (2 / math.sqrt(math.pi)) * np.exp(-x * x) * x * acc
    x = a[~small]
    frac = x.copy()
    for k in range(60, 0, -1):
        frac = x + (k / 2) / frac
    with np.errstate(over="ignore"):
        out[~small] = np.exp(-x * x) / (math.sqrt(math.pi) * frac)
    out[~small & np.isinf(a)] = 0.0
    np.subtract(2, out, out=out, where=z < 0)
    return out


def _erfc_float32(x: np.ndarray, scale: float) -> np.ndarray:
    """erfc(scale * x) for float32 `x`, scaled and evaluated in float64 in blocks of 32k
    elements (which keeps the ~15 passes in cache), rounded to float32 once at the end."""
    flat = x.reshape(-1)
    out = np.empty(flat.shape, np.float32)
    for start in range(0, flat.size, 1 << 15):
        block = flat[start : start + (1 << 15)].astype(np.float64)
        block *= scale
        out[start : start + block.size] = _erfc_fitted(block)
    return out.reshape(x.shape)


def _normal_cdf_numpy(x: np.ndarray) -> np.ndarray:
    """Phi(x) = erfc(-x / sqrt 2) / 2, without rounding -x / sqrt 2 to float32 first."""
    if x.dtype == np.float32:
        cdf = _erfc_float32(x, -INV_SQRT_2)
    else:
        cdf = erfc_numpy(x * -INV_SQRT_2)
    cdf *= 0.5
    return cdf


def _erfc_fitted(z: np.ndarray) -> np.ndarray:
    """erfc(z) = t exp(-a^2 + P(t)), t = 2 / (2 + |z|), reflected for z < 0 (float64 math)."""
    a = np.abs(z)
    t = 2.0 / (2.0 + a)
    s = t * (2.0 / (ERFC_T_HI - ERFC_T_LO))
    s -= (ERFC_T_LO + ERFC_T_HI) / (ERFC_T_HI - ERFC_T_LO)
    p = np.full_like(s, ERFC_COEFFS[0])
    for c in ERFC_COEFFS[1:]:
        p *= s
        p += c
    with np.errstate(over="ignore"):
        a *= a
    p -= a
    np.exp(p, out=p)
    p *= t
    np.subtract(2, p, out=p, where=z < 0)
    return p


def _check(fn: str, x: np.ndarray, approximate: str, grad: np.ndarray | None = None,
           gate: np.ndarray | None = None):
    if approximate not in APPROXIMATIONS:
        raise ValueError(f"{fn}: approximate must be 'none' or 'tanh', got {approximate!r}")
    if grad is not None and grad.shape != x.shape:
        raise ValueError(f"{fn}: grad shape {grad.shape} != x shape {x.shape}")
    if gate is not None and gate.shape != x.shape:
        raise ValueError(f"{fn}: gate shape {gate.shape} != x shape {x.shape}")
    return float_dtype(fn, x, grad, gate)


def _tanh_exp_numpy(x: np.ndarray) -> np.ndarray:
    """t = exp(-2|u|), u = sqrt(2/pi) (x + 0.044715 x^3) (see module doc)."""
    u = x * x
    u *= TANH_CUBIC
    u += 1
    u *= x
    u *= SQRT_2_OVER_PI
    t = np.abs(u, out=u)
    t *= -2
    return np.exp(t, out=t)


def _tanh_gate_numpy(x: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """s = sigmoid(2u) and s (1 - s), from t = exp(-2|u|); u has the sign of x."""
    inv = np.add(t, 1)
    np.reciprocal(inv, out=inv)
    return np.where(x >= 0, inv, t * inv), t * inv * inv


def gelu_forward_numpy(x: np.ndarray, approximate: str = "none",
                       keep_gate: bool = False) -> Any:
    """NumPy twin of `gelu_forward`, working in one output buffer where it can."""
    dtype = _check("gelu_forward", x, approximate)
    shape = np.shape(x)
    x = np.asarray(x, dtype=dtype).reshape(-1)  # 1-d: in-place ufuncs need arrays, not scalars
    # Overflow to inf and -inf * 0 = NaN at infinite inputs are expected, as in PyTorch.
    with np.errstate(over="ignore", invalid="ignore"):
        gate = _tanh_exp_numpy(x) if approximate == "tanh" else _normal_cdf_numpy(x)
        if approximate == "tanh":
            y = _tanh_gate_numpy(x, gate)[0]
        else:
            y = gate.copy() if keep_gate else gate
        y *= x
    return (y.reshape(shape), gate.reshape(shape)) if keep_gate else y.reshape(shape)


def gelu_forward_numba(x: np.ndarray, approximate: str = "none", keep_gate: bool = False) -> Any:
    """numba version of `gelu_forward` (ranges of elements on threads)."""
    dtype = _check("gelu_forward", x, approximate)
    flat = contiguous(x, dtype).reshape(-1)
    y = np.empty_like(flat)
    gate = np.empty_like(flat) if keep_gate else flat[:0]
    kernel = _gelu_f32_kernel if dtype == np.float32 else _gelu_f64_kernel
    parallel_for(kernel, flat.shape[0], 1, flat, flat, y, gate, approximate == "tanh", False,
                 keep_gate, False)
    shape = np.shape(x)
    return (y.reshape(shape), gate.reshape(shape)) if keep_gate else y.reshape(shape)


def gelu_forward(x: np.ndarray, approximate: str = "none", keep_gate: bool = False) -> Any:
    """GELU of `x` (any shape): exact with `approximate="none"`, else the tanh form.

    With `keep_gate`, returns `(y, gate)`: the per-element value the backward would
    otherwise compute again (the costly part), for `gelu_backward(..., gate=gate)`.

    >>> gelu_forward(np.array([0.0, 1.0, -1.0])).round(6)
    array([ 0.      ,  0.841345, -0.158655])
    """
    impl = gelu_forward_numpy if _mode.using_reference() else gelu_forward_numba
    return impl(x, approximate, keep_gate)


def gelu_backward_numpy(grad: np.ndarray, x: np.ndarray, approximate: str = "none",
                        gate: np.ndarray | None = None) -> np.ndarray:
    """NumPy twin of `gelu_backward`."""
    dtype = _check("gelu_backward", x, approximate, grad, gate)
    shape = np.shape(x)
    x = np.asarray(x, dtype=dtype).reshape(-1)
    grad = np.asarray(grad).reshape(-1)
    gate = None if gate is None else np.asarray(gate, dtype=dtype).reshape(-1)
    with np.errstate(over="ignore", invalid="ignore"):
        return _gelu_backward_numpy(grad, x, approximate, gate).reshape(shape)


def _gelu_backward_numpy(grad: np.ndarray, x: np.ndarray, approximate: str,
                         gate: np.ndarray | None) -> np.ndarray:
    if approximate == "tanh":
        s, q = _tanh_gate_numpy(x, _tanh_exp_numpy(x) if gate is None else gate)
        q *= x
        du = x * x  # 2 du/dx = 2 sqrt(2/pi) (1 + 3 c x^2)
        du *= 3 * TANH_CUBIC
        du += 1
        du *= 2 * SQRT_2_OVER_PI
        q *= du
        q += s
        q *= grad
        return q
    dx = x * x
    dx *= -0.5
    np.exp(dx, out=dx)
    dx *= x
    dx *= INV_SQRT_2PI
    dx += _normal_cdf_numpy(x) if gate is None else gate
    dx *= grad
    return dx


def gelu_backward_numba(grad: np.ndarray, x: np.ndarray, approximate: str = "none",
                        gate: np.ndarray | None = None) -> np.ndarray:
    """numba version of `gelu_backward` (ranges of elements on threads)."""
    dtype = _check("gelu_backward", x, approximate, grad, gate)
    flat = contiguous(x, dtype).reshape(-1)
    dx = np.empty_like(flat)
    g = contiguous(grad, dtype).reshape(-1)
    kept = flat[:0] if gate is None else contiguous(gate, dtype).reshape(-1)
    kernel = _gelu_f32_kernel if dtype == np.float32 else _gelu_f64_kernel
    parallel_for(kernel, flat.shape[0], 1, flat, g, dx, kept, approximate == "tanh", True,
                 False, gate is not None)
    return dx.reshape(np.shape(x))


def gelu_backward(grad: np.ndarray, x: np.ndarray, approximate: str = "none",
                  gate: np.ndarray | None = None) -> np.ndarray:
    """Gradient of `gelu_forward` wrt `x`, given the output gradient `grad` (same shape),
    and the `gate` the forward kept, if it did (same result, less work).

    >>> gelu_backward(np.ones(2), np.array([0.0, 1.0])).round(6)
    array([0.5     , 1.083315])
    >>> y, gate = gelu_forward(np.array([0.0, 1.0]), keep_gate=True)
    >>> gelu_backward(np.ones(2), np.array([0.0, 1.0]), gate=gate).round(6)
    array([0.5     , 1.083315])
    """
    impl = gelu_backward_numpy if _mode.using_reference() else gelu_backward_numba
    return impl(grad, x, approximate, gate)
