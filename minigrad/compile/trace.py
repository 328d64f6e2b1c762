"""Recording: run a function eagerly once while the core's hooks report every op.

The ``Tracer`` sits in ``_state.tracer`` (minigrad/autograd/tracing.py) for the length
of one eager call. Each hook lets the eager work happen and notes it as a step of a
``Program``:

- ``apply``: a Function's forward (``Function.apply``);
- ``backward``: ``loss.backward()``, which the tracer runs itself, node by node in the
  engine's order, so that the first call already computes what the replay computes;
- ``write`` / ``commit``: in-place writes; ``host`` / ``source``: calls re-run as they are;
- ``refuse``: something a replay could not reproduce (``.item()``, printing a tensor, a
  random draw outside a recorded op). The trace stops recording and the call finishes
  eagerly (or, under ``fullgraph=True``, raises ``CompileError``).

Arrays are tracked by identity: an array an earlier step produced is read from its
slot; any other array is a tensor from outside (a parameter, a buffer, a constant made
inside the function), read through its Tensor at the start of every replay.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from .._tensor import Tensor
from ..autograd.engine import count_consumers
from ..autograd.grad_mode import _state
from ..autograd.node import Node
from ..sparse import SparseGrad
from .program import ADD, LEAF, SET, Backward, Commit, Forward, Host, SetGrad, Source, Write

_PARENT = "a gradient goes here"  # a replay ctx's parents: their number and which are None


class CompileError(RuntimeError):
    """``fullgraph=True`` and the function did something a replay can't reproduce."""


class Tracer:
    """Records one eager call of a function into slots and steps (see the module doc)."""

    def __init__(self, fullgraph: bool) -> None:
        self.fullgraph = fullgraph
        self.active = True
        self.reason: str | None = None  # why recording stopped
        self.steps: list[Any] = []
        self.env: list[Any] = []  # slot -> its array in this call (kept alive: ids stay unique)
        self.slot_of: dict[int, int] = {}  # id(array) -> slot
        self.loads: list[tuple[int, Tensor, tuple[int, ...], np.dtype]] = []
        self.consts: list[tuple[int, Any]] = []
        self.inputs: list[tuple[int, int]] = []  # (slot of the array, slot of the Tensor)
        self.input_tensors: dict[int, int] = {}  # id(input Tensor) -> its Tensor slot
        self.node_step: dict[Node, Forward] = {}

    # -------------------------------------------------------------- slots
    def new_slot(self, array: Any) -> int:
        self.env.append(array)
        slot = len(self.env) - 1
        self.slot_of[id(array)] = slot
        return slot

    def reserve(self) -> int:
        """A slot for an array a later step makes (a gradient)."""
        self.env.append(None)
        return len(self.env) - 1

    def add_input(self, tensor: Tensor) -> None:
        tensor_slot = self.reserve()
        self.env[tensor_slot] = tensor
        self.input_tensors[id(tensor)] = tensor_slot
        self.inputs.append((self.new_slot(_array(tensor)), tensor_slot))

    def tensor_ref(self, tensor: Tensor) -> tuple[bool, Any]:
        """A tensor a step writes to: an argument's is read from its slot at each replay
        (each call passes a new one), any other is kept."""
        slot = self.input_tensors.get(id(tensor))
        return (False, tensor) if slot is None else (True, slot)

    def slot(self, tensor: Tensor) -> int:
        """The slot of a tensor's array; an array from outside becomes a load."""
        array = _array(tensor)
        slot = self.slot_of.get(id(array))
        if slot is None:
            slot = self.new_slot(array)
            self.loads.append((slot, tensor, array.shape, array.dtype))
        return slot

    def operand(self, value: Any) -> tuple[bool, Any]:
        if isinstance(value, Tensor):
            return True, self.slot(value)
        if isinstance(value, np.ndarray) and id(value) in self.slot_of:
            return True, self.slot_of[id(value)]
        return False, value

    # -------------------------------------------------------------- the hooks
    def _resume(self) -> None:
        _state.tracer = self if self.active else None

    def refuse(self, what: str) -> None:
        if self.fullgraph:
            _state.tracer = None
            raise CompileError(f"mg.compile(fullgraph=True): cannot record {what}")
        if self.active:
            self.active, self.reason = False, what
        _state.tracer = None

    def apply(self, fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Tensor:
        _state.tracer = None
        try:
            result = fn.apply(*args, **kwargs)
        finally:
            self._resume()
        if not self.active:
            return result
        if any(isinstance(v, Tensor) for v in kwargs.values()):
            self.refuse(f"{fn.__name__}: a tensor passed to an op by keyword")
            return result
        node = result.grad_fn
        ctx = fn._node_type() if node is not None else Node()
        if node is not None:  # what a backward formula may read of its ctx, graph aside
            ctx.needs_input_grad = list(node.needs_input_grad)
            ctx.out_shape, ctx.out_dtype = node.out_shape, node.out_dtype
            ctx.parents = tuple(None if p is None else _PARENT for p in node.parents)
        operands = tuple(self.operand(a) for a in args)
        step = Forward(fn, ctx, operands, dict(kwargs), self.new_slot(_array(result)))
        self.steps.append(step)
        if node is not None:
            self.node_step[node] = step
        return result

    def source(self, fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        _state.tracer = None
        try:
            array = fn(*args, **kwargs)
        finally:
            self._resume()
        if self.active:
            self.steps.append(Source(fn, args, dict(kwargs), self.new_slot(array)))
        return array

    def host(self, fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        args = tuple(list(a) if isinstance(a, Iterator) else a for a in args)
        _state.tracer = None
        try:
            result = fn(*args, **kwargs)
        finally:
            self._resume()
        if self.active:
            operands = tuple(self.operand(a) if _in_slot(self, a) else (False, a) for a in args)
            out = self.new_slot(_array(result)) if isinstance(result, Tensor) else None
            self.steps.append(Host(fn, operands, dict(kwargs), out))
        return result

    def write(self, tensor: Tensor, op: str, ufunc: Any, other: Any, alpha: float) -> None:
        if op in ("clamp_", "uniform_", "normal_"):
            self.refuse(f"Tensor.{op}() outside the recorded ops")
            return
        _state.tracer = None
        try:
            # a tensor made inside the function has no Tensor at replay: nothing to bump
            known = id(_array(tensor)) not in self.slot_of or id(tensor) in self.input_tensors
            target = self.slot(tensor)
            self.steps.append(Write(op, ufunc, target, self.operand(other), alpha,
                                    self.tensor_ref(tensor) if known else None))
        finally:
            self._resume()

    def set_grad(self, leaf: Tensor, value: Any) -> None:
        _state.tracer = None
        try:
            if value is None:
                self.steps.append(SetGrad(self.tensor_ref(leaf), None))
            elif isinstance(value, Tensor):
                self.steps.append(SetGrad(self.tensor_ref(leaf), self.slot(value)))
            else:
                self.refuse("assigning a sparse gradient to .grad")
        finally:
            self._resume()

    def commit(self, tensor: Tensor, result: Tensor) -> None:
        _state.tracer = None
        try:
            self.steps.append(Commit(self.slot(tensor), self.slot(result)))
        finally:
            self._resume()

    def backward(self, root: Tensor, gradient: Any, retain_graph: bool | None,
                 create_graph: bool, inputs: Any) -> bool:
        """Run ``root.backward()`` as the engine would, recording one step per node.
        Returns False (the engine then runs it) when it can't be recorded."""
        if create_graph or inputs is not None:
            self.refuse("backward(create_graph=True) or backward(inputs=...)")
            return False
        node = root.grad_fn
        if node is None or node not in self.node_step:
            self.refuse("backward() through a graph built outside the compiled function")
            return False
        _state.tracer = None
        try:
            problem = self._check_graph(node)
            if problem:
                self.refuse(problem)
                return False
            seed = self._root_gradient(root, gradient)
            if seed is None:
                return False  # let the engine raise its own error
            self._walk(node, seed, bool(retain_graph))
            return True
        finally:
            self._resume()

    # ------------------------------------------------------------ backward
    def _check_graph(self, root: Node) -> str | None:
        for node in [root, *count_consumers([root])]:
            if node not in self.node_step:
                return "backward() through a graph built outside the compiled function"
            if node.hooks or node.retained is not None:
                return f"{node.name()}: a tensor hook or retain_grad() in the graph"
        return None

    def _root_gradient(self, root: Tensor, gradient: Any) -> int | None:
        array = _array(root)
        if gradient is None:
            if array.size != 1:
                return None
            seed = np.ones(array.shape, array.dtype)
            slot = self.new_slot(seed)
            self.consts.append((slot, seed))
            return slot
        if not isinstance(gradient, Tensor) or gradient.shape != root.shape:
            return None
        return self.slot(gradient)

    def _walk(self, root: Node, seed: int, retain_graph: bool) -> None:
        """The engine's walk (minigrad/autograd/engine.py), same order, on slots."""
        waiting = count_consumers([root])
        grad_slot = {root: seed}
        given: set[int] = set()
        ready = [root] if waiting.get(root, 0) == 0 else []
        while ready:
            node = ready.pop()
            forward = self.node_step[node]
            gslot = grad_slot.pop(node)
            step = Backward(node.fn, node, gslot, node.name())
            grads = node.fn.backward(node, self.env[gslot])
            if type(grads) is not tuple:
                grads = (grads,)
            if len(grads) != len(node.parents):
                raise RuntimeError(f"{node.name()}: backward returned {len(grads)} gradients "
                                   f"for {len(node.parents)} inputs")
            for index, (parent, g) in enumerate(zip(node.parents, grads)):
                if parent is None or g is None:
                    continue
                if type(g) is SparseGrad:
                    raise CompileError("mg.compile: sparse gradients (embedding sparse=True) "
                                       "are not supported")
                if isinstance(parent, Node):
                    shape, dtype = parent.out_shape, parent.out_dtype
                    if parent in grad_slot:
                        step.routes.append((index, ADD, grad_slot[parent], shape, dtype, None))
                    else:
                        slot = self.reserve()
                        grad_slot[parent] = slot
                        step.routes.append((index, SET, slot, shape, dtype, None))
                    waiting[parent] -= 1
                    if waiting[parent] == 0:
                        ready.append(parent)
                else:
                    if type(parent.grad) is SparseGrad:
                        raise CompileError("mg.compile: sparse gradients are not supported")
                    array = _array(parent)
                    copy = id(g) in given
                    given.add(id(g))
                    slot = self.reserve()
                    step.routes.append((index, LEAF, slot, array.shape, array.dtype,
                                        (self.tensor_ref(parent), copy)))
            step.send(self.env, grads)
            for _index, kind, slot, *_rest in step.routes:
                if kind != ADD:  # the arrays these slots now hold are known to later steps
                    self.slot_of[id(self.env[slot])] = slot
            step.ctx = forward.ctx
            self.steps.append(step)
            if not retain_graph:
                node.release()
                step.release = True

    # ----------------------------------------------------------- the result
    def output(self, value: Any) -> Any:
        """A template of the function's result: tensors become slots, the rest constants."""
        if isinstance(value, Tensor):
            if value.grad_fn is not None and not value.grad_fn.released:
                self.refuse("a result that carries a graph (call backward() inside the "
                            "function, or run it under mg.no_grad())")
            return ("tensor", self.slot(value)) if id(_array(value)) in self.slot_of else (
                "const", value)
        if isinstance(value, (tuple, list)):
            return (type(value).__name__, [self.output(v) for v in value])
        if isinstance(value, dict):
            return ("dict", {k: self.output(v) for k, v in value.items()})
        return ("const", value)


def _array(tensor: Tensor) -> np.ndarray:
    """A tensor's array, read without tripping the trace's own numpy() hook."""
    previous = _state.tracer
    _state.tracer = None
    try:
        return tensor.numpy(force=True)
    finally:
        _state.tracer = previous


def _in_slot(tracer: Tracer, value: Any) -> bool:
    return isinstance(value, Tensor) and id(_array(value)) in tracer.slot_of
