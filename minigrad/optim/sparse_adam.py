"""SparseAdam: Adam for sparse gradients, updating moments only on the rows a step touched."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from .._tensor import Tensor
from .optimizer import Optimizer, ParamGroup, check_betas, check_nonneg


class SparseAdam(Optimizer):
    """PyTorch's SparseAdam ("lazy Adam") for ``nn.Embedding(sparse=True)`` weights.

    Each step coalesces the gradient (rows ``r``, values ``g``) and, on those rows only::

        m[r] = beta1 * m[r] + (1 - beta1) * g
        v[r] = beta2 * v[r] + (1 - beta2) * g^2
        p[r] = p[r] - lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m[r] / (sqrt(v[r]) + eps)

    Rows absent from a step keep their moments (no decay) and their values. ``t`` counts the
    steps in which the parameter had a gradient. Dense gradients are refused, as in PyTorch.

    >>> import minigrad as mg, minigrad.nn as nn
    >>> emb = nn.Embedding(1000, 4, sparse=True)
    >>> opt = SparseAdam(emb.parameters(), lr=0.1)
    >>> before = emb.weight.detach().numpy().copy()
    >>> emb(mg.tensor([3, 7])).sum().backward(); opt.step()
    >>> changed = (emb.weight.detach().numpy() != before).any(axis=1)
    >>> changed.nonzero()[0].tolist()
    [3, 7]
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8, *,
                 maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, maximize=maximize))

    def _check_group(self, group: Mapping[str, Any], where: str) -> None:
        check_nonneg(self._name, where, group, "lr", "eps")
        check_betas(self._name, where, group["betas"])

    def _init_state(self, p: Tensor, group: ParamGroup) -> dict[str, Any]:
        return {"step": 0, "exp_avg": np.zeros(p.shape, p.dtype),
                "exp_avg_sq": np.zeros(p.shape, p.dtype)}

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: ParamGroup) -> None:
        raise RuntimeError("SparseAdam does not support dense gradients, please consider Adam "
                           "instead")

    def _sparse_update(self, p: Tensor, grad: Any, state: dict[str, Any],
                       group: ParamGroup) -> None:
        grad = grad.coalesce()
        rows = grad.row_index
        g = grad.row_values.astype(p.dtype, copy=False)
        if group["maximize"]:
            g = -g
        state["step"] += 1
        t = state["step"]
        beta1, beta2 = group["betas"]
        m = state["exp_avg"][rows]
        v = state["exp_avg_sq"][rows]
        m += (g - m) * (1 - beta1)
        v += (g * g - v) * (1 - beta2)
        state["exp_avg"][rows] = m
        state["exp_avg_sq"][rows] = v
        step_size = group["lr"] * math.sqrt(1 - beta2**t) / (1 - beta1**t)
        w = p.numpy(force=True)
        w[rows] -= (step_size * m / (np.sqrt(v) + group["eps"])).astype(p.dtype, copy=False)
