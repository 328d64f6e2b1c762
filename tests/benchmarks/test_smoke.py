"""Smoke tests for the benchmark suite: the harness on a fake clock, the table, the NumPy twins.

The twins are the references minigrad is measured against, so their gradients
are checked element by element against central finite differences in float64.
Neither torch nor minigrad's implementations are run here.
"""

from __future__ import annotations

import math
import os
import sys

import numpy as np
import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

from benchmarks import harness  # noqa: E402
from benchmarks.run import parse_args, run_workload  # noqa: E402
from benchmarks.twins import (  # noqa: E402
    embed_numpy,
    gpt_numpy,
    linreg_numpy,
    mlp_numpy,
    overhead_numpy,
)
from benchmarks.twins.optim_numpy import AdamW  # noqa: E402
from benchmarks.workloads import available  # noqa: E402


class FakeClock:
    """A clock that only moves when an impl says how long it took."""

    def __init__(self):
        self.now = 0.0
        self.calls: list[str] = []

    def __call__(self) -> float:
        return self.now

    def impl(self, name: str, durations):
        """An impl whose k-th call takes durations[k] seconds (the last one repeats)."""
        durations = list(durations)

        def run():
            k = sum(1 for c in self.calls if c == name)
            self.calls.append(name)
            self.now += durations[min(k, len(durations) - 1)]

        return run


# ---------------------------------------------------------------- harness


def test_run_case_median_min_max_and_ratios():
    clock = FakeClock()
    case = harness.Case("c", {
        "numpy": clock.impl("numpy", [3.0, 1.0, 2.0]),
        "minigrad": clock.impl("minigrad", [8.0, 2.0, 4.0]),
        "torch": clock.impl("torch", [1.0]),
    })
    res = harness.run_case(case, repeats=3, warmup=0, clock=clock, min_sample_time=0.0)
    np_res, mg_res = res.impls["numpy"], res.impls["minigrad"]
    assert (np_res.median, np_res.min, np_res.max) == (2.0, 1.0, 3.0)
    assert (mg_res.median, mg_res.min, mg_res.max) == (4.0, 2.0, 8.0)
    assert res.ratio("minigrad", "numpy") == 2.0
    assert res.ratio("numpy", "torch") == 2.0
    assert res.ratio("minigrad", "absent") is None


def test_run_case_interleaves_round_robin_after_warmup():
    clock = FakeClock()
    case = harness.Case("c", {n: clock.impl(n, [1.0]) for n in "abc"})
    harness.run_case(case, repeats=3, warmup=2, clock=clock, min_sample_time=0.0)
    assert clock.calls[:6] == list("aabbcc")  # warm-up, impl by impl
    assert clock.calls[6:] == list("abc") + list("bca") + list("cab")


def test_run_case_batches_short_calls():
    clock = FakeClock()
    case = harness.Case("c", {"numpy": clock.impl("numpy", [1e-4])})
    res = harness.run_case(case, repeats=4, warmup=1, clock=clock, min_sample_time=1e-3)
    assert res.impls["numpy"].calls_per_sample == 10
    assert len(clock.calls) == 1 + 4 * 10
    assert res.impls["numpy"].median == pytest.approx(1e-4)


def test_run_case_reports_errors_and_self_measured_times():
    clock = FakeClock()

    def broken():
        raise ValueError("boom")

    case = harness.Case(
        "c",
        {"numpy": clock.impl("numpy", [2.0]), "minigrad": broken,
         "sub": lambda: harness.Measured(5.0)},
        repeats=2, warmup=0,
    )
    res = harness.run_case(case, repeats=9, warmup=3, clock=clock)
    assert res.impls["minigrad"].error == "ValueError: boom"
    assert res.impls["minigrad"].median is None
    assert res.ratio("minigrad", "numpy") is None
    assert res.impls["numpy"].samples == [2.0, 2.0]  # the Case's repeats/warmup win
    assert res.impls["sub"].samples == [5.0, 5.0]


def test_format_table_rows():
    res = harness.CaseResult(
        "mlp", "step | big", items=1000, note="n",
        impls={
            "numpy": harness.ImplResult(samples=[2e-3, 1e-3, 3e-3]),
            "minigrad": harness.ImplResult(samples=[4e-3]),
            "torch": harness.ImplResult(error="RuntimeError: x"),
        },
    )
    failed = harness.error_result("gpt", "(setup)", ImportError("no module"))
    lines = harness.format_table([res, failed]).splitlines()
    assert lines[0].startswith("| workload | case | impl | median | min | max | vs numpy |")
    assert lines[2] == (
        "| mlp | step \\| big | numpy | 2.00 ms | 1.00 ms | 3.00 ms | 1.00x | - "
        "| 2.00 µs | 500 k/s | n |"
    )
    assert lines[3] == (
        "| mlp | step \\| big | minigrad | 4.00 ms | 4.00 ms | 4.00 ms | 2.00x | - "
        "| 4.00 µs | 250 k/s |  |"
    )
    assert lines[4] == (
        "| mlp | step \\| big | torch | - | - | - | - | - | - | - | error: RuntimeError: x |"
    )
    assert lines[5] == "| gpt | (setup) | - | - | - | - | - | - | - | - | ImportError: no module |"


@pytest.mark.parametrize("duration, text", [
    (1.5, "1.50 s"), (0.0123, "12.3 ms"), (2.5e-4, "250 µs"), (3e-9, "3.00 ns"), (None, "-"),
])
def test_format_seconds(duration, text):
    """A pure formatter of given numbers: nothing is timed."""
    assert harness.format_seconds(duration) == text


def test_pin_threads_rejects_bad_counts():
    with pytest.raises(ValueError, match="pin_threads"):
        harness.pin_threads(0)


def test_run_args_and_failing_workload_becomes_a_row():
    args = parse_args(["mlp", "--quick"])
    assert (args.repeats, args.warmup, args.threads, args.all) == (3, 1, 1, False)
    with pytest.raises(SystemExit):
        parse_args([])
    rows = run_workload("no_such_workload", args)
    assert len(rows) == 1 and rows[0].impls == {}
    assert "ModuleNotFoundError" in rows[0].note


def test_all_workloads_are_discovered():
    assert {"linreg", "overhead", "mlp", "gpt", "embed", "coldstart"} <= set(available())


# ---------------------------------------------------------------- quick numpy cases


@pytest.fixture
def numpy_only(monkeypatch):
    """cases() build only their numpy impls: no torch import, no minigrad construction."""
    monkeypatch.setattr(harness, "try_import_torch", lambda: None)
    monkeypatch.setattr(harness, "add_impl", lambda impls, name, build: "")


def _numpy_impl(workload: str):
    module = __import__(f"benchmarks.workloads.{workload}", fromlist=["cases"])
    (case,) = module.cases(quick=True)
    assert set(case.impls) == {"numpy"}
    return case.impls["numpy"]


def test_quick_linreg_case_converges(numpy_only):
    w, b, loss = _numpy_impl("linreg")()
    assert w[0] == pytest.approx(0.1, abs=1e-3) and b[0] == pytest.approx(0.3, abs=1e-3)
    assert loss < 1e-6


@pytest.mark.parametrize("workload, start", [("mlp", math.log(10)), ("gpt", math.log(65))])
def test_quick_training_cases_start_at_chance_and_learn(numpy_only, workload, start):
    step = _numpy_impl(workload)
    first = step()
    assert first == pytest.approx(start, abs=0.5)
    for _ in range(5):
        last = step()
    assert last < first


def test_quick_overhead_and_embed_cases_run(numpy_only):
    total, grad = _numpy_impl("overhead")()
    assert np.isfinite(total) and grad.shape == (8, 8) and grad.dtype == np.float32
    grad = _numpy_impl("embed")()
    assert grad.shape == (1000, 32) and grad.dtype == np.float32


# ---------------------------------------------------------------- twin correctness


def _numerical_grads(loss_fn, params: dict, eps: float = 1e-6) -> dict:
    grads = {}
    for name, p in params.items():
        g = np.zeros_like(p)
        for i in np.ndindex(p.shape):
            old = p[i]
            p[i] = old + eps
            up = loss_fn()
            p[i] = old - eps
            down = loss_fn()
            p[i] = old
            g[i] = (up - down) / (2 * eps)
        grads[name] = g
    return grads


def _assert_grads_match(analytic: dict, numeric: dict):
    assert set(analytic) == set(numeric)
    for name in numeric:
        np.testing.assert_allclose(analytic[name], numeric[name], rtol=1e-6, atol=1e-8,
                                   err_msg=name)


def test_gpt_twin_gradients_match_finite_differences():
    rng = np.random.default_rng(1)
    cfg = gpt_numpy.GPTConfig(vocab_size=7, block_size=5, n_layer=2, n_head=2, n_embd=8)
    model = gpt_numpy.GPT(cfg, rng, dtype=np.float64)
    for p in model.params.values():  # move LayerNorm and biases off 1 / 0 so they matter
        p += 0.3 * rng.standard_normal(p.shape)
    idx = rng.integers(0, 7, (2, 4))  # T = 4 < block_size: unused wpe rows get zero grad
    targets = rng.integers(0, 7, (2, 4))
    _, grads = model.loss_and_grads(idx, targets)
    assert grads["wte"].dtype == np.float64
    assert not grads["wpe"][4].any()
    numeric = _numerical_grads(lambda: model.loss(idx, targets), model.params)
    _assert_grads_match(grads, numeric)


def test_gpt_twin_is_causal():
    rng = np.random.default_rng(2)
    cfg = gpt_numpy.GPTConfig(vocab_size=7, block_size=6, n_layer=1, n_head=2, n_embd=8)
    params = gpt_numpy.init_params(cfg, rng, np.float64)
    idx = rng.integers(0, 7, (1, 6))
    changed = idx.copy()
    changed[0, 4] = (idx[0, 4] + 1) % 7
    a, _ = gpt_numpy.forward(params, cfg, idx)
    b, _ = gpt_numpy.forward(params, cfg, changed)
    # earlier positions never see later tokens
    np.testing.assert_allclose(a[:4], b[:4], rtol=1e-12, atol=0)
    assert not np.allclose(a[4:], b[4:])
    with pytest.raises(ValueError, match="block_size"):
        gpt_numpy.forward(params, cfg, np.zeros((1, 7), dtype=np.int64))


def test_mlp_twin_gradients_match_finite_differences():
    rng = np.random.default_rng(3)
    model = mlp_numpy.MLP((5, 6, 4, 3), rng, dtype=np.float64)
    x = rng.standard_normal((4, 5))
    y = rng.integers(0, 3, 4)
    _, grads = model.loss_and_grads(x, y)
    numeric = _numerical_grads(lambda: model.loss(x, y), model.params)
    _assert_grads_match(grads, numeric)


def test_overhead_twin_gradient_matches_finite_differences():
    rng = np.random.default_rng(4)
    x, a, b, c = (rng.uniform(0.2, 1.0, (3, 3)) for _ in range(4))
    ops = overhead_numpy.chain(23)
    _, grad = overhead_numpy.forward_backward(x, a, b, c, ops)
    numeric = _numerical_grads(lambda: overhead_numpy.forward_backward(x, a, b, c, ops)[0],
                               {"x": x})
    np.testing.assert_allclose(grad, numeric["x"], rtol=1e-6, atol=1e-9)


def test_embedding_twin_backward_sums_repeated_rows():
    grad_out = np.arange(8.0).reshape(4, 2)
    grad = embed_numpy.embedding_backward(grad_out, np.array([2, 0, 2, 2]), 3)
    assert grad.tolist() == [[2.0, 3.0], [0.0, 0.0], [0 + 4 + 6.0, 1 + 5 + 7.0]]


def test_adamw_twin_matches_the_update_rule():
    p0, g = np.array([1.0, -2.0]), np.array([0.5, 0.25])
    params = {"p": p0.copy()}
    opt = AdamW(params, lr=0.1, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.5)
    opt.step({"p": g})
    opt.step({"p": g})
    p, m, v = p0.copy(), 0.0, 0.0
    for t in (1, 2):
        p = p * (1 - 0.1 * 0.5)
        m = 0.9 * m + 0.1 * g
        v = 0.99 * v + 0.01 * g * g
        p = p - 0.1 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.99**t)) + 1e-8)
    np.testing.assert_allclose(params["p"], p, rtol=1e-12)


def test_linreg_twin_converges_from_any_start():
    x = np.random.default_rng(5).random(100, dtype=np.float32)
    for w0 in (-1.0, 0.0, 0.99):
        w, b, _ = linreg_numpy.fit(x, 0.1 * x + 0.3, np.float32(w0))
        assert w.dtype == np.float32
        assert w[0] == pytest.approx(0.1, abs=1e-3) and b[0] == pytest.approx(0.3, abs=1e-3)


# ---------------------------------------------------------------- the BERT forward twin


def test_bert_twin_erf_and_padding():
    from benchmarks.twins import bert_numpy

    z = np.linspace(-5, 5, 2001)
    want = np.array([math.erf(v) for v in z])
    assert np.abs(bert_numpy.erf(z) - want).max() < 1.5e-7     # Abramowitz-Stegun 7.1.26
    rng = np.random.default_rng(0)
    p = bert_numpy.random_params(rng, vocab=20, hidden=8, layers=2, intermediate=16, positions=8)
    ids = np.array([[2, 5, 7, 3, 0, 0], [2, 5, 7, 3, 9, 11]])
    mask = np.array([[1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1]])
    out = bert_numpy.forward(p, ids, mask, heads=2)
    alone = bert_numpy.forward(p, ids[:1, :4], mask[:1, :4], heads=2)
    np.testing.assert_allclose(out[0, :4], alone[0], atol=1e-5)   # padding is invisible
    assert np.abs(out[1, :4] - out[0, :4]).max() > 1e-3          # real tokens are not
    np.testing.assert_allclose(out.mean(axis=-1), 0.0, atol=1e-5)  # post-norm output
