"""Adadelta: steps scaled by the ratio of running RMS of past updates to that of gradients."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from .._tensor import Tensor
from .optimizer import Optimizer, ParamGroup, check_cpu_flags, check_nonneg


class Adadelta(Optimizer):
    """Adadelta (PyTorch's algorithm; square_avg v and acc_delta u start at 0, t = 1, 2, ...)::

        g = -grad if maximize else grad
        g = g + weight_decay * p                       if weight_decay != 0
        v = rho * v + (1 - rho) * g^2
        delta = sqrt(u + eps) / sqrt(v + eps) * g
        u = rho * u + (1 - rho) * delta^2
        p = p - lr * delta

    State per parameter: ``step`` (int), ``square_avg``, ``acc_delta`` (arrays of the
    parameter's dtype). ``foreach`` is accepted and changes nothing (one loop either way);
    ``capturable`` and ``differentiable`` exist for CUDA graphs and higher-order
    optimization, which minigrad does not have: True is an error.

    >>> import minigrad as mg
    >>> w = mg.tensor([1.0], requires_grad=True)
    >>> opt = Adadelta([w], lr=1.0, rho=0.5, eps=1e-6)
    >>> w.grad = mg.tensor([2.0])
    >>> opt.step()   # v = 2, delta = sqrt(1e-6) / sqrt(2 + 1e-6) * 2, about 0.0014
    >>> round(w.item(), 6)
    0.998586
    """

    def __init__(self, params: Iterable[Any], lr: float = 1.0, rho: float = 0.9,
                 eps: float = 1e-6, weight_decay: float = 0, foreach: bool | None = None, *,
                 capturable: bool = False, maximize: bool = False,
                 differentiable: bool = False) -> None:
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, foreach=foreach,
                        capturable=capturable, maximize=maximize,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def _check_group(self, group: Mapping[str, Any], where: str) -> None:
        check_nonneg("Adadelta", where, group, "lr", "rho", "eps", "weight_decay")
        if group["rho"] > 1:
            raise ValueError(f"Adadelta: {where}invalid rho value: {group['rho']} "
                             "(must be in [0, 1])")
        check_cpu_flags("Adadelta", where, group)

    def _init_state(self, p: Tensor, group: ParamGroup) -> dict[str, Any]:
        return {"step": 0, "square_avg": np.zeros(p.shape, p.dtype),
                "acc_delta": np.zeros(p.shape, p.dtype)}

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: ParamGroup) -> None:
        rho, eps = group["rho"], group["eps"]
        state["step"] += 1
        g = np.negative(grad) if group["maximize"] else grad
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * param
        square_avg, acc_delta = state["square_avg"], state["acc_delta"]
        square_avg *= rho
        square_avg += (1 - rho) * np.square(g)
        delta = np.sqrt(acc_delta + eps)
        delta /= np.sqrt(square_avg + eps)
        delta *= g
        acc_delta *= rho
        acc_delta += (1 - rho) * np.square(delta)
        delta *= group["lr"]
        param -= delta
