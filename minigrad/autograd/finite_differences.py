"""``gradcheck``: compare backward's gradients with central finite differences."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._tensor import Tensor
from .functional import grad


def numerical_jacobian_vjp(
    fn: Callable[..., Any], inputs: Sequence[Any], out_grad: np.ndarray, eps: float
) -> list[np.ndarray | None]:
    """Finite-difference gradients of ``sum(fn(*inputs) * out_grad)`` for each input
    that requires grad, one element at a time (central differences).

    Each element is nudged in place and put back exactly, so ``fn`` may also
    reach the inputs another way (a model's parameters, say); afterwards every
    input holds the same array with the same values as before."""
    grads: list[np.ndarray | None] = []
    for k, t in enumerate(inputs):
        if not (isinstance(t, Tensor) and t.requires_grad):
            grads.append(None)
            continue
        values = t._array
        if not values.flags.writeable:
            raise ValueError(f"gradcheck: input {k} is read-only; pass a writable copy")
        g = np.zeros(t.shape, np.float64)
        for index in np.ndindex(*t.shape):
            saved = values[index]
            values[index] = saved + eps
            plus = float(np.sum(_value(fn(*inputs)) * out_grad))
            values[index] = saved - eps
            minus = float(np.sum(_value(fn(*inputs)) * out_grad))
            values[index] = saved
            g[index] = (plus - minus) / (2 * eps)
        grads.append(g)
    return grads


def _value(out: Any) -> np.ndarray:
    return np.asarray(out._array if isinstance(out, Tensor) else out, dtype=np.float64)


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
    matters. The inputs are left as they were: same arrays, same values, ``.grad``
    untouched.
    Returns True, or raises (or returns False) naming the input, the worst
    element and both values.

    >>> import minigrad as mg
    >>> x = mg.randn(3, dtype=mg.float64, requires_grad=True)
    >>> mg.autograd.gradcheck(lambda t: (t * t).sin(), [x])
    True
    """
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    checked = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    for i in checked:
        if inputs[i].dtype != np.float64:
            raise TypeError(
                f"gradcheck: input {i} has dtype {inputs[i].dtype}; use float64 inputs, or "
                "finite differences drown in rounding error"
            )
    out = fn(*inputs)
    out_grad = np.random.default_rng(seed).standard_normal(out.shape)
    analytic = grad(out, [inputs[i] for i in checked],
                    Tensor._make(out_grad.astype(out.dtype), False, None), allow_unused=True)
    got_by_input = dict(zip(checked, analytic))
    numeric = numerical_jacobian_vjp(fn, inputs, out_grad, eps)
    for i, expected in enumerate(numeric):
        if expected is None:
            continue
        t, g = inputs[i], got_by_input[i]
        got = np.zeros(t.shape) if g is None else g._array.astype(np.float64)
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
