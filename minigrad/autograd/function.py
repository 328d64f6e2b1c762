"""``Function``: one differentiable primitive, its forward and backward side by side.

A primitive subclasses ``Function`` and writes two static methods on NumPy
arrays::

    class Exp(Function):
        @staticmethod
        def forward(ctx, x):
            out = np.exp(x)
            ctx.save_for_backward(out)
            return out

        @staticmethod
        def backward(ctx, grad):
            (out,) = ctx.saved_tensors
            return grad * out  # d exp(x)/dx = exp(x)

``Exp.apply(t)`` runs ``forward`` on ``t.data`` and, when ``t`` requires grad
and grad mode is on, records a ``Node`` (the output's ``grad_fn``).

Backward formulas are written once with operators and NumPy functions. In an
ordinary backward they run on arrays; under ``create_graph=True`` the same
formulas run on Tensors (Tensor implements NumPy's dispatch protocols), so the
backward pass is itself recorded and can be differentiated again.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from .grad_mode import _state


class Node:
    """A recorded operation: the ``ctx`` of its Function and the output's ``grad_fn``.

    ``parents[i]`` says where the gradient of input ``i`` goes: the input's own
    ``Node`` (non-leaf), the input Tensor itself (a leaf that requires grad), or
    None (no gradient needed).
    """

    # defaults live on the class so that recording an op sets only what it needs
    parents: tuple[Any, ...] = ()
    needs_input_grad: tuple[bool, ...] = ()
    out_shape: tuple[int, ...] = ()
    out_dtype: np.dtype | None = None
    hooks: tuple[Any, ...] | list[Any] = ()
    retained: Any = None  # weakref to the output Tensor when retain_grad() was called
    released = False
    create_graph = False
    _saved: tuple[Any, ...] = ()
    _saved_sources: tuple[Any, ...] | list[Any] = ()
    _inputs: tuple[Any, ...] = ()
    _out_ref: Any = None
    _out_data: Any = None

    fn: type[Function]  # set on each Function's own Node subclass (e.g. MulBackward)

    def __repr__(self) -> str:
        return f"<{self.name()} object>"

    def name(self) -> str:
        """PyTorch-style name of the backward node, e.g. ``MulBackward``."""
        return type(self).__name__

    @property
    def next_functions(self) -> tuple[Any, ...]:
        """The parents of this node, like PyTorch's ``grad_fn.next_functions``."""
        return self.parents

    def save_for_backward(self, *arrays: Any) -> None:
        """Keep arrays (inputs, the output, or intermediates) for ``backward``."""
        self._saved = arrays

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
                    f"{self.name()}: a tensor of shape {tensor.shape} that backward needs was "
                    f"modified in place after it was saved (version {version} -> "
                    f"{tensor._version}); the gradient would be wrong. Use an out-of-place "
                    "op, or clone() the tensor before modifying it."
                )
        if not self.create_graph:
            return self._saved
        return tuple(self._as_tensor(a) for a in self._saved)

    def _as_tensor(self, array: Any) -> Any:
        from ..tensor import Tensor

        if isinstance(array, Tensor) or not isinstance(array, np.ndarray):
            return array
        for tensor in self._inputs:
            if isinstance(tensor, Tensor) and tensor.data is array:
                return tensor
        if array is self._out_data:
            out = self._out_ref() if self._out_ref is not None else None
            return out if out is not None else Tensor._make(array, True, self)
        return Tensor._make(array, False, None)

    def release(self) -> None:
        """Drop what backward needed, so the memory goes back after backward."""
        self.released = True
        self.parents = ()
        if self._saved:
            self._saved = ()
            self._saved_sources = ()
            self._inputs = ()
            self._out_data = None


class Function:
    """Base class of every differentiable primitive (PyTorch's ``autograd.Function``).

    Subclasses write ``forward(ctx, *args, **kwargs)`` returning an ndarray and
    ``backward(ctx, grad)`` returning one gradient per positional argument
    (None where there is none). Gradients may be in the output's broadcast
    shape: the engine sums them back to each input's shape.
    """

    once_differentiable = False  # True: backward runs on arrays only (no create_graph)
    name = ""  # the public name used in error messages; defaults to the class name, lowercased

    @staticmethod
    def forward(ctx: Node, *args: Any, **kwargs: Any) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Node, grad: Any) -> Any:
        raise NotImplementedError

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # each op gets its own Node type, named like PyTorch's grad_fn classes
        cls._node_type = type(f"{cls.__name__}Backward", (Node,), {"fn": cls})

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` on the arguments' data and record the op if it needs a gradient."""
        Tensor = _tensor_class
        datas = []
        record = False
        for a in args:
            if isinstance(a, Tensor):
                datas.append(a.data)
                if a._requires_grad:
                    record = True
            else:
                datas.append(a)
        if record and _state.enabled:
            return _record(cls, args, datas, kwargs)
        try:
            out = cls.forward(_Unrecorded(), *datas, **kwargs)
        except (ValueError, TypeError, IndexError) as exc:
            raise _explain(cls, exc, args) from exc
        if type(out) is not np.ndarray:
            out = np.asarray(out)
        return Tensor._make(out, False, None)


def _record(cls: type[Function], args: Any, datas: list[Any], kwargs: Any) -> Any:
    """Run forward with a fresh Node as ctx and link the output into the graph."""
    Tensor = _tensor_class
    ctx = cls._node_type()
    needs = []
    parents = []
    for a in args:
        if isinstance(a, Tensor) and a._requires_grad:
            needs.append(True)
            parents.append(a.grad_fn or a)
        else:
            needs.append(False)
            parents.append(None)
    ctx.needs_input_grad = needs
    try:
        out = cls.forward(ctx, *datas, **kwargs)
    except (ValueError, TypeError, IndexError) as exc:
        raise _explain(cls, exc, args) from exc
    if type(out) is not np.ndarray:
        raw, out = out, np.asarray(out)  # NumPy returns scalars for 0-d results
        if ctx._saved:
            ctx._saved = tuple(out if s is raw else s for s in ctx._saved)
    if out.dtype.kind != "f":
        raise TypeError(f"{cls.__name__}: a differentiable op must return floats, got {out.dtype}")
    ctx.parents = parents
    ctx.out_shape = out.shape
    ctx.out_dtype = out.dtype
    result = Tensor._make(out, True, ctx)
    if ctx._saved:
        # remember which inputs were saved, and their versions, for the in-place check
        # and for create_graph (which needs the saved arrays as Tensors again)
        ctx._inputs = args
        sources = []
        for saved in ctx._saved:
            if saved is out:
                ctx._out_data = out
                ctx._out_ref = weakref.ref(result)
                continue
            for a in args:
                if isinstance(a, Tensor) and a.data is saved:
                    sources.append((a, a._version))
                    break
        ctx._saved_sources = sources
    return result


class _Unrecorded(Node):
    """The ctx handed to ``forward`` when nothing will be recorded: saving is a no-op."""

    def save_for_backward(self, *arrays: Any) -> None:
        pass


_tensor_class: Any = None  # set by minigrad.tensor (which imports this module)


def _explain(cls: type[Function], exc: Exception, args: tuple[Any, ...]) -> Exception:
    """Re-word an error from inside ``forward`` so it names the op, shapes and dtypes."""
    name = cls.name or cls.__name__.lower()
    message = str(exc)
    if message.startswith(name + ":"):
        return exc
    described = ", ".join(
        f"{tuple(a.shape)} {a.dtype}" if hasattr(a, "shape") and hasattr(a, "dtype") else repr(a)
        for a in args
    )
    return type(exc)(f"{name}: {message} (inputs: {described})")
