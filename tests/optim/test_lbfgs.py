"""LBFGS: convergence, the first step by hand, the secant condition, the closure budget,
errors, and resuming from a state dict."""

from __future__ import annotations

import io

import numpy as np
import pytest

import minigrad as mg
from minigrad.optim import LBFGS
from minigrad.optim.lbfgs import inverse_hessian_product


def rosenbrock(x):
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def quadratic_problem(n=6, seed=0):
    """f(x) = x.A x / 2 - b.x with A symmetric positive definite; grad = A x - b."""
    gen = np.random.default_rng(seed)
    m = gen.standard_normal((n, n))
    a = m @ m.T + np.eye(n)
    b = gen.standard_normal(n)
    at, bt = mg.tensor(a), mg.tensor(b)
    return a, b, lambda x: 0.5 * (x * (at @ x)).sum() - (bt * x).sum()


def make(x0, fn, **kwargs):
    """A float64 parameter, its LBFGS, and a closure that records every point it sees."""
    x = mg.tensor(x0, dtype=mg.float64, requires_grad=True)
    opt = LBFGS([x], **kwargs)
    seen = []

    def closure():
        seen.append(x.detach().numpy().copy())
        opt.zero_grad()
        loss = fn(x)
        loss.backward()
        return loss

    return x, opt, closure, seen


# ----------------------------------------------------------------------------- convergence


def test_converges_on_rosenbrock_in_a_few_steps_with_strong_wolfe():
    x, opt, closure, _ = make([-1.5, 2.0], rosenbrock, line_search_fn="strong_wolfe")
    first = opt.step(closure)
    assert first.item() == pytest.approx(12.5)          # the loss before the first step
    for _ in range(2):
        opt.step(closure)
    np.testing.assert_allclose(x.detach().numpy(), [1.0, 1.0], atol=1e-5)
    assert rosenbrock(x).item() < 1e-9     # stopped by tolerance_change (loss moved < 1e-9)


def test_solves_a_convex_quadratic():
    a, b, fn = quadratic_problem()
    x, opt, closure, _ = make(np.zeros(6), fn, line_search_fn="strong_wolfe", max_iter=50,
                              tolerance_change=1e-15, tolerance_grad=1e-12)
    opt.step(closure)
    np.testing.assert_allclose(x.detach().numpy(), np.linalg.solve(a, b), atol=1e-10)


# ----------------------------------------------------------------------------- the algorithm


@pytest.mark.parametrize("lr, x0", [(1.0, [1.0, -2.0, 0.5, 3.0, -1.0, 2.0]),   # |g|_1 > 1
                                    (0.5, [0.0] * 6)])                      # |g|_1 = |b|_1
def test_first_iteration_is_steepest_descent_with_pytorchs_step(lr, x0):
    a, b, fn = quadratic_problem()
    x0 = np.array(x0)
    g0 = a @ x0 - b
    t = lr * min(1.0, 1.0 / np.abs(g0).sum())
    x, opt, closure, seen = make(x0, fn, lr=lr, max_iter=1)
    loss = opt.step(closure)
    assert loss.item() == pytest.approx(0.5 * x0 @ a @ x0 - b @ x0, rel=1e-14)
    np.testing.assert_allclose(x.detach().numpy(), x0 - t * g0, rtol=1e-14, atol=1e-15)
    assert len(seen) == 1                      # max_iter=1: no evaluation after the step
    # the line search starts from the same trial step
    x, opt, closure, seen = make(x0, fn, lr=lr, max_iter=1, line_search_fn="strong_wolfe")
    opt.step(closure)
    np.testing.assert_allclose(seen[1], x0 - t * g0, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_later_directions_satisfy_the_secant_condition(line_search_fn):
    a, _, fn = quadratic_problem()
    x, opt, closure, _ = make(np.ones(6), fn, lr=0.5, max_iter=4, line_search_fn=line_search_fn)
    for _ in range(2):
        opt.step(closure)
        state = opt.state[x]
        s, y = state["old_stps"][-1], state["old_dirs"][-1]
        # s is a step taken and y the gradient change over it: on a quadratic, y = A s
        np.testing.assert_allclose(y, a @ s, rtol=1e-10, atol=1e-12)
        h_y = inverse_hessian_product(y, state["old_dirs"], state["old_stps"], state["ro"],
                                      state["H_diag"])
        np.testing.assert_allclose(h_y, s, rtol=1e-10, atol=1e-12)       # H y = s
        # the last direction is -H g at the gradient it was computed from, a descent direction
        g = state["prev_flat_grad"]
        h_g = inverse_hessian_product(g, state["old_dirs"], state["old_stps"], state["ro"],
                                      state["H_diag"])
        np.testing.assert_allclose(state["d"], -h_g, rtol=1e-12, atol=1e-14)
        assert g @ state["d"] < 0
    assert 1 <= len(state["old_dirs"]) <= 8


def test_history_size_limits_the_pairs_kept():
    _, _, fn = quadratic_problem(n=8)
    x, opt, closure, _ = make(np.ones(8), fn, max_iter=12, history_size=3,
                              tolerance_change=0, tolerance_grad=0)
    opt.step(closure)
    state = opt.state[x]
    assert state["n_iter"] == 12
    assert len(state["old_dirs"]) == len(state["old_stps"]) == len(state["ro"]) == 3


def test_tolerance_grad_stops_before_any_step():
    x, opt, closure, seen = make([1.0, 1.0], rosenbrock)
    assert opt.step(closure).item() == 0.0
    assert len(seen) == 1 and opt.state[x]["n_iter"] == 0
    np.testing.assert_array_equal(x.detach().numpy(), [1.0, 1.0])


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
@pytest.mark.parametrize("max_eval", [2, 3, 7, 12])
def test_closure_calls_per_step_are_bounded_by_max_eval(line_search_fn, max_eval):
    x, opt, closure, seen = make([-1.5, 2.0], rosenbrock, max_iter=100, max_eval=max_eval,
                                 line_search_fn=line_search_fn, lr=0.1)
    total = 0
    for _ in range(3):
        before = len(seen)
        opt.step(closure)
        assert 2 <= len(seen) - before <= max_eval
        total += len(seen) - before
    assert opt.state[x]["func_evals"] == total


def test_default_max_eval_and_the_group_keys_are_pytorchs():
    opt = LBFGS([mg.zeros(2, requires_grad=True)], max_iter=8)
    assert opt.defaults == {"lr": 1, "max_iter": 8, "max_eval": 10, "tolerance_grad": 1e-7,
                            "tolerance_change": 1e-9, "history_size": 100,
                            "line_search_fn": None}
    assert LBFGS([mg.zeros(2, requires_grad=True)]).defaults["max_eval"] == 25


def test_several_parameters_form_one_vector_and_a_missing_grad_counts_as_zero():
    w = mg.tensor([[0.0, 0.0], [0.0, 0.0]], requires_grad=True)
    b = mg.tensor([3.0], requires_grad=True)
    unused = mg.tensor([5.0, 6.0], requires_grad=True)
    opt = LBFGS([w, unused, b], line_search_fn="strong_wolfe")
    target = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)

    def closure():
        opt.zero_grad()
        loss = ((w - mg.tensor(target)) ** 2).sum() + ((b + 1.0) ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    np.testing.assert_allclose(w.detach().numpy(), target, atol=1e-5)
    np.testing.assert_allclose(b.detach().numpy(), [-1.0], atol=1e-5)
    np.testing.assert_array_equal(unused.detach().numpy(), [5.0, 6.0])
    assert opt.state[w]["d"].shape == (7,) and opt.state[w]["d"].dtype == np.float32


# ----------------------------------------------------------------------------- errors


def test_step_without_a_closure_is_a_clear_error():
    opt = LBFGS([mg.zeros(2, requires_grad=True)])
    with pytest.raises(TypeError, match="LBFGS.step needs a closure: a function that zeroes "
                                        "the gradients, computes the loss, calls "
                                        r"loss.backward\(\) and returns the loss"):
        opt.step()


def test_more_than_one_parameter_group_is_pytorchs_error():
    groups = [{"params": [mg.zeros(1, requires_grad=True)]},
              {"params": [mg.zeros(1, requires_grad=True)], "lr": 0.1}]
    with pytest.raises(ValueError, match=r"LBFGS doesn't support per-parameter options "
                                         r"\(parameter groups\)"):
        LBFGS(groups)
    opt = LBFGS(groups[:1])
    with pytest.raises(ValueError, match="per-parameter options"):
        opt.add_param_group(groups[1])


@pytest.mark.parametrize("kwargs, message", [
    ({"line_search_fn": "backtracking"}, "line_search_fn must be None or 'strong_wolfe'"),
    ({"max_iter": 0}, "max_iter must be an int >= 1, got 0"),
    ({"max_eval": 2.5}, "max_eval must be an int >= 1"),
    ({"history_size": 0}, "history_size must be an int >= 1"),
    ({"lr": -1}, "invalid lr value"),
    ({"tolerance_grad": -1e-7}, "invalid tolerance_grad value"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        LBFGS([mg.zeros(1, requires_grad=True)], **kwargs)


# ----------------------------------------------------------------------------- resuming


def test_state_dict_has_pytorchs_names_and_resumes_bit_identically():
    target = mg.tensor(np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3))

    def setup():
        w = mg.tensor(np.zeros((2, 3), np.float32), requires_grad=True)
        c = mg.tensor([0.5], requires_grad=True)
        opt = LBFGS([w, c], lr=0.5, max_iter=3, history_size=4, line_search_fn="strong_wolfe")

        def closure():
            opt.zero_grad()
            loss = (((w - target) ** 4).sum() + (w * c).sum() ** 2 + (c ** 2).sum())
            loss.backward()
            return loss

        return [w, c], opt, closure

    params, opt, closure = setup()
    opt.step(closure)
    opt.step(closure)
    buffer = io.BytesIO()
    mg.save({"params": [p.detach() for p in params], "opt": opt.state_dict()}, buffer)
    opt.step(closure)

    state = opt.state_dict()["state"]
    assert list(state) == [0]
    assert sorted(state[0]) == sorted(["d", "t", "old_dirs", "old_stps", "ro", "H_diag",
                                       "prev_flat_grad", "prev_loss", "n_iter", "func_evals"])
    buffer.seek(0)
    ckpt = mg.load(buffer)
    resumed_params, resumed, resumed_closure = setup()
    for p, saved in zip(resumed_params, ckpt["params"]):
        with mg.no_grad():
            p.copy_(saved)
    resumed.load_state_dict(ckpt["opt"])
    resumed.step(resumed_closure)
    for p, q in zip(params, resumed_params):
        assert p.detach().numpy().tobytes() == q.detach().numpy().tobytes()
    assert resumed.state_dict()["state"][0]["func_evals"] == state[0]["func_evals"]


def test_loading_a_state_of_the_wrong_size_is_refused():
    opt = LBFGS([mg.zeros(3, requires_grad=True)])
    state = {"state": {0: {"d": np.zeros(4), "n_iter": 1, "func_evals": 1}},
             "param_groups": [dict(opt.state_dict()["param_groups"][0])]}
    with pytest.raises(ValueError, match=r"state\[0\]\['d'\] has shape \(4,\), but the "
                                         r"parameters have 3 elements"):
        opt.load_state_dict(state)
