"""``module_to_dot``: a model's forward pass drawn one box per module.

A model's op graph has thousands of nodes; this picture has one box per module
at a chosen depth. Forward hooks record each call's input and output tensors;
the op graph between one module's output and the next module's input (a
residual ``+``, a reshape written in ``forward``) is walked back, iteratively,
only as far as the nearest output of another module, to draw the edge.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .._tensor import Tensor
from ..autograd.grad_mode import enable_grad
from ..autograd.node import Node
from ..nn import Module, ModuleDict, ModuleList
from .dot import NOTE_STYLE, OUTPUT_STYLE, PARAM_STYLE, describe_shape, header, quote

MODULE_STYLE = 'shape=box, style="rounded,filled", fillcolor=lightblue'
UNCALLED_STYLE = 'shape=box, style="rounded,dashed"'


@contextmanager
def evaluating(model: Module) -> Iterator[None]:
    """``model.eval()`` inside the block; every module's own mode restored after."""
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for module, mode in modes:
            module.training = mode


def tensors_in(value: Any) -> list[Tensor]:
    """The tensors in a module's arguments or output (a Tensor, or tuples/lists/dicts of them)."""
    found, stack = [], [value]
    while stack:
        item = stack.pop()
        if isinstance(item, Tensor):
            found.append(item)
        elif isinstance(item, list | tuple):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
    return found


def units(model: Module, depth: int) -> list[tuple[str, Module]]:
    """The modules drawn as boxes: those at ``depth`` and childless ones above it;
    a ModuleList/ModuleDict (never called itself) is replaced by its children."""
    chosen, stack = [], [("", model, 0)]
    while stack:
        name, module, level = stack.pop()
        children = [(f"{name}.{k}" if name else k, child)
                    for k, child in module.named_children()]
        container = isinstance(module, ModuleList | ModuleDict)
        if children and (level < depth or container):
            stack.extend((n, c, level + (0 if container else 1)) for n, c in reversed(children))
        else:
            chosen.append((name or type(module).__name__, module))
    return chosen


def module_to_dot(model: Module, input: Any, depth: int = 1, rankdir: str = "TB") -> str:
    """DOT text of ``model(input)`` with one box per module at ``depth`` (1: the model's
    children), edges where one module's output feeds another, and ``input`` /
    ``output`` boxes. ``input`` is a Tensor or a tuple of positional arguments.
    Runs one forward in eval mode (each module's mode restored after).

    >>> import minigrad as mg, minigrad.nn as nn
    >>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    >>> dot = mg.viz.module_to_dot(model, mg.randn(3, 4))
    >>> "Linear" in dot and "ReLU" in dot
    True
    """
    if not isinstance(model, Module):
        raise TypeError(f"module_to_dot: expected a Module, got {type(model).__name__}")
    if not isinstance(depth, int) or depth < 1:
        raise ValueError(f"module_to_dot: depth must be an int >= 1, got {depth!r}")
    args = input if isinstance(input, tuple) else (input,)
    boxes = units(model, depth)
    calls: list[tuple[str, Module, list[Tensor], list[Tensor]]] = []

    def record(name: str) -> Any:
        def hook(module: Module, hook_args: Any, output: Any) -> None:
            calls.append((name, module, tensors_in(hook_args), tensors_in(output)))
        return hook

    handles = [module.register_forward_hook(record(name)) for name, module in boxes]
    try:
        with evaluating(model), enable_grad():
            output = model(*args)
    finally:
        for handle in handles:
            handle.remove()
    return _write(model, boxes, calls, tensors_in(args), tensors_in(output), rankdir)


def _write(model: Module, boxes: list[tuple[str, Module]], calls: list[Any],
           inputs: list[Tensor], outputs: list[Tensor], rankdir: str) -> str:
    lines = header(rankdir)
    producer: dict[int, str] = {}  # id(tensor) or id(grad_fn) -> DOT id that made it
    for k, t in enumerate(inputs):
        producer[id(t)] = f"in{k}"
        lines.append(f"  in{k} [label={quote('input' + chr(10) + _shape(t))}, {PARAM_STYLE}];")
    counts: dict[str, int] = {}
    for name, _, _, _ in calls:
        counts[name] = counts.get(name, 0) + 1
    seen: dict[str, int] = {}
    called = set()
    for k, (name, module, _, outs) in enumerate(calls):
        called.add(id(module))
        seen[name] = seen.get(name, 0) + 1
        title = name if counts[name] == 1 else f"{name} (call {seen[name]})"
        shapes = ", ".join(_shape(t) for t in outs) or "no tensor output"
        n_params = sum(p.numel() for p in module.parameters())
        label = f"{title}\n{type(module).__name__}\nout: {shapes}\n{n_params:,} params"
        lines.append(f"  m{k} [label={quote(label)}, {MODULE_STYLE}];")
    owner = {}  # id(parameter) -> DOT id of a module box never called (its weight used directly)
    for j, (name, module) in enumerate(boxes):
        if id(module) not in called and any(True for _ in module.parameters()):
            label = f"{name}\n{type(module).__name__}\n(weights used directly)"
            lines.append(f"  u{j} [label={quote(label)}, {UNCALLED_STYLE}];")
            owner.update((id(p), f"u{j}") for p in module.parameters())
    edges: list[str] = []
    for k, (_, _, ins, outs) in enumerate(calls):  # in call order: a module whose output is
        sources = _sources(ins, producer, owner)  # its input (Dropout in eval) links back
        edges.extend(f"  {s} -> m{k};" for s in sources)
        for t in outs:
            producer[id(t)] = f"m{k}"
            if t.grad_fn is not None:
                producer[id(t.grad_fn)] = f"m{k}"
    for k, t in enumerate(outputs):
        lines.append(f"  out{k} [label={quote('output' + chr(10) + _shape(t))}, {OUTPUT_STYLE}];")
        edges.extend(f"  {s} -> out{k};" for s in _sources([t], producer, owner))
    if not calls:
        lines.append(f"  note [label={quote('no module at this depth was called')}, "
                     f"{NOTE_STYLE}];")
    return "\n".join(lines + list(dict.fromkeys(edges)) + ["}"]) + "\n"


def _shape(t: Tensor) -> str:
    return describe_shape(t.shape, t.dtype)


def _sources(tensors: list[Tensor], producer: dict[int, str], owner: dict[int, str]) -> list[str]:
    """The boxes whose outputs reach ``tensors``: walk back through the op graph, stopping
    at the first tensor a box produced (explicit stack; each node visited once)."""
    found: list[str] = []
    stack: list[Any] = []
    for t in tensors:
        if id(t) in producer:
            found.append(producer[id(t)])
        elif t.grad_fn is not None:
            stack.append(t.grad_fn)
    visited = set()
    while stack:
        node = stack.pop()
        if id(node) in visited:
            continue
        visited.add(id(node))
        if id(node) in producer:
            found.append(producer[id(node)])
            continue
        for function, _ in node.next_functions:
            if isinstance(function, Node):
                stack.append(function)
            elif function is not None:
                key = id(function.variable)
                if key in producer:
                    found.append(producer[key])
                elif key in owner:
                    found.append(owner[key])
    return list(dict.fromkeys(found))
