"""linreg: the 201-step linear-regression walkthrough (y = 0.1 x + 0.3), one full fit per call.

Measures per-op overhead on tiny tensors: 100 points, a handful of ops per step.
"""

from __future__ import annotations

import numpy as np

from benchmarks import harness
from benchmarks.twins.linreg_numpy import fit

STEPS = 201
LR = 0.5


def make_fit(lib, x_np: np.ndarray, y_np: np.ndarray, w0: np.ndarray):
    """The same fit written against a PyTorch-like library (`torch` or `minigrad`)."""
    x = lib.tensor(x_np)
    y = lib.tensor(y_np)

    def run():
        w = lib.tensor(w0, requires_grad=True)
        b = lib.tensor(np.zeros(1, dtype=np.float32), requires_grad=True)
        for _ in range(STEPS):
            loss = ((w * x + b - y) ** 2).mean()
            loss.backward()
            with lib.no_grad():
                w -= LR * w.grad
                b -= LR * b.grad
            w.grad = None
            b.grad = None
        return w, b

    return run


def _compiled(x_np: np.ndarray, y_np: np.ndarray, w0: np.ndarray):
    """The same fit, each gradient-descent step under ``mg.compile``."""
    import minigrad as mg

    x, y = mg.tensor(x_np), mg.tensor(y_np)

    @mg.compile(fullgraph=True)
    def gd_step(w, b):
        loss = ((w * x + b - y) ** 2).mean()
        loss.backward()
        with mg.no_grad():
            w.sub_(LR * w.grad)
            b.sub_(LR * b.grad)
        w.grad = None
        b.grad = None

    def run():
        w = mg.tensor(w0, requires_grad=True)
        b = mg.tensor(np.zeros(1, dtype=np.float32), requires_grad=True)
        for _ in range(STEPS):
            gd_step(w, b)
        return w, b

    return run


def _minigrad(x, y, w0):
    import minigrad as mg

    return make_fit(mg, x, y, w0)


def cases(quick: bool = False) -> list[harness.Case]:
    rng = np.random.default_rng(0)
    x = rng.random(100, dtype=np.float32)
    y = 0.1 * x + 0.3
    w0 = rng.uniform(-1.0, 1.0, 1).astype(np.float32)
    impls = {"numpy": lambda: fit(x, y, w0[0], STEPS, LR)}
    note = harness.add_impl(impls, "minigrad", lambda: _minigrad(x, y, w0))
    note = harness.join_notes(note, harness.add_impl(impls, "compiled",
                                                     lambda: _compiled(x, y, w0)))
    torch = harness.try_import_torch()
    if torch is not None:
        note = harness.join_notes(note, harness.add_impl(
            impls, "torch", lambda: make_fit(torch, x, y, w0)
        ))
    name = f"fit 100 points, {STEPS} GD steps"
    return [harness.Case(name, impls, items=STEPS, note=note)]
