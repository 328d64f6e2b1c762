"""``autograd.grad``: gradients of outputs with respect to chosen inputs, returned
instead of accumulated into ``.grad``; and from it, as PyTorch's
``torch.autograd.functional`` has them, ``jacobian`` and ``hessian``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._tensor import Tensor, _root_gradient
from .engine import run_backward
from .grad_mode import enable_grad
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




def jacobian(func: Callable[..., Any], inputs: Any, create_graph: bool = False,
             strict: bool = False, vectorize: bool = False,
             strategy: str = "reverse-mode") -> Any:
    """The Jacobian of ``func`` at ``inputs`` (PyTorch's ``autograd.functional.jacobian``):
    for one output and one input a Tensor of shape ``output.shape + input.shape``; for a
    tuple of inputs or of outputs, tuples of those (outputs outermost). One backward per
    output element. ``strict=True`` raises where an output does not depend on an input
    (else that block is zeros); ``vectorize`` is accepted and changes nothing.

    >>> import minigrad as mg
    >>> mg.autograd.functional.jacobian(lambda x: x ** 2, mg.tensor([1.0, 3.0]))
    tensor([[2., 0.],
            [0., 6.]])
    """
    from ..ops import reshape, stack  # lazy: the ops are built on autograd

    if strategy != "reverse-mode":
        raise NotImplementedError(f"jacobian: only strategy='reverse-mode' is implemented, "
                                  f"got {strategy!r}")
    one_input = isinstance(inputs, Tensor)
    xs = _prepared(inputs, create_graph, "jacobian")
    with enable_grad():
        out = func(*xs)
    one_output = isinstance(out, Tensor)
    outs = (out,) if one_output else tuple(out)
    blocks = []
    for k, o in enumerate(outs):
        if not isinstance(o, Tensor):
            raise TypeError(f"jacobian: func must return a Tensor or a tuple of Tensors, got "
                            f"{type(o).__name__} at position {k}")
        rows: list[list[Any]] = [[] for _ in xs]
        flat = reshape(o, (-1,))
        for i in range(flat.shape[0]):
            gs = (grad(flat[i], xs, retain_graph=True, create_graph=create_graph,
                       allow_unused=True) if o.requires_grad else (None,) * len(xs))
            for j, (g, x) in enumerate(zip(gs, xs)):
                if g is None:
                    if strict:
                        raise RuntimeError(f"jacobian: output {k} does not depend on input "
                                           f"{j} (strict=True)")
                    g = _zeros(x)
                rows[j].append(g)
        per_input = []
        for j, x in enumerate(xs):
            block = stack(rows[j]) if rows[j] else _zeros(x, (0,) + x.shape)
            per_input.append(reshape(block, tuple(o.shape) + tuple(x.shape)))
        blocks.append(per_input[0] if one_input else tuple(per_input))
    return blocks[0] if one_output else tuple(blocks)


def hessian(func: Callable[..., Any], inputs: Any, create_graph: bool = False,
            strict: bool = False, vectorize: bool = False,
            outer_jacobian_strategy: str = "reverse-mode") -> Any:
    """The Hessian of a ``func`` returning one element (PyTorch's
    ``autograd.functional.hessian``): ``input.shape + input.shape`` for one input, a tuple
    of tuples for several.

    >>> import minigrad as mg
    >>> mg.autograd.functional.hessian(lambda x: (x ** 3).sum(), mg.tensor([1.0, 2.0]))
    tensor([[ 6.,  0.],
            [ 0., 12.]])
    """
    one_input = isinstance(inputs, Tensor)

    def gradient(*xs: Tensor) -> Any:
        out = func(*xs)
        if not isinstance(out, Tensor) or out.numel() != 1:
            raise RuntimeError("hessian: func must return a Tensor with one element")
        gs = grad(out, xs, create_graph=True, allow_unused=True) if out.requires_grad else (
            (None,) * len(xs))
        if strict and any(g is None for g in gs):
            raise RuntimeError("hessian: the output does not depend on every input "
                               "(strict=True)")
        gs = tuple(_zeros(x) if g is None else g for g, x in zip(gs, xs))
        return gs[0] if one_input else gs

    return jacobian(gradient, inputs, create_graph=create_graph, strict=strict,
                    strategy=outer_jacobian_strategy)


def _prepared(inputs: Any, create_graph: bool, op: str) -> tuple[Tensor, ...]:
    """The inputs as leaves that require grad (kept in their graph under create_graph)."""
    xs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    prepared = []
    for i, x in enumerate(xs):
        if not isinstance(x, Tensor):
            raise TypeError(f"{op}: inputs must be a Tensor or a tuple of Tensors, got "
                            f"{type(x).__name__} at position {i}")
        if create_graph and x.requires_grad:
            prepared.append(x.view_as(x))
        else:
            prepared.append(x.detach().requires_grad_())
    return tuple(prepared)


def _zeros(like: Tensor, shape: tuple[int, ...] | None = None) -> Tensor:
    """A constant of zeros with ``like``'s dtype (its shape unless ``shape``)."""
    return Tensor._make(np.zeros(like.shape if shape is None else shape, like.dtype), False, None)
