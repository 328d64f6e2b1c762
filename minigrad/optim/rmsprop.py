"""RMSprop: divide the gradient by a running root-mean-square of recent gradients."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from .._tensor import Tensor
from .optimizer import Optimizer, ParamGroup, check_cpu_flags, check_nonneg


class RMSprop(Optimizer):
    """RMSprop (PyTorch's algorithm; v, g_avg, b start at 0)::

        g = -grad if maximize else grad
        g = g + weight_decay * p                       if weight_decay != 0
        v = alpha * v + (1 - alpha) * g^2
        g_avg = alpha * g_avg + (1 - alpha) * g        if centered
        d = sqrt(v - g_avg^2) + eps  if centered  else  sqrt(v) + eps
        b = momentum * b + g / d;  p = p - lr * b      if momentum > 0
        p = p - lr * g / d                             otherwise

    >>> import minigrad as mg
    >>> w = mg.tensor([1.0], requires_grad=True)
    >>> opt = RMSprop([w], lr=0.01, alpha=0.75)
    >>> w.grad = mg.tensor([2.0])
    >>> opt.step()   # v = 0.25 * 4 = 1, so the step is lr * 2 / (1 + eps)
    >>> w
    tensor([0.98], requires_grad=True)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                        momentum=momentum, centered=centered, capturable=capturable,
                        foreach=foreach, maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def _check_group(self, group: Mapping[str, Any], where: str) -> None:
        check_nonneg("RMSprop", where, group, "lr", "alpha", "eps", "weight_decay", "momentum")
        check_cpu_flags("RMSprop", where, group)

    def _init_state(self, p: Tensor, group: ParamGroup) -> dict[str, Any]:
        state: dict[str, Any] = {"step": 0, "square_avg": np.zeros(p.shape, p.dtype)}
        if group["momentum"] > 0:
            state["momentum_buffer"] = np.zeros(p.shape, p.dtype)
        if group["centered"]:
            state["grad_avg"] = np.zeros(p.shape, p.dtype)
        return state

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: ParamGroup) -> None:
        alpha, eps, momentum = group["alpha"], group["eps"], group["momentum"]
        weight_decay, maximize = group["weight_decay"], group["maximize"]
        state["step"] += 1
        g = np.negative(grad) if maximize else grad
        if weight_decay != 0:
            g = g + weight_decay * param
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * np.square(g)
        if group["centered"]:
            grad_avg = state.setdefault("grad_avg", np.zeros_like(param))
            grad_avg *= alpha
            grad_avg += (1 - alpha) * g
            denom = square_avg - np.square(grad_avg)
            np.sqrt(denom, out=denom)
        else:
            denom = np.sqrt(square_avg)
        denom += eps
        if momentum > 0:
            buf = state.setdefault("momentum_buffer", np.zeros_like(param))
            buf *= momentum
            buf += g / denom
            param -= group["lr"] * buf
        else:
            np.divide(g, denom, out=denom)
            denom *= group["lr"]
            param -= denom
