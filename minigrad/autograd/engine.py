"""The backward pass: walk the graph from the output to the leaves, without recursion.

1. Count, for every node reachable from the roots, how many consumers will
   send it a gradient (an explicit-stack depth-first walk).
2. Process nodes whose gradient is complete (Kahn's algorithm): call the
   Function's backward, sum each gradient back to its input's shape, and pass
   it on to the input's node or accumulate it into the leaf's ``.grad``.
3. Release each node after use unless ``retain_graph``.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import kernels
from .function import Node
from .grad_mode import _state

LeafSink = Callable[[Any, Any], None]

_callbacks = threading.local()  # per thread: a stack of callback lists, one per running backward


def queue_callback(callback: Callable[[], None]) -> None:
    """Run ``callback()`` once the running backward has finished (every leaf's ``.grad``
    written). Only callable from inside a backward (a hook, say), as in PyTorch's engine."""
    stack = getattr(_callbacks, "stack", None)
    if not stack:
        raise RuntimeError("queue_callback: no backward is running (call it from a hook)")
    stack[-1].append(callback)


def _runs_queued_callbacks(walk: Callable[..., None]) -> Callable[..., None]:
    """Wrap the backward walk: callbacks queued during it run after it completes."""

    @functools.wraps(walk)
    def run(*args: Any, **kwargs: Any) -> None:
        if not hasattr(_callbacks, "stack"):
            _callbacks.stack = []
        queued: list[Callable[[], None]] = []
        _callbacks.stack.append(queued)
        try:
            walk(*args, **kwargs)
        finally:
            _callbacks.stack.pop()
        while queued:
            queued.pop(0)()

    return run


def sum_to_shape(grad: Any, shape: tuple[int, ...]) -> Any:
    """Sum a gradient in a broadcast shape back to ``shape`` (arrays or Tensors)."""
    if isinstance(grad, np.ndarray):
        return kernels.sum_to_shape(grad, shape)
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1
    )
    if axes:
        grad = grad.sum(dim=axes, keepdim=True)
    return grad.reshape(shape)


def _fit(grad: Any, shape: tuple[int, ...], dtype: np.dtype, where: str) -> Any:
    """Bring one gradient to its input's shape and dtype, or say clearly why it can't."""
    if grad.shape != shape:
        try:
            np.broadcast_shapes(shape, grad.shape)
        except ValueError:
            raise RuntimeError(
                f"{where}: returned a gradient of shape {grad.shape} for an input of shape {shape}"
            ) from None
        grad = sum_to_shape(grad, shape)
    if grad.dtype != dtype:
        grad = grad.astype(dtype)
    return grad


def _collect(roots: Sequence[Node]) -> dict[Node, int]:
    """Number of pending gradients for every node reachable from ``roots``."""
    dependencies: dict[Node, int] = {}
    stack = list(roots)
    seen = set(roots)
    while stack:
        node = stack.pop()
        if node.released:
            raise RuntimeError(
                f"Trying to backward through the graph a second time ({node.name()} was "
                "freed after the first backward). Pass retain_graph=True to the first "
                "backward() if you need to call it again."
            )
        for parent in node.parents:
            if isinstance(parent, Node):
                dependencies[parent] = dependencies.get(parent, 0) + 1
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
    return dependencies


@_runs_queued_callbacks
def run_backward(
    roots: Sequence[Any],
    root_grads: Sequence[Any],
    retain_graph: bool,
    create_graph: bool,
    leaf_sink: LeafSink,
    node_sink: Callable[[Node, Any], None] | None = None,
) -> None:
    """Propagate ``root_grads`` from the ``roots`` Tensors down to the leaves.

    ``leaf_sink(tensor, grad)`` receives each leaf's gradient; ``node_sink``
    (used by ``autograd.grad``) sees every node's complete output gradient.
    Callbacks that hooks queued meanwhile (``queue_callback``) run at the end.
    """
    pending: dict[Node, Any] = {}
    root_nodes = []
    for tensor, grad in zip(roots, root_grads):
        if tensor.grad_fn is None:
            leaf_sink(tensor, grad)
        elif tensor.grad_fn in pending:
            pending[tensor.grad_fn] = pending[tensor.grad_fn] + grad
        else:
            pending[tensor.grad_fn] = grad
            root_nodes.append(tensor.grad_fn)
    dependencies = _collect(root_nodes)
    ready = [node for node in root_nodes if dependencies.get(node, 0) == 0]
    sunk: set[int] = set()  # ids of arrays already stored in a leaf's .grad
    owned: set[Node] = set()  # nodes whose pending gradient is a sum the engine allocated
    previous_mode = _state.enabled
    _state.enabled = create_graph
    try:
        while ready:
            node = ready.pop()
            grad = pending.pop(node)
            if owned:
                owned.discard(node)
            if node.hooks:
                grad = _run_hooks(node.hooks, grad)
            if node.retained is not None:
                _retain(node, grad)
            if node_sink is not None:
                node_sink(node, grad)
            if create_graph:
                _prepare_create_graph(node)
            grads = node.fn.backward(node, grad)
            if type(grads) is not tuple:
                grads = (grads,)
            if len(grads) < len(node.parents):
                raise RuntimeError(
                    f"{node.name()}: backward returned {len(grads)} gradients for "
                    f"{len(node.parents)} inputs"
                )
            for parent, g in zip(node.parents, grads):
                if parent is None or g is None:
                    continue
                to_node = isinstance(parent, Node)
                if to_node:
                    shape, dtype = parent.out_shape, parent.out_dtype
                else:
                    shape, dtype = parent.data.shape, parent.data.dtype
                if not create_graph and type(g) is not np.ndarray:
                    g = np.asarray(g)
                if g.shape != shape or g.dtype != dtype:
                    g = _fit(g, shape, dtype, node.name())
                if to_node:
                    if parent not in pending:
                        pending[parent] = g
                    elif parent in owned:
                        np.add(pending[parent], g, out=pending[parent])
                    else:
                        # the first sum makes a new array that only the engine holds, so
                        # later sums may go in place (the arrays backward returns may be
                        # shared with other nodes and must not be written to)
                        total = pending[parent] + g
                        if not create_graph:
                            total = np.asarray(total)  # 0-d sums come back as NumPy scalars
                            owned.add(parent)
                        pending[parent] = total
                    remaining = dependencies[parent] - 1
                    dependencies[parent] = remaining
                    if remaining == 0:
                        ready.append(parent)
                else:
                    if not create_graph:
                        if id(g) in sunk:
                            g = g.copy()  # two leaves must not share one gradient array
                        sunk.add(id(g))
                    leaf_sink(parent, g)
            if not retain_graph:
                node.release()
    finally:
        _state.enabled = previous_mode


def _run_hooks(hooks: Sequence[Callable[[Any], Any]], grad: Any) -> Any:
    for hook in hooks:
        result = hook(grad)
        if result is not None:
            grad = result
    return grad


def _prepare_create_graph(node: Node) -> None:
    """Let the node hand Tensors to its backward, or refuse if it can't record one."""
    if node.fn.once_differentiable:
        raise RuntimeError(
            f"{node.name()}: this op's backward is not differentiable (it is fused for "
            "speed), so create_graph=True cannot record it"
        )
    node.create_graph = True


def _retain(node: Node, grad: Any) -> None:
    """Store a non-leaf tensor's gradient in its ``.grad`` (``retain_grad()``)."""
    from ..tensor import Tensor

    tensor = node.retained()
    if tensor is None:
        return
    value = grad if isinstance(grad, Tensor) else Tensor._make(np.array(grad), False, None)
    tensor.grad = value if tensor.grad is None else tensor.grad + value
