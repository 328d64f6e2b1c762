"""Explicit weight penalties for fighting overfitting: ``l1_penalty`` and ``l2_penalty``.

Add one to the loss, scaled by a strength ``lam``::

    loss = criterion(model(x), y) + 1e-4 * l2_penalty(model.parameters())

L2 penalty vs ``weight_decay``: with plain SGD, adding ``(lam / 2) * sum(w^2)`` to the
loss gives the gradient ``lam * w``, the same update as SGD's ``weight_decay=lam``. With
adaptive optimizers they differ: Adam rescales the penalty's gradient along with the
loss's, so heavily-updated weights are barely regularised, while AdamW's
``weight_decay`` shrinks every weight by ``lr * lam * w`` directly ("decoupled").
AdamW's decay is usually what you want; the explicit penalty is for learning what
regularisation does, for SGD, or for penalising only some tensors.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .._tensor import Tensor


def _params(parameters: Tensor | Iterable[Tensor], where: str) -> list[Tensor]:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    for p in params:
        if not isinstance(p, Tensor):
            raise TypeError(f"{where}: expected Tensors, got {type(p).__name__}")
    return params


def _total(terms: list[Tensor]) -> Tensor:
    if not terms:
        return Tensor._make(np.zeros((), np.float32), False, None)
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def l1_penalty(parameters: Tensor | Iterable[Tensor]) -> Tensor:
    """``sum |w|`` over every element of every parameter, as a differentiable scalar.
    Pushes weights to exactly zero (sparse models).

    >>> import minigrad as mg
    >>> l1_penalty([mg.tensor([1.0, -2.0]), mg.tensor([[3.0]])])
    tensor(6.)
    """
    return _total([p.abs().sum() for p in _params(parameters, "l1_penalty")])


def l2_penalty(parameters: Tensor | Iterable[Tensor]) -> Tensor:
    """``sum w^2`` over every element of every parameter, as a differentiable scalar
    (no 1/2 factor). Shrinks all weights smoothly towards zero.

    >>> import minigrad as mg
    >>> l2_penalty([mg.tensor([1.0, -2.0]), mg.tensor([[3.0]])])
    tensor(14.)
    """
    return _total([(p * p).sum() for p in _params(parameters, "l2_penalty")])
