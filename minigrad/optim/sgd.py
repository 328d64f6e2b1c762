"""Stochastic gradient descent, with optional momentum, Nesterov momentum and weight decay."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from .._tensor import Tensor
from ..kernels import scatter_add_rows
from .optimizer import Optimizer, ParamGroup, check_cpu_flags, check_nonneg


class SGD(Optimizer):
    """Stochastic gradient descent (PyTorch's algorithm, step t = 1, 2, ...)::

        g = -grad if maximize else grad
        g = g + weight_decay * p                         if weight_decay != 0
        b = g  (t = 1),  b = momentum * b + (1 - dampening) * g  (t > 1)
        g = g + momentum * b if nesterov else b          if momentum != 0
        p = p - lr * g

    >>> import minigrad as mg
    >>> w = mg.tensor([1.0, 2.0], requires_grad=True)
    >>> opt = SGD([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> w
    tensor([0.8, 1.6], requires_grad=True)

    A sparse gradient (``nn.Embedding(sparse=True)``) updates only the rows it holds when
    momentum and weight decay are 0 (otherwise it is made dense first).
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0, nesterov: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize,
                        foreach=foreach, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)

    def _check_group(self, group: Mapping[str, Any], where: str) -> None:
        check_nonneg("SGD", where, group, "lr", "momentum", "weight_decay")
        check_cpu_flags("SGD", where, group)
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(f"SGD: {where}Nesterov momentum requires a momentum > 0 and zero "
                             f"dampening, got momentum={group['momentum']}, "
                             f"dampening={group['dampening']}")

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: ParamGroup) -> None:
        lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
        weight_decay, maximize = group["weight_decay"], group["maximize"]
        if weight_decay != 0:
            g = param * weight_decay
            if maximize:
                g -= grad
            else:
                g += grad
        elif maximize:
            g = np.negative(grad)
        else:
            g = grad  # read only from here on: it is the parameter's .grad
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = np.array(g, copy=True)  # first step: the buffer is the gradient itself
                state["momentum_buffer"] = buf
            else:
                buf *= momentum
                buf += g if dampening == 0 else (1 - dampening) * g
            g = g + momentum * buf if group["nesterov"] else buf
        param -= lr * g

    def _sparse_update(self, p: Tensor, grad: Any, state: dict[str, Any],
                       group: ParamGroup) -> None:
        if group["momentum"] != 0 or group["weight_decay"] != 0:
            # momentum and weight decay touch every row: the dense step, as PyTorch does
            dense = grad.dense_array().astype(p.dtype, copy=False)
            self._update(p.numpy(force=True), dense, state, group)
            return
        step = group["lr"] if group["maximize"] else -group["lr"]
        # p[rows] -= lr * values, repeated rows accumulating: only the touched rows change
        scatter_add_rows(p.numpy(force=True), grad.row_index, grad.row_values * step)
