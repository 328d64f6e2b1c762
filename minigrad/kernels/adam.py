"""Fused Adam / AdamW step, in place, following PyTorch's documented algorithms.

For each element (g the gradient, p the parameter, t = step):

    g = -g                                  if maximize
    p = p * (1 - lr * wd)                   AdamW (decoupled_weight_decay)
    g = g + wd * p                          Adam (L2 penalty)
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g^2
    vmax = max(vmax, v); use vmax for v     if amsgrad
    denom = sqrt(v) / sqrt(1 - b2^t) + eps
    p = p - lr / (1 - b1^t) * m / denom

The NumPy twin makes a temporary per line; the numba kernel reads and writes each element once.
Arithmetic runs in the parameters' dtype (scalars are cast to it), like PyTorch.
"""

from __future__ import annotations

import math

import numpy as np

from . import _mode
from ._arrays import check_writable, contiguous, float_dtype, write_back
from ._jit import lazy_njit
from ._parallel import parallel_for


@lazy_njit()
def _adam_kernel(lo, hi, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, amsgrad, scalars):
    # Adam vs AdamW and maximize are folded into scalars (decay, l2, sign), so the loop has
    # no branch but amsgrad's and LLVM vectorises it. Slicing first keeps indices
    # non-negative, which also lets it vectorise.
    decay, l2, sign, beta1, beta2 = scalars[0], scalars[1], scalars[2], scalars[3], scalars[4]
    one_minus_beta1, one_minus_beta2, step_size = scalars[5], scalars[6], scalars[7]
    sqrt_bias_correction2, eps = scalars[8], scalars[9]
    param, grad, exp_avg, exp_avg_sq = param[lo:hi], grad[lo:hi], exp_avg[lo:hi], exp_avg_sq[lo:hi]
    vmax = max_exp_avg_sq[lo:hi] if amsgrad else max_exp_avg_sq
    for i in range(param.shape[0]):
        p = param[i] * decay  # AdamW: decay = 1 - lr * wd, else 1
        g = grad[i] * sign + l2 * p  # maximize: sign = -1; Adam: l2 = wd, else 0
        m = beta1 * exp_avg[i] + one_minus_beta1 * g
        v = beta2 * exp_avg_sq[i] + one_minus_beta2 * g * g
        exp_avg[i] = m
        exp_avg_sq[i] = v
        if amsgrad:
            v = vmax[i] if vmax[i] > v else v
            vmax[i] = v
        param[i] = p - step_size * m / (math.sqrt(v) / sqrt_bias_correction2 + eps)


def _check(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step, amsgrad):
    fn = "adam_update"
    states = {"param": param, "exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq}
    if amsgrad:
        if max_exp_avg_sq is None:
            raise ValueError(f"{fn}: amsgrad=True needs the max_exp_avg_sq array, got None")
        states["max_exp_avg_sq"] = max_exp_avg_sq
    for name, a in states.items():
        check_writable(fn, name, a)
    float_dtype(fn, *states.values(), np.asarray(grad))
    for name, a in states.items():
        if a.shape != param.shape or a.dtype != param.dtype:
            raise ValueError(
                f"{fn}: {name} has shape {a.shape} and dtype {a.dtype}, but param has "
                f"shape {param.shape} and dtype {param.dtype}"
            )
    if np.shape(grad) != param.shape:
        raise ValueError(f"{fn}: grad shape {np.shape(grad)} != param shape {param.shape}")
    if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or step < 1:
        raise ValueError(f"{fn}: step must be an int >= 1 (steps taken so far), got {step!r}")


def adam_update_numpy(
    param: np.ndarray, grad: np.ndarray, exp_avg: np.ndarray, exp_avg_sq: np.ndarray,
    max_exp_avg_sq: np.ndarray | None, *, step: int, lr: float, beta1: float, beta2: float,
    eps: float, weight_decay: float = 0.0, decoupled_weight_decay: bool = False,
    amsgrad: bool = False, maximize: bool = False,
) -> None:
    """NumPy twin of `adam_update`: one vectorised line per step of the algorithm."""
    _check(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step, amsgrad)
    g = np.asarray(grad).astype(param.dtype, copy=False)
    if maximize:
        g = -g
    if weight_decay != 0:
        if decoupled_weight_decay:
            param *= 1 - lr * weight_decay
        else:
            g = g + weight_decay * param
    exp_avg *= beta1
    exp_avg += (1 - beta1) * g
    exp_avg_sq *= beta2
    exp_avg_sq += (1 - beta2) * g * g
    v = exp_avg_sq
    if amsgrad:
        np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        v = max_exp_avg_sq
    bias_correction1 = 1 - beta1**step
    bias_correction2 = 1 - beta2**step
    denom = np.sqrt(v) / math.sqrt(bias_correction2) + eps
    param -= (lr / bias_correction1) * exp_avg / denom


def adam_update_numba(
    param: np.ndarray, grad: np.ndarray, exp_avg: np.ndarray, exp_avg_sq: np.ndarray,
    max_exp_avg_sq: np.ndarray | None, *, step: int, lr: float, beta1: float, beta2: float,
    eps: float, weight_decay: float = 0.0, decoupled_weight_decay: bool = False,
    amsgrad: bool = False, maximize: bool = False,
) -> None:
    """numba version of `adam_update` (one fused pass; ranges of elements on threads)."""
    _check(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step, amsgrad)
    dtype = param.dtype
    targets = [param, exp_avg, exp_avg_sq] + ([max_exp_avg_sq] if amsgrad else [])
    work = [contiguous(a, dtype) for a in targets]  # the arrays themselves when contiguous
    flat = [a.reshape(-1) for a in work]
    vmax = flat[3] if amsgrad else np.empty(0, dtype)
    decoupled = decoupled_weight_decay and weight_decay != 0
    scalars = np.array(
        [
            1 - lr * weight_decay if decoupled else 1.0,  # decay
            0.0 if decoupled else weight_decay,  # l2
            -1.0 if maximize else 1.0,  # sign
            beta1, beta2, 1 - beta1, 1 - beta2,
            lr / (1 - beta1**step),  # step size
            math.sqrt(1 - beta2**step),
            eps,
        ],
        dtype=dtype,
    )
    g = contiguous(grad, dtype).reshape(-1)
    parallel_for(_adam_kernel, g.shape[0], 1, flat[0], g, flat[1], flat[2], vmax, amsgrad, scalars)
    for target, result in zip(targets, work):
        write_back(target, result)


def adam_update(
    param: np.ndarray, grad: np.ndarray, exp_avg: np.ndarray, exp_avg_sq: np.ndarray,
    max_exp_avg_sq: np.ndarray | None, *, step: int, lr: float, beta1: float, beta2: float,
    eps: float, weight_decay: float = 0.0, decoupled_weight_decay: bool = False,
    amsgrad: bool = False, maximize: bool = False,
) -> None:
    """One Adam (or AdamW, with `decoupled_weight_decay=True`) step, in place.

    Updates `param`, `exp_avg`, `exp_avg_sq` (and `max_exp_avg_sq` when `amsgrad`) in place;
    `step` counts steps including this one (1 on the first call).

    >>> p, g = np.array([1.0]), np.array([0.5])
    >>> m, v = np.zeros(1), np.zeros(1)
    >>> adam_update(p, g, m, v, None, step=1, lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8)
    >>> p.round(6)   # the first step moves by lr * sign(g)
    array([0.9])
    """
    impl = adam_update_numpy if _mode.using_reference() else adam_update_numba
    impl(
        param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step=step, lr=lr, beta1=beta1,
        beta2=beta2, eps=eps, weight_decay=weight_decay,
        decoupled_weight_decay=decoupled_weight_decay, amsgrad=amsgrad, maximize=maximize,
    )
