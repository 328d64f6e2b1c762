"""The strong-Wolfe line search: every step it accepts satisfies both conditions."""

from __future__ import annotations

import numpy as np
import pytest

from minigrad.optim.line_search import Trial, cubic_minimizer, strong_wolfe


def rosenbrock(x):
    f = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
    g = np.array([-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2), 200 * (x[1] - x[0] ** 2)])
    return f, g


def quartic(x):
    return float(np.sum((x - 1) ** 4) + np.sum(x ** 2)), 4 * (x - 1) ** 3 + 2 * x


def bump(x):
    """phi(a) = -a / (a^2 + 2): Moré and Thuente's first test function, minimum at sqrt(2)."""
    a = x[0]
    return -a / (a * a + 2), np.array([(a * a - 2) / (a * a + 2) ** 2])


CASES = [
    (rosenbrock, np.array([-1.2, 1.0])),
    (rosenbrock, np.array([0.5, -0.3])),
    (quartic, np.array([3.0, -2.0, 0.5])),
    (bump, np.array([0.0])),
]


@pytest.mark.parametrize("fn, x", CASES)
@pytest.mark.parametrize("t0", [1e-6, 1e-3, 0.1, 1.0, 10.0, 1e3])
@pytest.mark.parametrize("c2", [0.9, 0.1])
def test_the_accepted_step_satisfies_both_strong_wolfe_conditions(fn, x, t0, c2):
    c1 = 1e-4
    f0, g0 = fn(x)
    d = -g0                                       # steepest descent
    slope0 = float(g0 @ d)
    calls = []

    def evaluate(t):
        calls.append(t)
        return fn(x + t * d)

    found, evals = strong_wolfe(evaluate, d, t0, f0, g0, slope0, c1=c1, c2=c2, max_evals=50)
    assert evals == len(calls) <= 50
    f, g = fn(x + found.t * d)
    assert found.f == f and np.array_equal(found.grad, g)   # what it returns is at its step
    assert found.t > 0
    assert found.f <= f0 + c1 * found.t * slope0                 # sufficient decrease
    assert abs(found.slope) <= c2 * abs(slope0)                  # curvature (strong)
    assert found.slope == pytest.approx(g @ d)


def test_the_first_trial_is_taken_when_it_is_already_acceptable():
    # f = |x|^2 from x = 1 along d = -2: t = 0.5 lands on the minimum
    found, evals = strong_wolfe(lambda t: ((1 - 2 * t) ** 2, np.array([2 * (1 - 2 * t)])),
                                np.array([-2.0]), 0.5, 1.0, np.array([2.0]), -4.0)
    assert (found.t, found.f, evals) == (0.5, 0.0, 1)


def test_the_evaluation_budget_is_kept_and_the_best_step_returned():
    x = np.array([-1.2, 1.0])
    f0, g0 = rosenbrock(x)
    d = -g0
    calls = []

    def evaluate(t):
        calls.append(t)
        return rosenbrock(x + t * d)

    for budget in (1, 2, 3):
        calls.clear()
        found, evals = strong_wolfe(evaluate, d, 1.0, f0, g0, float(g0 @ d), max_evals=budget)
        assert evals == len(calls) <= budget
        assert found.f <= f0                     # never worse than where it started
        if found.t == 0:
            assert found.grad is g0


def test_nan_losses_count_as_too_far():
    def evaluate(t):
        if t > 1:
            return float("nan"), np.array([float("nan")])
        return (t - 0.8) ** 2, np.array([-(t - 0.8) * 2])   # phi along d = -1

    found, _ = strong_wolfe(evaluate, np.array([-1.0]), 5.0, 0.64, np.array([1.6]), -1.6)
    assert 0 < found.t <= 1 and found.f <= 0.64 + 1e-4 * found.t * -1.6


def test_cubic_minimizer_interpolates_a_cubic_exactly_and_clips():
    def p(t):   # (t - 1)(t - 3)(t + 2) has a local minimum at t = (2 + sqrt(19)) / 3
        return (t - 1) * (t - 3) * (t + 2), 3 * t * t - 4 * t - 5

    a, b = Trial(0.0, *p(0.0)[:1], None, p(0.0)[1]), Trial(4.0, p(4.0)[0], None, p(4.0)[1])
    assert cubic_minimizer(a, b, 0.0, 4.0) == pytest.approx((2 + 19 ** 0.5) / 3, rel=1e-12)
    assert cubic_minimizer(a, b, 0.0, 1.5) == 1.5
    flat = Trial(1.0, 0.0, None, 0.0)
    assert cubic_minimizer(flat, flat, 2.0, 4.0) == 3.0   # one point: the middle
