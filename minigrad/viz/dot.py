"""``to_dot``: the graph that produced a tensor, as Graphviz DOT text.

The walk reads only the public graph: ``t.grad_fn``, ``node.next_functions``
(``(function, 0)`` pairs, a leaf seen as ``AccumulateGrad`` with ``.variable``),
``node.out_shape`` / ``node.out_dtype``, and ``node.retained`` (set by
``retain_grad()``). It is breadth first from the output with an explicit
queue, so it never recurses, and it stops at ``max_nodes``, leaving a note
node where the picture was cut.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import numpy as np

from .._tensor import Tensor
from ..autograd.node import Node
from .labels import names_from

TENSOR_STYLE = 'shape=box, style="rounded,filled", fillcolor=white'
PARAM_STYLE = 'shape=box, style="rounded,filled", fillcolor=lightblue'
OUTPUT_STYLE = 'shape=box, style="rounded,filled", fillcolor=palegreen'
OP_STYLE = 'shape=ellipse, style=filled, fillcolor=lightgrey'
NOTE_STYLE = 'shape=note, style=filled, fillcolor=lightyellow'
# Above LARGE boxes, cap Graphviz's layout iterations: a tensor used by ops far apart
# (a weight read at every step of a chain) otherwise makes `dot` take minutes
LARGE = 100
FAST_LAYOUT = ["  nslimit=1;", "  nslimit1=1;", "  mclimit=0.1;"]


def quote(text: str) -> str:
    """``text`` as a DOT string literal; newlines become DOT's ``\\n`` line breaks."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def header(rankdir: str) -> list[str]:
    if rankdir not in ("TB", "LR", "BT", "RL"):
        raise ValueError(f"rankdir must be 'TB', 'LR', 'BT' or 'RL', got {rankdir!r}")
    return ["digraph minigrad {", f"  rankdir={rankdir};",
            '  node [fontname="Helvetica", fontsize=10];', '  edge [color="#555555"];']


def describe_shape(shape: tuple[int, ...], dtype: Any) -> str:
    return f"{tuple(shape)} {np.dtype(dtype).name}"


def _values(tensor: Tensor | None) -> str:
    array = tensor.detach().numpy()
    return np.array2string(array, separator=", ", formatter={"float_kind": _number})


def _number(value: float) -> str:
    return f"{value:.4g}"


def _tensor_label(name: str | None, shape: tuple[int, ...], dtype: Any, tensor: Tensor | None,
                  show_data: bool, show_grad: bool, max_values: int) -> str:
    lines = [name] if name else []
    lines.append(describe_shape(shape, dtype))
    if tensor is not None and tensor.numel() <= max_values:
        if show_data:
            lines.append("data " + _values(tensor))
        if show_grad and tensor.grad is not None:
            lines.append("grad " + _values(tensor.grad))
    return "\n".join(lines)


class _Picture:
    """The DOT lines being written, and the ids given to ops and leaves so far."""

    def __init__(self, roots: list[Tensor], named: dict[int, tuple[Tensor, str]],
                 show_data: bool, show_grad: bool, max_values: int) -> None:
        self.roots = roots
        self.named = named
        self.show_data, self.show_grad, self.max_values = show_data, show_grad, max_values
        self.lines: list[str] = []
        self.ids: dict[int, str] = {}  # id(Node) or id(leaf Tensor) -> DOT id of its tensor box
        self.op_ids: dict[int, str] = {}  # id(Node) -> DOT id of its op ellipse
        self.keep: list[Any] = []  # holds what an id() was taken of, so ids stay unique
        self.count = 0  # DOT nodes written
        # non-leaf tensors whose values are known: named ones, and retain_grad()'s
        self.outputs = {id(t.grad_fn): t for t, _ in named.values() if t.grad_fn is not None}

    def node(self, label: str, style: str) -> str:
        dot_id = f"n{self.count}"
        self.count += 1
        self.lines.append(f"  {dot_id} [label={quote(label)}, {style}];")
        return dot_id

    def edge(self, a: str, b: str, extra: str = "") -> None:
        self.lines.append(f"  {a} -> {b}{extra};")

    def _name(self, tensor: Tensor | None) -> str | None:
        entry = self.named.get(id(tensor)) if tensor is not None else None
        return entry[1] if entry is not None and entry[0] is tensor else None

    def leaf(self, tensor: Tensor, is_output: bool = False) -> str:
        if id(tensor) not in self.ids:
            name = self._name(tensor)
            style = OUTPUT_STYLE if is_output else PARAM_STYLE
            label = _tensor_label(name, tensor.shape, tensor.dtype, tensor, self.show_data,
                                  self.show_grad, self.max_values)
            self.ids[id(tensor)] = self.node(label, style)
            self.keep.append(tensor)
        return self.ids[id(tensor)]

    def op(self, node: Node, output: Tensor | None = None) -> str:
        """The op's box and its output's box (with an edge between); the output's id."""
        if node.released:
            raise RuntimeError(
                f"to_dot: the graph under {node.name()} was freed by backward(). Draw before "
                "backward, or call backward(retain_graph=True) to draw it with gradients"
            )
        if output is None:
            output = self.outputs.get(id(node))
            if output is None and node.retained is not None:
                output = node.retained()
        op_id = self.node(node.name(), OP_STYLE)
        label = _tensor_label(self._name(output), node.out_shape, node.out_dtype, output,
                              self.show_data, self.show_grad, self.max_values)
        out_id = self.node(label, OUTPUT_STYLE if output is not None and self._is_root(output)
                            else TENSOR_STYLE)
        self.edge(op_id, out_id)
        self.ids[id(node)] = out_id
        self.op_ids[id(node)] = op_id
        self.keep.append(node)
        return out_id

    def _is_root(self, tensor: Tensor) -> bool:
        return any(tensor is root for root in self.roots)


def to_dot(tensor: Tensor | list[Tensor] | tuple[Tensor, ...], show_data: bool = True,
           show_grad: bool = True, params: Any = None, max_nodes: int = 400,
           max_values: int = 6, rankdir: str = "TB") -> str:
    """Graphviz DOT text of the graph that produced ``tensor`` (or each of a list).

    One box per tensor (its name, shape and dtype; for tensors of at most
    ``max_values`` elements whose values are at hand, the values and the
    gradient), one ellipse per op (its ``grad_fn`` name), edges in the
    direction data flows: inputs -> op -> output. Leaves that require grad
    are blue, the output green. Inputs that need no gradient are not part of
    the graph and are not drawn (as in PyTorch).

    Names come from ``params`` (a dict name -> Tensor, or a Module whose
    ``named_parameters()`` are used) and from :func:`label`. Values of an
    intermediate tensor are shown when it was named that way or called
    ``retain_grad()``. Gradients exist only after ``backward``, which frees
    the graph: call ``backward(retain_graph=True)`` before drawing them.

    Stops after ``max_nodes`` boxes and ellipses (nearest the output first) and
    adds a note where the picture was cut; draw a model module by module with
    ``draw(model, path, input=x)``. Returns the DOT text (no dependency needed).

    >>> import minigrad as mg
    >>> w = mg.tensor([2.0], requires_grad=True)
    >>> loss = (w * 3.0).sum()
    >>> print(mg.viz.to_dot(loss, params={"w": w}))  # doctest: +ELLIPSIS
    digraph minigrad {
    ...
      n0 [label="SumBackward", ...];
    ...
    """
    roots = list(tensor) if isinstance(tensor, list | tuple) else [tensor]
    for root in roots:
        if not isinstance(root, Tensor):
            raise TypeError(f"to_dot: expected a Tensor (or a list of them), got "
                            f"{type(root).__name__}")
    if not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"to_dot: max_nodes must be a positive int, got {max_nodes!r}")
    picture = _Picture(roots, names_from(params), show_data, show_grad, max_values)
    lines = header(rankdir)
    queue: deque[Node] = deque()
    for root in roots:
        if root.grad_fn is None:
            picture.leaf(root, is_output=True)
        elif id(root.grad_fn) not in picture.ids:
            picture.op(root.grad_fn, output=root)
            queue.append(root.grad_fn)
    cut: dict[str, int] = {}  # op id -> inputs not drawn there
    while queue:
        node = queue.popleft()
        op_id = picture.op_ids[id(node)]
        for function, _ in node.next_functions:
            if function is None:
                continue
            key = id(function.variable) if not isinstance(function, Node) else id(function)
            if key not in picture.ids:
                needed = 2 if isinstance(function, Node) else 1
                if picture.count + needed > max_nodes:
                    cut[op_id] = cut.get(op_id, 0) + 1
                    continue
                if isinstance(function, Node):
                    picture.op(function)
                    queue.append(function)
                else:
                    picture.leaf(function.variable)
            picture.edge(picture.ids[key], op_id)
    if cut:
        note = picture.node(
            f"picture cut at max_nodes={max_nodes}: {sum(cut.values())} more inputs (and "
            "what produced them) not drawn.\nPass a larger max_nodes, or draw the model "
            "module by module: mg.viz.draw(model, path, input=x)", NOTE_STYLE)
        for op_id in cut:
            picture.edge(note, op_id, " [style=dashed]")
    if picture.count > LARGE:
        lines.extend(FAST_LAYOUT)
    return "\n".join(lines + picture.lines + ["}"]) + "\n"
