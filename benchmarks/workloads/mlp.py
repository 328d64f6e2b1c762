"""mlp: one Adam training step of a 784-512-512-10 ReLU MLP on a batch of 256 (float32).

A step is zero_grad, forward, cross-entropy, backward and the Adam update;
matrix products dominate, so this shows the cost around BLAS.
"""

from __future__ import annotations

import numpy as np

from benchmarks import harness
from benchmarks.twins.mlp_numpy import MLP
from benchmarks.twins.mlp_numpy import train_step as numpy_step
from benchmarks.twins.optim_numpy import AdamW

LR = 1e-3


def make_step(lib, nn, F, optim, sizes: tuple[int, int, int, int], x_np, y_np, wrap=None):
    """The same step written against a PyTorch-like library (torch or minigrad).
    ``wrap(model)``, if given, wraps the model (in DistributedDataParallel, say)."""

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(sizes[0], sizes[1])
            self.fc2 = nn.Linear(sizes[1], sizes[2])
            self.fc3 = nn.Linear(sizes[2], sizes[3])

        def forward(self, x):
            return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))

    lib.manual_seed(0)
    model = Net() if wrap is None else wrap(Net())
    opt = optim.Adam(model.parameters(), lr=LR)
    x, y = lib.tensor(x_np), lib.tensor(y_np)

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return step


def _minigrad(*args):
    import minigrad as mg
    import minigrad.nn as nn
    import minigrad.nn.functional as F
    import minigrad.optim as optim

    return make_step(mg, nn, F, optim, *args)


def cases(quick: bool = False) -> list[harness.Case]:
    sizes = (64, 32, 32, 10) if quick else (784, 512, 512, 10)
    batch = 32 if quick else 256
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, sizes[0]), dtype=np.float32)
    y = rng.integers(0, sizes[-1], batch)
    model = MLP(sizes, rng)
    opt = AdamW(model.params, lr=LR)
    args = (sizes, x, y)
    impls = {"numpy": lambda: numpy_step(model, opt, x, y)}
    note = harness.add_impl(impls, "minigrad", lambda: _minigrad(*args))
    torch = harness.try_import_torch()
    if torch is not None:
        note = harness.join_notes(note, harness.add_impl(
            impls, "torch", lambda: make_step(torch, torch.nn, torch.nn.functional, torch.optim,
                                              *args)
        ))
    name = f"{'-'.join(map(str, sizes))} batch {batch} Adam step"
    return [harness.Case(name, impls, items=batch, note=note)]
