"""A long chain of small elementwise ops, forward and backward by hand.

The chain repeats `OPS` (each op with its own constant operand), then sums.

>>> import numpy as np
>>> x = np.full((2, 2), 0.5)
>>> ones = np.ones((2, 2))
>>> y, gx = forward_backward(x, ones, ones, ones, ("mul", "tanh"))
>>> round(float(gx[0, 0]), 6) == round(1 - float(np.tanh(0.5)) ** 2, 6)
True
"""

from __future__ import annotations

import numpy as np

OPS = ("mul", "add", "tanh", "sub", "relu")


def chain(n_ops: int) -> tuple[str, ...]:
    """The first `n_ops` ops of the repeating pattern `OPS`."""
    return tuple(OPS[i % len(OPS)] for i in range(n_ops))


def forward_backward(
    x: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray, ops: tuple[str, ...]
) -> tuple[float, np.ndarray]:
    """sum(chain(x)) and its gradient with respect to x."""
    saved = []
    for op in ops:
        if op == "mul":
            x = x * a
        elif op == "add":
            x = x + b
        elif op == "tanh":
            x = np.tanh(x)
            saved.append(x)
        elif op == "sub":
            x = x - c
        elif op == "relu":
            x = np.maximum(x, 0.0)
            saved.append(x > 0)
        else:
            raise ValueError(f"forward_backward: unknown op {op!r}")
    total = float(x.sum())
    grad = np.ones_like(x)
    for op in reversed(ops):
        if op == "mul":
            grad = grad * a
        elif op == "tanh":
            y = saved.pop()
            grad = grad * (1.0 - y * y)  # d tanh(x)/dx = 1 - tanh(x)^2
        elif op == "relu":
            grad = grad * saved.pop()
        # add and sub pass the gradient through unchanged
    return total, grad
