"""The compiled benchmark variants compute what the eager minigrad variants compute."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repo root: benchmarks/

from benchmarks import harness  # noqa: E402


@pytest.fixture
def no_torch(monkeypatch):
    monkeypatch.setattr(harness, "try_import_torch", lambda: None)


def _impls(workload: str) -> dict:
    module = __import__(f"benchmarks.workloads.{workload}", fromlist=["cases"])
    (case,) = module.cases(quick=True)
    assert case.note == ""
    return case.impls


def test_overhead_and_linreg(no_torch):
    impls = _impls("overhead")
    for _ in range(2):  # traced, then replayed
        got, want = impls["compiled"]().numpy(), impls["minigrad"]().numpy()
        # 200 chained tanh/relu/products: fused tanh rounds differently in the last bit,
        # which the chain amplifies in the tiniest gradients; compare against the largest
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-5 * np.abs(want).max())
    impls = _impls("linreg")
    for _ in range(2):
        (w, b), (w2, b2) = impls["minigrad"](), impls["compiled"]()
        np.testing.assert_allclose(w2.detach().numpy(), w.detach().numpy(), rtol=1e-6)
        np.testing.assert_allclose(b2.detach().numpy(), b.detach().numpy(), rtol=1e-6)


def test_micro(no_torch):
    impls = _impls("micro")
    eager = [float(impls["minigrad"]().detach()) for _ in range(5)]
    compiled = [float(impls["compiled"]().detach()) for _ in range(5)]
    np.testing.assert_allclose(compiled, eager, rtol=1e-6)
    assert eager[-1] < eager[0]
