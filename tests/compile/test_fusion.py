"""Fused kernels against their NumPy twin (the unfused replay), on random inputs."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad.kernels import reference_mode


@pytest.fixture(autouse=True)
def numba_kernels():
    """Fusion is what these tests check, so they run the numba side even in the
    MINIGRAD_KERNELS=numpy pass (which otherwise fuses nothing: the twin)."""
    with reference_mode(False):
        yield


def _chain(x, a, b):
    """Every op fusion knows, with a value used twice (gradients summed) and a constant."""
    y = (x * a + b).tanh()
    z = (y - 0.5 * x) / (b + 2.0)
    w = (-z).exp().relu() + z ** 2 + y * z
    return (w * a).sum()


def _grads(compiled_fn, inputs):
    for t in inputs:
        t.grad = None
    loss = compiled_fn(*inputs)
    return [float(loss)] + [t.grad.numpy().copy() for t in inputs]


# exp(z) with z up to ~25 turns one ulp of z (tanh rounds differently in numba and NumPy)
# into 25 ulp of the result: float32's tolerance allows for that conditioning
@pytest.mark.parametrize("dtype, rtol", [(np.float32, 1e-5), (np.float64, 1e-13)])
def test_fused_kernels_match_the_unfused_replay(dtype, rtol):
    rng = np.random.default_rng(0)

    def step(x, a, b):
        loss = _chain(x, a, b)
        loss.backward()
        return loss

    fused = mg.compile(step)
    with reference_mode():
        unfused = mg.compile(step)
        shape = (5, 7)
        first = [mg.tensor(rng.standard_normal(shape).astype(dtype), requires_grad=True)
                 for _ in range(3)]
        unfused(*first)  # recorded (and kept unfused) under MINIGRAD_KERNELS=numpy
    fused(*first)
    assert unfused.programs[0].groups == []
    groups = fused.programs[0].groups
    fused_names = [s.fn.__name__ if s.kind == "forward" else s.name for s in groups[0].steps]
    assert "Sum" in fused_names and "SumBackward" in fused_names  # the chain ends in its sum
    for _ in range(5):
        inputs = [rng.standard_normal(shape).astype(dtype) for _ in range(3)]
        got = _grads(fused, [mg.tensor(v, requires_grad=True) for v in inputs])
        with reference_mode():
            want = _grads(unfused, [mg.tensor(v, requires_grad=True) for v in inputs])
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=rtol, atol=rtol)
    assert fused.programs[0].replays == 5


def test_kernel_text_is_readable_python():
    def step(x, a):
        h = (x * a).tanh() + a
        g = (h * a).tanh() + a
        loss = (g * h).sum()
        loss.backward()
        return loss

    fn = mg.compile(step)
    fn(mg.randn(4, 4, requires_grad=True), mg.randn(4, 4))
    groups = fn.programs[0].groups
    source = groups[0].source
    assert "def fused_float32(ins, outs, scalars, n):" in source
    assert "np.tanh(" in source and "# Mul" in source and "# Tanh" in source
    assert "for i in range(n):" in source
    text = fn.explain()
    assert "fused group 0" in text and "numba kernel" in text


def _twin_runs(step, make_inputs, calls=4):
    """Run ``step`` compiled with fusion and compiled without (the NumPy twin), each on
    its own copies of the same inputs; returns both sets of results, and the fused one."""
    fused, results = mg.compile(step), {}
    for name, reference in (("fused", False), ("twin", True)):
        with reference_mode(reference):
            fn = fused if name == "fused" else mg.compile(step)
            tensors = make_inputs()
            outs = [fn(*tensors) for _ in range(calls)]
            results[name] = ([o.numpy(force=True).copy() for o in outs if o is not None],
                             [t.numpy(force=True).copy() for t in tensors],
                             [None if t.grad is None else t.grad.numpy().copy() for t in tensors])
    return results["fused"], results["twin"], fused


def _assert_same(got, want, rtol):
    for a, b in zip(got, want):
        for x, y in zip(a, b):
            assert (x is None) == (y is None)
            if x is not None:
                np.testing.assert_allclose(x, y, rtol=rtol, atol=rtol)


def _names(group):
    return [s.fn.__name__ if s.kind == "forward" else getattr(s, "name", None) or s.op
            for s in group.steps]


@pytest.mark.parametrize("dtype, rtol", [(np.float32, 1e-6), (np.float64, 1e-13)])
def test_gradient_descent_step_is_one_kernel_with_sums_and_parameter_writes(dtype, rtol):
    """The walkthrough's step: size-1 parameters broadcast over the data, the mean that
    ends the forward, gradients summed back to the parameters' shape, and the updates
    written into the parameters, all fused; the results are the unfused replay's."""
    rng = np.random.default_rng(1)
    x = mg.tensor(rng.random(50).astype(dtype))
    y = 0.1 * x + 0.3

    def step(w, b):
        loss = ((w * x + b - y) ** 2).mean()
        loss.backward()
        with mg.no_grad():
            w.sub_(0.5 * w.grad)
            b -= 0.5 * b.grad
        w.grad = None
        b.grad = None
        return loss

    def inputs():
        return [mg.tensor(np.array([-0.4], dtype), requires_grad=True),
                mg.tensor(np.zeros(1, dtype), requires_grad=True)]

    got, want, fn = _twin_runs(step, inputs, calls=20)
    _assert_same(got, want, rtol)
    groups = fn.programs[0].groups
    assert _names(groups[0]) == ["Mul", "Add", "Sub", "Pow", "Mean", "MeanBackward",
                                 "PowBackward", "SubBackward", "AddBackward", "MulBackward"]
    assert _names(groups[1]) == ["Mul", "sub_", "Mul", "sub_"]
    assert "acc0 += " in groups[0].source and "ins[1][i] = " in groups[1].source


def test_a_loop_that_needs_a_sum_starts_a_new_kernel():
    """``x - x.mean()`` needs the mean before its loop: it can't share the mean's kernel."""
    def step(x):
        c = (x * 2.0 + 1.0) - (x * 2.0 + 1.0).mean()
        loss = (c * c).sum()
        loss.backward()
        return loss

    got, want, fn = _twin_runs(
        step, lambda: [mg.tensor(np.linspace(-1, 2, 24).reshape(4, 6), requires_grad=True)])
    _assert_same(got, want, 1e-13)
    groups = fn.programs[0].groups
    assert len(groups) >= 2
    for group in groups:  # nothing in a loop reads a value finished after it
        after = group.source.split("for i in range(n):")[1]
        loop = [line for line in after.splitlines() if line.startswith("        ")]
        finished = {line.split("=")[0].strip() for line in after.splitlines()
                    if line.startswith("    ") and not line.startswith("        ")}
        assert not any(name and name in line for line in loop for name in finished)


def test_a_size1_value_used_twice_sums_both_gradients():
    def step(w, x):
        loss = (w * x + w * x * x).sum() + (w * 3.0).sum()
        loss.backward()
        return loss

    def inputs():
        return [mg.tensor(np.array([0.7]), requires_grad=True),
                mg.tensor(np.linspace(0, 1, 10), requires_grad=True)]

    got, want, fn = _twin_runs(step, inputs, calls=3)
    _assert_same(got, want, 1e-13)
    assert fn.programs[0].groups
    w_grad = got[2][0]
    x = np.linspace(0, 1, 10)
    np.testing.assert_allclose(w_grad, [3 * (x + x * x).sum() + 9.0], rtol=1e-12)


def test_fused_parameter_writes_bump_versions_and_reach_non_contiguous_tensors():
    base = np.arange(12, dtype=np.float64).reshape(3, 4)

    def step(p, x):
        loss = (p * x).sum()
        loss.backward()
        with mg.no_grad():
            p.sub_(0.1 * p.grad)
            p.mul_(0.5)
        p.grad = None
        return loss

    def inputs():
        p = mg.tensor(base.copy(), requires_grad=True)
        transposed = mg.tensor(base.T.copy().T, requires_grad=True)  # Fortran order
        return [p, transposed]

    for make in (lambda: inputs()[:1], lambda: inputs()[1:]):
        x = mg.tensor(np.linspace(1, 2, 12).reshape(3, 4))

        def bound(p, step=step, x=x):
            return step(p, x)

        got, want, fn = _twin_runs(bound, make, calls=3)
        _assert_same(got, want, 1e-13)
        expected = base.copy()
        for _ in range(3):
            expected = (expected - 0.1 * x.numpy()) * 0.5
        np.testing.assert_allclose(got[1][0], expected, rtol=1e-13)
        assert any("sub_" in _names(g) for g in fn.programs[0].groups)
    p = mg.tensor(base.copy(), requires_grad=True)
    fn = mg.compile(lambda p: step(p, mg.ones(3, 4)))
    versions = [p._version]
    for _ in range(3):
        fn(p)
        versions.append(p._version)
    assert np.diff(versions).tolist() == [2, 2, 2]  # sub_ and mul_, as eager


def test_gradients_add_to_a_grad_already_there():
    def step(w, x):
        (w * x).mean().backward()

    w = mg.tensor(np.array([2.0]), requires_grad=True)
    x = mg.tensor(np.arange(4.0))
    fn = mg.compile(step)
    fn(w, x)
    fn(w, x)
    fn(w, x)
    np.testing.assert_allclose(w.grad.numpy(), [3 * 1.5])
    assert fn.programs[0].groups


def test_writes_into_memory_another_operand_overlaps_give_eagers_result():
    """``head -= tail`` with the two overlapping at an offset: an element-by-element loop
    would read values it already wrote, so such writes stay as NumPy runs them."""
    def step(a):
        with mg.no_grad():
            head, tail = a[1:], a[:-1]
            head.mul_(3.0)
            head.sub_(tail)
            head.add_(1.0)

    a = mg.arange(6.0)
    eager = mg.arange(6.0)
    fn = mg.compile(step)
    for _ in range(3):
        fn(a)
        step(eager)
    np.testing.assert_array_equal(a.numpy(), eager.numpy())
    assert fn.programs[0].replays == 2


def test_a_chain_of_parameter_writes_fuses():
    def step(p, g):
        with mg.no_grad():
            p.mul_(0.9)
            p.sub_(g, alpha=0.1)
            p.add_(1.0)

    p, q, g = mg.arange(6.0), mg.arange(6.0), mg.ones(6)
    fn = mg.compile(step)
    for _ in range(3):
        fn(p, g)
        step(q, g)
    np.testing.assert_allclose(p.numpy(), q.numpy(), rtol=1e-15)
    assert _names(fn.programs[0].groups[0]) == ["mul_", "sub_", "add_"]


def test_a_gradient_summed_into_a_value_finished_after_the_loop_keeps_its_loop_route():
    """A program that once failed to compile (found by comparing random programs with
    eager): ``v6 = v3 + v4``'s backward sends one gradient into the loop (to ``v3``) and
    sums the other into ``v4``'s one-element total, finished after an earlier loop; the
    loop's route must stay in the loop."""
    def step(w, b, x):
        v3 = x * w
        v4 = (b * 0.2).exp() + 1.02
        v5 = v3.mean() * b
        v6 = v3 + v4
        v7 = v4 + x
        v8 = (v3 * 0.93).relu()
        v9 = v7 * v8
        v10 = (w * 0.99).relu()
        v11 = w.mean() * x
        v12 = v6 + v3
        v13 = v6 - v11 * 1.37
        values = [v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13]
        loss = sum(v.mean() for v in values) + v13.sum() * 0.1
        loss.backward()
        with mg.no_grad():
            w.sub_(0.01 * w.grad)
            b.sub_(b.grad, alpha=0.01)
        w.grad = None
        b.grad = None
        return loss

    def inputs():
        rng = np.random.default_rng(5)
        return [mg.tensor(rng.standard_normal((1, 1)), requires_grad=True),
                mg.tensor(rng.standard_normal(1), requires_grad=True),
                mg.tensor(rng.standard_normal((4, 5)))]

    got, want, fn = _twin_runs(step, inputs, calls=3)
    _assert_same(got, want, 1e-12)
    assert fn.programs[0].groups
