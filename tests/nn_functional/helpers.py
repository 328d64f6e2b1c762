"""Helpers for the functional tests: float64 tensors, a second-derivative check."""

from __future__ import annotations

import numpy as np

import minigrad as mg
from minigrad.autograd import gradcheck


def f64(array, requires_grad=True):
    """A float64 C-contiguous tensor (a copy) for gradcheck, whose finite differences
    perturb ``t.detach().numpy().reshape(-1)`` and so need a contiguous array."""
    data = np.ascontiguousarray(np.asarray(array, dtype=np.float64))
    return mg.tensor(data, requires_grad=requires_grad)


def check_second_order(fn, inputs, seed=0):
    """gradcheck the gradient itself: h(x) = sum of squares of d(sum(fn(x) * c))/dx."""
    c = mg.tensor(np.random.default_rng(seed).standard_normal(fn(*inputs).shape))

    def grads(*xs):
        out = (fn(*xs) * c).sum()
        gs = mg.autograd.grad(out, list(xs), create_graph=True)
        return sum((g * g).sum() for g in gs)

    return gradcheck(grads, inputs)
