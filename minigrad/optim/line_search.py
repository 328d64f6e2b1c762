"""A line search for the strong Wolfe conditions (Nocedal & Wright, Algorithms 3.5 and 3.6).

Along a descent direction ``d`` from ``x``, with ``phi(t) = f(x + t d)`` and
``phi'(t) = grad f(x + t d) . d``, a step ``t`` satisfies the strong Wolfe conditions if

    phi(t) <= phi(0) + c1 t phi'(0)        (sufficient decrease)
    |phi'(t)| <= c2 |phi'(0)|               (curvature: the slope has flattened)

Phase one (Algorithm 3.5) tries growing steps until one of them brackets an
acceptable step; phase two (Algorithm 3.6, "zoom") shrinks the bracket with
cubic interpolation until a step satisfies both conditions.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Evaluate = Callable[[float], tuple[float, np.ndarray]]


@dataclass(frozen=True)
class Trial:
    """One evaluated step: ``t``, ``phi(t)``, the flat gradient there, ``phi'(t)``."""

    t: float
    f: float
    grad: np.ndarray
    slope: float


def cubic_minimizer(a: Trial, b: Trial, low: float, high: float) -> float:
    """The minimizer of the cubic through ``(a.t, a.f)`` and ``(b.t, b.f)`` with slopes
    ``a.slope`` and ``b.slope`` (Nocedal & Wright, eq. 3.59), clipped to ``[low, high]``;
    the middle of ``[low, high]`` when the cubic has no minimizer.

    >>> a, b = Trial(0.0, 1.0, None, -2.0), Trial(2.0, 1.0, None, 2.0)   # (t - 1)^2
    >>> cubic_minimizer(a, b, 0.0, 2.0)
    1.0
    """
    if a.t == b.t:
        return (low + high) / 2
    d1 = a.slope + b.slope - 3 * (a.f - b.f) / (a.t - b.t)
    radicand = d1 * d1 - a.slope * b.slope
    if not radicand >= 0:
        return (low + high) / 2
    d2 = math.copysign(math.sqrt(radicand), b.t - a.t)
    denominator = b.slope - a.slope + 2 * d2
    if denominator == 0:
        return (low + high) / 2
    t = b.t - (b.t - a.t) * (b.slope + d2 - d1) / denominator
    if not math.isfinite(t):
        return (low + high) / 2
    return min(max(t, low), high)


def strong_wolfe(evaluate: Evaluate, d: np.ndarray, t: float, f0: float, grad0: np.ndarray,
                 slope0: float, *, c1: float = 1e-4, c2: float = 0.9,
                 tolerance_change: float = 1e-9, max_evals: int = 25) -> tuple[Trial, int]:
    """Find a step along ``d`` satisfying the strong Wolfe conditions, starting from ``t``.

    ``evaluate(t)`` returns ``(f(x + t d), grad f(x + t d))`` as ``(float, flat array)``;
    ``f0``, ``grad0`` and ``slope0 = grad0 . d < 0`` describe ``t = 0``. At most
    ``max_evals`` evaluations are made; if none satisfies both conditions by then (or
    the bracket shrinks below ``tolerance_change`` in ``x``), the lowest step found
    that satisfies sufficient decrease is returned (``t = 0`` if there is none). The
    result's ``grad`` is the gradient at its step (the caller's ``grad0`` for ``t = 0``).
    Returns ``(trial, number of evaluations)``.
    """
    zero = Trial(0.0, f0, grad0, slope0)
    d_max = float(np.abs(d).max())
    evals = 0

    def probe(step: float) -> Trial:
        nonlocal evals
        evals += 1
        f, grad = evaluate(step)
        return Trial(step, f, grad, float(grad @ d))

    def decreases_enough(trial: Trial) -> bool:  # False for nan too
        return trial.f <= f0 + c1 * trial.t * slope0

    def flat_enough(trial: Trial) -> bool:
        return abs(trial.slope) <= -c2 * slope0

    def zoom(lo: Trial, hi: Trial) -> Trial:
        # Invariant: lo satisfies sufficient decrease and is the lowest such trial so far;
        # the interval between lo and hi holds steps satisfying both conditions.
        while evals < max_evals and abs(hi.t - lo.t) * d_max >= tolerance_change:
            left, right = min(lo.t, hi.t), max(lo.t, hi.t)
            margin = 0.1 * (right - left)  # stay off the ends, so the bracket keeps shrinking
            trial = probe(cubic_minimizer(lo, hi, left + margin, right - margin))
            if not decreases_enough(trial) or trial.f >= lo.f:
                hi = trial
                continue
            if flat_enough(trial):
                return trial
            if trial.slope * (hi.t - lo.t) >= 0:
                hi = lo
            lo = trial
        return lo

    previous = zero
    while True:
        trial = probe(t)
        if not decreases_enough(trial) or (previous is not zero and trial.f >= previous.f):
            return zoom(previous, trial), evals
        if flat_enough(trial):
            return trial, evals
        if trial.slope >= 0:
            return zoom(trial, previous), evals
        if evals >= max_evals:
            return trial, evals
        # still going down: extrapolate, at least a little and at most tenfold
        low = trial.t + 0.01 * (trial.t - previous.t)
        t = cubic_minimizer(previous, trial, low, 10 * trial.t)
        previous = trial
