"""``gradcheck``: compare backward's gradients with central finite differences."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np


def numerical_jacobian_vjp(
    fn: Callable[..., Any], inputs: Sequence[Any], out_grad: np.ndarray, eps: float
) -> list[np.ndarray]:
    """Finite-difference gradients of ``sum(fn(*inputs) * out_grad)`` for each input
    that requires grad, one element at a time (central differences)."""
    grads = []
    for t in inputs:
        if not getattr(t, "requires_grad", False):
            grads.append(None)
            continue
        g = np.zeros(t.shape, np.float64)
        flat = t.data.reshape(-1)
        for i in range(flat.size):
            saved = flat[i]
            flat[i] = saved + eps
            plus = float(np.sum(_value(fn(*inputs)) * out_grad))
            flat[i] = saved - eps
            minus = float(np.sum(_value(fn(*inputs)) * out_grad))
            flat[i] = saved
            g.reshape(-1)[i] = (plus - minus) / (2 * eps)
        grads.append(g)
    return grads


def _value(out: Any) -> np.ndarray:
    return np.asarray(out.data if hasattr(out, "data") else out, dtype=np.float64)


def gradcheck(
    fn: Callable[..., Any],
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    seed: int = 0,
) -> bool:
    """Check ``fn``'s analytic gradients against finite differences, element by element.

    ``inputs`` are float64 tensors; those with ``requires_grad`` are checked. The
    output is contracted with a fixed random cotangent so every output element
    matters. Returns True, or raises (or returns False) naming the input, the
    worst element and both values.

    >>> import minigrad as mg
    >>> x = mg.randn(3, dtype=mg.float64, requires_grad=True)
    >>> mg.autograd.gradcheck(lambda t: (t * t).sin(), [x])
    True
    """
    from ..tensor import Tensor

    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    for i, t in enumerate(inputs):
        if isinstance(t, Tensor) and t.requires_grad and t.dtype != np.float64:
            raise TypeError(
                f"gradcheck: input {i} has dtype {t.dtype}; use float64 inputs, or finite "
                "differences drown in rounding error"
            )
    for t in inputs:
        if isinstance(t, Tensor) and t.requires_grad and not (
            t.data.flags.c_contiguous and t.data.flags.writeable
        ):
            t.data = t.data.copy()  # finite differences perturb a flat view of the data
    out = fn(*inputs)
    out_grad = np.random.default_rng(seed).standard_normal(out.shape)
    for t in inputs:
        if isinstance(t, Tensor):
            t.grad = None
    out.backward(Tensor._make(out_grad.astype(out.dtype), False, None))
    numeric = numerical_jacobian_vjp(fn, inputs, out_grad, eps)
    for i, (t, expected) in enumerate(zip(inputs, numeric)):
        if expected is None:
            continue
        got = np.zeros(t.shape) if t.grad is None else t.grad.data.astype(np.float64)
        close = np.isclose(got, expected, atol=atol, rtol=rtol)
        if not close.all():
            worst = np.unravel_index(np.argmax(np.abs(got - expected)), t.shape)
            message = (
                f"gradcheck: gradient of input {i} (shape {t.shape}) disagrees with finite "
                f"differences at index {tuple(int(k) for k in worst)}: backward gives "
                f"{got[worst]:.8g}, numerical {expected[worst]:.8g} "
                f"({int((~close).sum())} of {close.size} elements differ)"
            )
            if raise_exception:
                raise AssertionError(message)
            return False
    return True
