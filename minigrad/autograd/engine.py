"""The backward pass: walk the graph from the output to the leaves, without recursion.

1. Count, for every node reachable from the roots, how many consumers will
   send it a gradient (an explicit-stack walk).
2. Take a node whose gradient is complete, call its Function's backward, and
   send each input's gradient on: to the input's node, or into the leaf's
   ``.grad`` (Kahn's topological order).
3. Release each node after use unless ``retain_graph``.

The loop in ``run_backward`` is that algorithm; the policies around it (how
gradients arriving at one node are summed, hooks, where leaf gradients go)
are small helpers below it.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import kernels
from ..sparse import SparseGrad
from .grad_mode import _state
from .node import Node

LeafSink = Callable[[Any, Any], None]
ndarray = np.ndarray

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
    sums = GradientSums(create_graph)
    pending, owned = sums.pending, sums.owned  # read directly in the hot loop
    to_leaf = LeafGradients(leaf_sink, create_graph)
    root_nodes = _seed(roots, root_grads, sums, to_leaf)
    waiting = count_consumers(root_nodes)
    ready = [node for node in root_nodes if waiting.get(node, 0) == 0]
    previous_mode = _state.enabled
    _state.enabled = create_graph  # a plain backward records nothing
    try:
        while ready:
            node = ready.pop()
            grad = sums.pop(node) if owned else pending.pop(node)
            if node.hooks or node.retained is not None or node_sink is not None:
                grad = _observe(node, grad, node_sink)
            if create_graph:
                grads = _recorded_backward(node, grad)
            else:
                grads = node.fn.backward(node, grad)
            if type(grads) is not tuple:
                grads = (grads,)
            if len(grads) != len(node.parents):
                raise _wrong_count(node, grads)
            for parent, g in zip(node.parents, grads):
                if parent is None or g is None:
                    continue
                if not isinstance(parent, Node):  # a leaf that requires grad
                    to_leaf(parent, _fit_leaf(g, parent, node, create_graph))
                    continue
                shape, dtype = parent.out_shape, parent.out_dtype
                if type(g) is not ndarray or g.shape != shape or g.dtype != dtype:
                    g = _fit(g, shape, dtype, node, create_graph)
                if parent in pending:
                    sums.add(parent, g)
                else:
                    pending[parent] = g  # the first gradient to arrive: kept as it is
                remaining = waiting[parent] - 1
                waiting[parent] = remaining
                if remaining == 0:
                    ready.append(parent)
            if not retain_graph:
                node.release()
    finally:
        _state.enabled = previous_mode


def count_consumers(roots: Sequence[Node]) -> dict[Node, int]:
    """Number of gradients each node reachable from ``roots`` will receive."""
    count: dict[Node, int] = {}
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
                count[parent] = count.get(parent, 0) + 1
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
    return count


def _seed(roots: Sequence[Any], root_grads: Sequence[Any], sums: GradientSums,
          to_leaf: LeafGradients) -> list[Node]:
    """Put each root's gradient in place; a root that is a leaf gets it directly."""
    root_nodes = []
    for tensor, grad in zip(roots, root_grads):
        if tensor.grad_fn is None:
            to_leaf(tensor, grad)
            continue
        if tensor.grad_fn not in sums:
            root_nodes.append(tensor.grad_fn)
        sums.add(tensor.grad_fn, grad)
    return root_nodes


def _recorded_backward(node: Node, grad: Any) -> Any:
    """The node's backward under ``create_graph``: on Tensors, every step recorded."""
    node.fn.begin_graph_backward(node)
    try:
        return node.fn.backward(node, grad)
    finally:
        node.fn.end_graph_backward(node)


def _wrong_count(node: Node, grads: tuple[Any, ...]) -> RuntimeError:
    return RuntimeError(
        f"{node.name()}: backward returned {len(grads)} gradients for "
        f"{len(node.parents)} inputs"
    )


def _fit_leaf(grad: Any, leaf: Any, node: Node, create_graph: bool) -> Any:
    """A leaf's gradient in its shape and dtype; a sparse one is kept as it is."""
    if type(grad) is SparseGrad:
        return grad
    array = leaf._array
    if type(grad) is np.ndarray and grad.shape == array.shape and grad.dtype == array.dtype:
        return grad
    return _fit(grad, array.shape, array.dtype, node, create_graph)


def _fit(grad: Any, shape: tuple[int, ...], dtype: Any, node: Node, create_graph: bool) -> Any:
    """One gradient in its input's shape and dtype (the one place broadcasting is undone)."""
    if type(grad) is SparseGrad:  # reaching a non-leaf: made dense (minigrad/sparse.py)
        grad = grad.dense_array()
    if not create_graph and type(grad) is not np.ndarray:
        grad = np.asarray(grad)  # NumPy returns scalars for 0-d results
    if grad.shape != shape:
        try:
            np.broadcast_shapes(shape, grad.shape)
        except ValueError:
            raise RuntimeError(
                f"{node.name()}: returned a gradient of shape {grad.shape} for an input of "
                f"shape {shape}"
            ) from None
        grad = sum_to_shape(grad, shape)
    return grad.astype(dtype) if grad.dtype != dtype else grad


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


def _observe(node: Node, grad: Any, node_sink: Callable[[Node, Any], None] | None) -> Any:
    """Run the node's hooks (which may replace the gradient), keep it for
    ``retain_grad()``, and show it to ``autograd.grad``'s sink."""
    for hook in node.hooks:
        result = hook(grad)
        if result is not None:
            grad = result
    if node.retained is not None:
        tensor = node.retained()
        if tensor is not None:
            tensor._accumulate_retained(grad)
    if node_sink is not None:
        node_sink(node, grad)
    return grad


class GradientSums:
    """The gradient waiting at each node, summed as its consumers send theirs.

    The first gradient to arrive is kept as it is: backward may have returned
    an array that another node also holds, so it is never written to. The
    first sum allocates a new array that only this object holds; later
    gradients are added into that one in place.
    """

    def __init__(self, create_graph: bool) -> None:
        self.pending: dict[Node, Any] = {}
        self.owned: set[Node] = set()
        self.create_graph = create_graph

    def __contains__(self, node: Node) -> bool:
        return node in self.pending

    def add(self, node: Node, grad: Any) -> None:
        pending = self.pending
        if node not in pending:
            pending[node] = grad
        elif node in self.owned:
            np.add(pending[node], grad, out=pending[node])
        else:
            total = pending[node] + grad
            if not self.create_graph:
                total = np.asarray(total)  # 0-d sums come back as NumPy scalars
                self.owned.add(node)
            pending[node] = total

    def pop(self, node: Node) -> Any:
        if self.owned:
            self.owned.discard(node)
        return self.pending.pop(node)


class LeafGradients:
    """Hands each leaf its gradient, making sure two leaves never share one array."""

    def __init__(self, leaf_sink: LeafSink, create_graph: bool) -> None:
        self.leaf_sink = leaf_sink
        self.create_graph = create_graph
        self.given: set[int] = set()  # ids of arrays already handed to a leaf

    def __call__(self, leaf: Any, grad: Any) -> None:
        if not self.create_graph:
            if id(grad) in self.given:
                grad = grad.copy()
            self.given.add(id(grad))
        self.leaf_sink(leaf, grad)
