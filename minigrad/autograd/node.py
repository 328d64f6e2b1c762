"""``Node``: one recorded operation in the graph, and the ``ctx`` its Function sees.

Recording an op creates a Node and hands it to the op's ``forward`` as ``ctx``:
``forward`` keeps what ``backward`` will need with ``ctx.save_for_backward``,
and the Node becomes the output's ``grad_fn``. Its ``parents`` say where each
input's gradient goes, so the Nodes reachable from a tensor are the graph the
engine walks.

Backward mode is explicit on the ctx. In an ordinary backward, ``grad`` and
``ctx.saved_tensors`` are NumPy arrays and ``ctx.xp`` is NumPy. Under
``backward(create_graph=True)`` they are Tensors and ``ctx.xp`` is minigrad's
NumPy-named namespace (``minigrad.ops.xp``), so the same formula, written
with operators and ``ctx.xp`` functions, is itself recorded. ``ctx.create_graph``
says which mode is on, for fused ops whose plain backward is a kernel.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np


class Node:
    """A recorded operation: the ``ctx`` of its Function and the output's ``grad_fn``.

    ``parents[i]`` says where the gradient of input ``i`` goes: the input's own
    ``Node`` (non-leaf), the input Tensor itself (a leaf that requires grad), or
    None (no gradient needed).
    """

    # defaults live on the class so that recording an op sets only what it needs
    parents: tuple[Any, ...] | list[Any] = ()
    needs_input_grad: tuple[bool, ...] | list[bool] = ()
    out_shape: tuple[int, ...] = ()
    out_dtype: np.dtype | None = None
    hooks: tuple[Any, ...] | list[Any] = ()
    retained: Any = None  # weakref to the output Tensor when retain_grad() was called
    released = False
    create_graph = False  # True while backward runs on Tensors (create_graph=True)
    xp: ModuleType = np  # the array namespace backward formulas call: NumPy, or minigrad.ops.xp
    _saved: tuple[Any, ...] = ()
    _saved_sources: tuple[Any, ...] | list[Any] = ()  # (input Tensor, its version when saved)
    _saved_as_tensors: tuple[Any, ...] = ()  # the saved values as Tensors, under create_graph
    _inputs: tuple[Any, ...] = ()
    _out_ref: Any = None  # weakref to the output Tensor, when the output itself was saved
    _out_data: Any = None

    fn: type  # the Function this node records (each Function has its own Node subclass)

    def __repr__(self) -> str:
        return f"<{self.name()} object>"

    def name(self) -> str:
        """PyTorch-style name of the backward node, e.g. ``MulBackward``."""
        return type(self).__name__

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        """One ``(function, 0)`` pair per input, as PyTorch's ``grad_fn.next_functions``:
        the input's ``Node``, an ``AccumulateGrad`` whose ``.variable`` is the input (a
        leaf that requires grad), or None (no gradient needed). Empty once released."""
        return tuple(
            (p if p is None or isinstance(p, Node) else AccumulateGrad(p), 0)
            for p in self.parents
        )

    def save_for_backward(self, *values: Any) -> None:
        """Keep arrays (inputs, the output, or intermediates) for ``backward``."""
        self._saved = values

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        """The saved values: arrays in a plain backward, Tensors under ``create_graph``.

        Raises RuntimeError if the graph was released, or if a saved tensor was
        modified in place after it was saved.
        """
        if not (self.released or self._saved_sources or self.create_graph):
            return self._saved
        if self.released:
            raise RuntimeError(
                f"{self.name()}: the saved values were freed after the first backward. "
                "Call backward(retain_graph=True) the first time to backward through "
                "the graph again."
            )
        for tensor, version in self._saved_sources:
            if tensor._version != version:
                raise RuntimeError(
                    f"{self.name()}: one of the variables needed for gradient computation "
                    f"has been modified by an inplace operation: a tensor of shape "
                    f"{tensor.shape} was modified in place after it was saved (version "
                    f"{version} -> {tensor._version}). Use an out-of-place op, or clone() "
                    "the tensor before modifying it."
                )
        return self._saved_as_tensors if self.create_graph else self._saved

    def release(self) -> None:
        """Drop what backward needed, so the memory goes back after backward."""
        self.released = True
        self.parents = ()
        if self._saved:
            self._saved = ()
            self._saved_sources = ()
            self._saved_as_tensors = ()
            self._inputs = ()
            self._out_data = None


class AccumulateGrad:
    """The end of a path in ``next_functions``: the gradient goes into ``variable.grad``.

    Made on each access (compare two by their ``variable``), as a read-only view of
    the graph for tools that walk it (``minigrad.viz``); the engine does not use it.
    """

    next_functions: tuple[tuple[Any, int], ...] = ()

    def __init__(self, variable: Any) -> None:
        self.variable = variable

    def __repr__(self) -> str:
        return "<AccumulateGrad object>"

    def name(self) -> str:
        return "AccumulateGrad"
