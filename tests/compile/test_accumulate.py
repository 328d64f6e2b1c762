"""Gradients summed in place on replays (minigrad/compile/accumulate.py), against eager."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad.kernels import reference_mode


def _grads_eager_and_compiled(step, make_inputs, calls=3):
    eager_inputs, compiled_inputs = make_inputs(), make_inputs()
    fn = mg.compile(step)
    for _ in range(calls):
        for t in eager_inputs + compiled_inputs:
            t.grad = None
        step(*eager_inputs)
        fn(*compiled_inputs)
    return ([t.grad.numpy().copy() for t in eager_inputs],
            [t.grad.numpy().copy() for t in compiled_inputs], fn)


def _kinds(fn):
    return [s.kind for s in fn.programs[0].steps]


@pytest.mark.parametrize("numpy_kernels", [False, True])
def test_split_slices_add_their_gradients_into_one_total(numpy_kernels):
    """q, k and v cut from one projection, as attention does: the first slice's gradient
    is scattered into zeros, the other two are added into their parts of it."""
    def step(x, w):
        h = x @ w
        q, k, v = h[:, :4], h[:, 4:8], h[..., 8:]
        loss = (((q @ k.T) @ v) ** 2).sum()
        loss.backward()

    rng = np.random.default_rng(0)
    x0, w0 = rng.standard_normal((5, 3)), rng.standard_normal((3, 12))

    def inputs():
        return [mg.tensor(x0, requires_grad=True), mg.tensor(w0, requires_grad=True)]

    with reference_mode(numpy_kernels):
        eager, compiled, fn = _grads_eager_and_compiled(step, inputs)
    for e, c in zip(eager, compiled):
        np.testing.assert_allclose(c, e, rtol=1e-13, atol=1e-15)
    assert _kinds(fn).count("slice_add") == 2
    assert "s" in fn.explain() and "[:, 4:8] += d0  [in place]" in fn.explain()


def test_a_third_gradient_is_added_in_place_into_the_sum_of_the_first_two():
    def step(x, w, a):
        y = x @ w
        loss = (y @ a).sum() + (y @ a.T.T).sum() + (y @ (a * 2.0)).sum()
        loss.backward()

    rng = np.random.default_rng(1)
    values = [rng.standard_normal(s) for s in ((4, 3), (3, 5), (5, 2))]
    eager, compiled, fn = _grads_eager_and_compiled(
        step, lambda: [mg.tensor(v, requires_grad=True) for v in values])
    for e, c in zip(eager, compiled):
        np.testing.assert_allclose(c, e, rtol=1e-13)
    text = fn.explain()
    assert text.count("+= (in place)") >= 1


def test_a_gradient_shared_between_two_inputs_is_never_added_into():
    """``b + c`` hands the same (read-only, broadcast) gradient array to both inputs: a
    sum into ``b``'s must make a new array, not write into the one ``c``'s slot holds.
    Run unfused (the NumPy twin), where these steps stay steps of their own."""
    def step(a):
        b, c = a * 2.0, a * 3.0
        e = b + c
        loss = (e + b).sum()
        loss.backward()

    with reference_mode():
        eager, compiled, fn = _grads_eager_and_compiled(
            step, lambda: [mg.tensor(np.arange(4.0), requires_grad=True)])
    assert "AddBackward" in fn.explain()
    np.testing.assert_array_equal(compiled[0], eager[0])
    np.testing.assert_array_equal(compiled[0], np.full(4, 7.0))
