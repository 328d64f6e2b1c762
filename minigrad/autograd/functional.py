"""``autograd.grad``: gradients of outputs with respect to chosen inputs, returned
instead of accumulated into ``.grad``."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._tensor import Tensor, _root_gradient
from .engine import run_backward
from .node import Node


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Any, ...]:
    """d(outputs)/d(inputs) as a tuple of Tensors, one per input; ``.grad`` is untouched.

    With ``create_graph=True`` the returned gradients are themselves differentiable,
    so ``grad`` can be called on them again (second derivatives, Hessian-vector
    products).

    >>> import minigrad as mg
    >>> x = mg.tensor(3.0, requires_grad=True)
    >>> (g,) = mg.autograd.grad(x ** 3, x, create_graph=True)
    >>> g, mg.autograd.grad(g, x)[0]
    (tensor(27., grad_fn=<MulBackward>), tensor(18.))
    """
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs]
    if len(grad_outputs) != len(outputs):
        raise ValueError(
            f"grad: got {len(grad_outputs)} grad_outputs for {len(outputs)} outputs"
        )
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError(f"grad: input {i} (shape {t.shape}) does not require grad")
    for i, t in enumerate(outputs):
        if not t.requires_grad:
            raise RuntimeError(
                f"grad: output {i} (shape {t.shape}) does not require grad and has no grad_fn"
            )
    if retain_graph is None:
        retain_graph = create_graph
    roots = [_root_gradient(o, g, create_graph) for o, g in zip(outputs, grad_outputs)]
    results: list[Any] = [None] * len(inputs)
    leaf_slots = {id(t): i for i, t in enumerate(inputs) if t.grad_fn is None}
    node_slots = {id(t.grad_fn): i for i, t in enumerate(inputs) if t.grad_fn is not None}

    def add(slot: int, g: Any) -> None:
        results[slot] = g if results[slot] is None else results[slot] + g

    def leaf_sink(leaf: Tensor, g: Any) -> None:
        slot = leaf_slots.get(id(leaf))
        if slot is not None:
            add(slot, g)

    def node_sink(node: Node, g: Any) -> None:
        slot = node_slots.get(id(node))
        if slot is not None:
            add(slot, g)

    run_backward(outputs, roots, retain_graph, create_graph, leaf_sink, node_sink)
    return tuple(_finish(r, t, i, allow_unused) for i, (r, t) in enumerate(zip(results, inputs)))


def _finish(result: Any, tensor: Any, index: int, allow_unused: bool) -> Any:
    if result is None:
        if allow_unused:
            return None
        raise RuntimeError(
            f"grad: input {index} (shape {tensor.shape}) was not used to compute the outputs; "
            "pass allow_unused=True to get None for it"
        )
    if isinstance(result, Tensor) or getattr(result, "is_sparse", False):
        return result  # a Tensor, or a sparse gradient (minigrad/sparse.py) as PyTorch gives
    return Tensor._make(np.array(result, dtype=tensor.dtype), False, None)


