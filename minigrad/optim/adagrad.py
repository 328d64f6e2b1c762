"""Adagrad: per-element learning rates shrinking with the sum of squared gradients."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from .._tensor import Tensor
from .optimizer import Optimizer, ParamGroup, check_cpu_flags, check_nonneg


class Adagrad(Optimizer):
    """Adagrad (PyTorch's algorithm; ``sum`` starts at initial_accumulator_value, t = 1, 2, ...)::

        g = -grad if maximize else grad
        g = g + weight_decay * p                     if weight_decay != 0
        lr_t = lr / (1 + (t - 1) * lr_decay)
        sum = sum + g^2
        p = p - lr_t * g / (sqrt(sum) + eps)

    >>> import minigrad as mg
    >>> w = mg.tensor([1.0], requires_grad=True)
    >>> opt = Adagrad([w], lr=0.5)
    >>> w.grad = mg.tensor([3.0])
    >>> opt.step()   # sum = 9: the first step is lr * 3 / 3
    >>> w
    tensor([0.5], requires_grad=True)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        defaults = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, eps=eps,
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        fused=fused)
        super().__init__(params, defaults)

    def _check_group(self, group: Mapping[str, Any], where: str) -> None:
        check_nonneg("Adagrad", where, group, "lr", "lr_decay", "weight_decay",
                     "initial_accumulator_value", "eps")
        check_cpu_flags("Adagrad", where, group)

    def _init_state(self, p: Tensor, group: ParamGroup) -> dict[str, Any]:
        start = group["initial_accumulator_value"]
        return {"step": 0, "sum": np.full(p.shape, start, dtype=p.dtype)}

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: ParamGroup) -> None:
        state["step"] += 1
        g = np.negative(grad) if group["maximize"] else grad
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * param
        lr_t = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        total = state["sum"]
        total += np.square(g)
        denom = np.sqrt(total)
        denom += group["eps"]
        np.divide(g, denom, out=denom)
        denom *= lr_t
        param -= denom
