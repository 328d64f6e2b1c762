"""Random programs, compiled and eager, give the same losses, parameters and gradients.

Each seed builds a step from elementwise ops, sums and means over arguments of mixed
shapes (one-element parameters broadcast over a (4, 5) input), reusing values at random,
then updates the parameters in place: the kind of program whose fusion plan has the
most ways to go wrong (which value lives before, in or after a kernel's loop). A
comparison like this one found the bug ``test_fusion.py`` keeps as
``test_a_gradient_summed_into_a_value_finished_after_the_loop_keeps_its_loop_route``.
"""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad.kernels import reference_mode

OPS = [
    lambda a, b, c: a + b,
    lambda a, b, c: a - b * c,
    lambda a, b, c: a * b,
    lambda a, b, c: (a * 0.3).tanh(),
    lambda a, b, c: a / (b * b + 1.0),
    lambda a, b, c: a.mean() * b,
    lambda a, b, c: a - a.sum() * 0.01,
    lambda a, b, c: (a * 0.2).exp() + c,
    lambda a, b, c: (a * c).relu(),
]


def random_step(seed: int):
    rng = np.random.default_rng(seed)
    plan = [(int(rng.integers(len(OPS))), int(rng.integers(100)), int(rng.integers(100)),
             float(rng.uniform(0.5, 1.5))) for _ in range(int(rng.integers(3, 14)))]

    def step(w, b, x):
        values = [x, w, b, x * w]
        for op, i, j, c in plan:
            values.append(OPS[op](values[i % len(values)], values[j % len(values)], c))
        loss = sum(v.mean() for v in values[3:]) + values[-1].sum() * 0.1
        loss.backward()
        with mg.no_grad():
            w.sub_(0.01 * w.grad)
            if b.grad is not None:
                b.sub_(b.grad, alpha=0.01)
        w.grad = None
        b.grad = None
        return loss

    return step


def _run(step, seed: int, dtype, compiled: bool):
    rng = np.random.default_rng(1000 + seed)
    w = mg.tensor(rng.standard_normal([(1,), (4, 5), (1, 1)][seed % 3]).astype(dtype),
                  requires_grad=True)
    b = mg.tensor(rng.standard_normal(1).astype(dtype), requires_grad=True)
    x = mg.tensor(rng.standard_normal((4, 5)).astype(dtype), requires_grad=True)
    fn = mg.compile(step, fullgraph=True) if compiled else step
    losses = []
    for _ in range(4):
        x.grad = None
        losses.append(float(fn(w, b, x).detach()))
    return [np.array(losses), w.numpy(force=True), b.numpy(force=True), x.grad.numpy()], fn


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(16))
@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-10), (np.float32, 2e-4)])
def test_random_programs_compile_to_what_eager_computes(seed, dtype, tol):
    step = random_step(seed)
    with reference_mode(False):  # the fused kernels, also in the NumPy-twin pass
        want, _ = _run(step, seed, dtype, compiled=False)
        got, fn = _run(step, seed, dtype, compiled=True)
    for g, w in zip(got, want):
        scale = max(float(np.abs(w).max()), 1e-3)
        assert float(np.abs(g - w).max()) <= tol * scale
    assert fn.programs[0].replays == 3
