"""Shared by the compile tests: run a training step eagerly and compiled, side by side."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

import minigrad as mg


def train(make: Callable[[], tuple[Any, Any]], batches: list[tuple[Any, ...]], compiled: bool,
          seed: int = 1) -> tuple[list[np.ndarray], list[float], Any]:
    """Build (model, optimizer) with ``make``, run one step per batch; returns the final
    parameter values, the losses, and the step function."""
    model, optimizer = make()
    mg.manual_seed(seed)

    def step(*batch: Any) -> Any:
        optimizer.zero_grad()
        loss = model.loss(*batch) if hasattr(model, "loss") else model(*batch)
        loss.backward()
        optimizer.step()
        return loss

    fn = mg.compile(step) if compiled else step
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a silent fallback to eager would pass the comparison
        losses = [float(fn(*batch).detach()) for batch in batches]
    params = [p.numpy(force=True).copy() for p in model.parameters()]
    return params, losses, fn


def assert_close(eager: list[np.ndarray], compiled: list[np.ndarray], rtol: float) -> None:
    assert len(eager) == len(compiled)
    for a, b in zip(eager, compiled):
        scale = max(float(np.abs(a).max()), 1e-30)
        assert float(np.abs(a - b).max()) <= rtol * scale, (a, b)
