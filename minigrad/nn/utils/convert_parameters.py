"""Flatten parameters into one vector and back (``parameters_to_vector``)."""

from __future__ import annotations

from collections.abc import Iterable

from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from ...ops.shape import cat


def _as_list(parameters: Tensor | Iterable[Tensor], where: str) -> list[Tensor]:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    for p in params:
        if not isinstance(p, Tensor):
            raise TypeError(f"{where}: expected Tensors, got {type(p).__name__}")
    return params


def parameters_to_vector(parameters: Tensor | Iterable[Tensor]) -> Tensor:
    """All parameters flattened and joined into one 1-D tensor (differentiable).

    >>> import minigrad as mg
    >>> parameters_to_vector([mg.ones(2, 2), mg.zeros(1)]).shape
    (5,)
    """
    params = _as_list(parameters, "parameters_to_vector")
    if not params:
        raise ValueError("parameters_to_vector: got no parameters")
    return cat([p.reshape(-1) for p in params])


def vector_to_parameters(vec: Tensor, parameters: Tensor | Iterable[Tensor]) -> None:
    """Copy consecutive slices of the 1-D ``vec`` into the parameters, in place."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"vector_to_parameters: expected vec to be a Tensor, got "
                        f"{type(vec).__name__}")
    params = _as_list(parameters, "vector_to_parameters")
    total = sum(p.numel() for p in params)
    if vec.ndim != 1 or vec.shape[0] != total:
        raise ValueError(
            f"vector_to_parameters: vec has shape {tuple(vec.shape)} but the parameters "
            f"hold {total} elements"
        )
    start = 0
    with no_grad():
        for p in params:
            n = p.numel()
            p.copy_(vec.data[start:start + n].reshape(p.shape).astype(p.dtype, copy=False))
            start += n
