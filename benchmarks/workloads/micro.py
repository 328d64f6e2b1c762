"""micro: micrograd's demo network, a 2-16-16-1 ReLU MLP, one SGD step on 100 points (float32).

A step is the forward of every point, a max-margin (hinge) loss plus an L2 penalty,
backward and the update: a few dozen tiny ops, so the time is all per-op overhead.
"""

from __future__ import annotations

import numpy as np

from benchmarks import harness

LR = 0.05
ALPHA = 1e-4


def make_step(lib, nn, x_np: np.ndarray, y_np: np.ndarray, compiled: bool = False):
    """One step written against a PyTorch-like library (torch or minigrad)."""
    lib.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(),
                          nn.Linear(16, 1))
    params = list(model.parameters())
    opt = lib.optim.SGD(params, lr=LR)
    x, y = lib.tensor(x_np), lib.tensor(y_np)

    def step():
        opt.zero_grad()
        scores = model(x)
        data_loss = (1 - y * scores).relu().mean()
        reg_loss = ALPHA * sum((p * p).sum() for p in params)
        loss = data_loss + reg_loss
        loss.backward()
        opt.step()
        return loss

    return lib.compile(step, fullgraph=True) if compiled else step


def _minigrad(x, y, compiled=False):
    import minigrad as mg

    return make_step(mg, mg.nn, x, y, compiled)


def moons(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half circles with labels -1 and +1 (as micrograd's demo)."""
    t = rng.uniform(0, np.pi, n)
    upper = rng.random(n) < 0.5
    x = np.where(upper, np.cos(t), 1 - np.cos(t))
    y = np.where(upper, np.sin(t), 0.5 - np.sin(t))
    points = np.stack([x, y], 1) + 0.1 * rng.standard_normal((n, 2))
    return points.astype(np.float32), np.where(upper, 1.0, -1.0).astype(np.float32)[:, None]


def cases(quick: bool = False) -> list[harness.Case]:
    x, y = moons(100, np.random.default_rng(0))
    impls: dict = {}
    note = harness.add_impl(impls, "minigrad", lambda: _minigrad(x, y))
    note = harness.join_notes(note, harness.add_impl(impls, "compiled",
                                                     lambda: _minigrad(x, y, True)))
    torch = harness.try_import_torch()
    if torch is not None:
        note = harness.join_notes(note, harness.add_impl(
            impls, "torch", lambda: make_step(torch, torch.nn, x, y)))
    return [harness.Case("2-16-16-1 MLP, 100 points, SGD step", impls, items=100, note=note)]
