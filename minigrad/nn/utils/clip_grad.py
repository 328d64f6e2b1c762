"""Gradient clipping: ``clip_grad_norm_`` and ``clip_grad_value_``."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from ...autograd.tracing import host
from ...creation import tensor, zeros


def _grads(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    if any(g.is_sparse for g in grads):
        raise RuntimeError("gradient clipping does not support sparse gradients "
                           "(nn.Embedding(sparse=True)); use a dense embedding, or clip "
                           "p.grad.coalesce() values yourself")
    return grads


def _norm_of(g: np.ndarray, norm_type: float) -> float:
    flat = g.ravel()
    if norm_type == 2.0:
        return float(np.dot(flat, flat))  # squared; the caller takes the root once
    if math.isinf(norm_type):
        return float(np.max(np.abs(flat))) if flat.size else 0.0
    return float(np.sum(np.abs(flat.astype(np.float64)) ** norm_type))


@host  # mg.compile re-runs it on replay
def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> Tensor:
    """Scale all gradients together so that their joint norm is at most ``max_norm``.

    The norm is taken over every gradient as if concatenated into one vector. When it
    exceeds ``max_norm``, each gradient is multiplied in place by
    ``max_norm / (total_norm + 1e-6)``. Returns the total norm (before clipping).

    >>> import minigrad as mg
    >>> w = mg.zeros(2, requires_grad=True)
    >>> w.grad = mg.tensor([3.0, 4.0])
    >>> clip_grad_norm_([w], max_norm=1.0)
    tensor(5.)
    >>> w.grad
    tensor([0.6, 0.8])
    """
    grads = _grads(parameters)
    norm_type = float(norm_type)
    if not grads:
        return zeros(())
    dtype = grads[0].dtype
    parts = [_norm_of(g.numpy(force=True), norm_type) for g in grads]
    if math.isinf(norm_type):
        total = max(parts)
    elif norm_type == 2.0:
        total = math.sqrt(math.fsum(parts))
    else:
        total = math.fsum(parts) ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is "
            f"non-finite ({total}), so it cannot be clipped. Pass error_if_nonfinite=False "
            "to clip anyway."
        )
    coef = float(max_norm) / (total + 1e-6)
    if coef < 1.0:
        with np.errstate(invalid="ignore"), no_grad():  # inf * 0 -> nan, as in PyTorch
            for g in grads:
                g.mul_(coef)
    return tensor(total, dtype=dtype)


@host
def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clamp every gradient element into ``[-clip_value, clip_value]`` in place."""
    clip_value = float(clip_value)
    if clip_value < 0:
        raise ValueError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value}")
    with no_grad():
        for g in _grads(parameters):
            g.clamp_(-clip_value, clip_value)
