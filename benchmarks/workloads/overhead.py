"""overhead: a chain of 1,000 small elementwise ops on 8x8 float32, then sum().backward().

At this size the arithmetic is nothing; the time is per-op dispatch, graph
building and the backward walk. The per-item column is the time per op.
"""

from __future__ import annotations

import numpy as np

from benchmarks import harness
from benchmarks.twins.overhead_numpy import chain, forward_backward

SHAPE = (8, 8)


def apply_chain(y, ops, a, b, c):
    """The chain itself, on tensors of a PyTorch-like library."""
    for op in ops:
        if op == "mul":
            y = y * a
        elif op == "add":
            y = y + b
        elif op == "tanh":
            y = y.tanh()
        elif op == "sub":
            y = y - c
        elif op == "relu":
            y = y.relu()
    return y


def make_chain(lib, x0: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray, ops):
    """The same chain and backward written against a PyTorch-like library."""
    a, b, c = lib.tensor(a), lib.tensor(b), lib.tensor(c)

    def run():
        x = lib.tensor(x0, requires_grad=True)
        apply_chain(x, ops, a, b, c).sum().backward()
        return x.grad

    return run


def _minigrad(*args):
    import minigrad as mg

    return make_chain(mg, *args)


def _compiled(x0: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray, ops):
    """The chain under ``mg.compile``: recorded once, then replayed (fused into numba kernels)."""
    import minigrad as mg

    a, b, c = mg.tensor(a), mg.tensor(b), mg.tensor(c)

    @mg.compile(fullgraph=True)
    def grad_of(x):
        apply_chain(x, ops, a, b, c).sum().backward()
        return x.grad

    return lambda: grad_of(mg.tensor(x0, requires_grad=True))


def cases(quick: bool = False) -> list[harness.Case]:
    n_ops = 200 if quick else 1000
    ops = chain(n_ops)
    rng = np.random.default_rng(0)
    x0 = rng.standard_normal(SHAPE, dtype=np.float32)
    a = rng.uniform(0.5, 1.5, SHAPE).astype(np.float32)
    b = rng.uniform(0.1, 0.5, SHAPE).astype(np.float32)
    c = rng.uniform(0.0, 0.1, SHAPE).astype(np.float32)
    args = (x0, a, b, c, ops)
    impls = {"numpy": lambda: forward_backward(*args)}
    note = harness.add_impl(impls, "minigrad", lambda: _minigrad(*args))
    note = harness.join_notes(note, harness.add_impl(impls, "compiled", lambda: _compiled(*args)))
    torch = harness.try_import_torch()
    if torch is not None:
        note = harness.join_notes(note, harness.add_impl(
            impls, "torch", lambda: make_chain(torch, *args)
        ))
    name = f"{n_ops} ops on 8x8 fwd+bwd"
    return [harness.Case(name, impls, items=n_ops, note=note)]
