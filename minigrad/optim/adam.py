"""Adam and AdamW, both running the fused kernel ``minigrad.kernels.adam_update``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from .._tensor import Tensor
from ..kernels import adam_update
from .optimizer import Optimizer, ParamGroup, check_betas, check_cpu_flags, check_nonneg


class Adam(Optimizer):
    """Adam (PyTorch's algorithm; m, v start at 0, step t = 1, 2, ...)::

        g = -grad if maximize else grad
        g = g + weight_decay * p                    (p = p * (1 - lr * weight_decay) for AdamW)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g^2
        v_max = max(v_max, v); use v_max for v      if amsgrad
        p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

    State per parameter: ``step`` (int), ``exp_avg``, ``exp_avg_sq`` (and ``max_exp_avg_sq``),
    arrays of the parameter's dtype.

    >>> import minigrad as mg
    >>> w = mg.tensor([1.0, -1.0], requires_grad=True)
    >>> opt = Adam([w], lr=0.1)
    >>> (w * 3).sum().backward()
    >>> opt.step()   # the first step moves each weight by lr against the gradient's sign
    >>> w
    tensor([ 0.9, -1.1], requires_grad=True)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None, decoupled_weight_decay: bool = False) -> None:
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        foreach=foreach, maximize=maximize, capturable=capturable,
                        differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _check_group(self, group: Mapping[str, Any], where: str) -> None:
        check_nonneg(self._name, where, group, "lr", "eps", "weight_decay")
        check_betas(self._name, where, group["betas"])
        check_cpu_flags(self._name, where, group)

    def _init_state(self, p: Tensor, group: ParamGroup) -> dict[str, Any]:
        state = {"step": 0, "exp_avg": _zeros(p), "exp_avg_sq": _zeros(p)}
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = _zeros(p)
        return state

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: ParamGroup) -> None:
        amsgrad = group["amsgrad"]
        if amsgrad and "max_exp_avg_sq" not in state:  # amsgrad switched on mid-training
            state["max_exp_avg_sq"] = _zeros(param)
        state["step"] += 1
        beta1, beta2 = group["betas"]
        adam_update(
            param, grad, state["exp_avg"], state["exp_avg_sq"],
            state["max_exp_avg_sq"] if amsgrad else None,
            step=state["step"], lr=group["lr"], beta1=beta1, beta2=beta2, eps=group["eps"],
            weight_decay=group["weight_decay"],
            decoupled_weight_decay=group["decoupled_weight_decay"],
            amsgrad=amsgrad, maximize=group["maximize"],
        )


class AdamW(Adam):
    """Adam with decoupled weight decay: ``p = p * (1 - lr * weight_decay)`` before the Adam
    step, instead of adding ``weight_decay * p`` to the gradient. See `Adam`.

    >>> import minigrad as mg
    >>> w = mg.tensor([1.0], requires_grad=True)
    >>> opt = AdamW([w], lr=0.1, weight_decay=0.5)
    >>> w.grad = mg.tensor([0.0])   # no gradient signal: only the decay acts
    >>> opt.step()
    >>> w
    tensor([0.95], requires_grad=True)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None,
                 capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)


def _zeros(p: Any) -> np.ndarray:
    return np.zeros(p.shape, dtype=p.dtype)
