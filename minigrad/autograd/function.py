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

``Exp.apply(t)`` runs ``forward`` on ``t``'s array and, when ``t`` requires
grad and grad mode is on, records a ``Node`` (the ``ctx``, which becomes the
output's ``grad_fn``).

A backward formula calls NumPy functions through ``ctx.xp`` (``ctx.xp.cos(x)``,
not ``np.cos(x)``): that is NumPy in an ordinary backward and minigrad's ops
under ``create_graph=True``, so the same formula gives second derivatives.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from .._tensor import Tensor
from .grad_mode import _state
from .node import Node


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
        backward = cls.__dict__.get("backward")
        if getattr(getattr(backward, "__func__", backward), "once_differentiable", False):
            cls.once_differentiable = True  # @once_differentiable on backward, as in PyTorch

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Tensor:
        """Run ``forward`` on the arguments' arrays and record the op if it needs a gradient."""
        if _state.tracer is not None:  # mg.compile is recording (minigrad/compile/trace.py)
            return _state.tracer.apply(cls, args, kwargs)
        arrays = []
        record = False
        for a in args:
            if isinstance(a, Tensor):
                arrays.append(a._array)
                if a._requires_grad:
                    record = True
            else:
                arrays.append(a)
        if record and _state.enabled:
            return _record(cls, args, arrays, kwargs)
        try:
            out = cls.forward(Node(), *arrays, **kwargs)  # a throwaway ctx: nothing is kept
        except (ValueError, TypeError, IndexError) as exc:
            raise _explain(cls, exc, args) from exc
        if type(out) is not np.ndarray:
            out = np.asarray(out)
        result = Tensor._make(out, False, None)
        if out.base is not None:
            _note_view(result, args)
        return result

    @classmethod
    def begin_graph_backward(cls, ctx: Node) -> None:
        """Switch ``ctx`` to recording mode for a ``create_graph`` backward: saved values
        as Tensors, ``ctx.xp`` as minigrad's namespace. Refuses a once-differentiable op."""
        if cls.once_differentiable:
            raise RuntimeError(
                f"{ctx.name()}: this op's backward is not differentiable (it is fused for "
                "speed), so create_graph=True cannot record it"
            )
        from ..ops import xp  # lazy: the ops are built on this module

        ctx._saved_as_tensors = tuple(_saved_as_tensor(ctx, value) for value in ctx._saved)
        ctx.xp = xp
        ctx.create_graph = True

    @staticmethod
    def end_graph_backward(ctx: Node) -> None:
        """Back to plain mode, so a later ordinary backward sees arrays again."""
        ctx._saved_as_tensors = ()
        ctx.xp = np
        ctx.create_graph = False


def _record(cls: type[Function], args: Any, arrays: list[Any], kwargs: Any) -> Tensor:
    """Run forward with a fresh Node as ctx and link the output into the graph."""
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
        out = cls.forward(ctx, *arrays, **kwargs)
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
    if out.base is not None:
        _note_view(result, args)
    if not ctx._saved:
        return result
    # note which inputs were saved, at which version (for the in-place check), and
    # whether the output was (create_graph then hands backward the output Tensor)
    ctx._inputs = args
    sources = []
    for saved in ctx._saved:
        if saved is out:
            ctx._out_data = out
            ctx._out_ref = weakref.ref(result)
            continue
        for a in args:
            if isinstance(a, Tensor) and a._array is saved:
                sources.append((a, a._version))
                break
    ctx._saved_sources = sources
    return result


def _note_view(result: Tensor, args: Any) -> None:
    """When an op's output shares memory with an input (``x[0]``, ``x.T``, a reshape),
    remember the tensor that owns the memory, so that an in-place write into the view
    can be refused where autograd would miss it (``Tensor._check_inplace``)."""
    for a in args:
        if isinstance(a, Tensor) and np.may_share_memory(result._array, a._array):
            base = getattr(a, "_base", None)
            result._base = a if base is None else base
            return


def _saved_as_tensor(ctx: Node, value: Any) -> Any:
    """A saved array as the Tensor it came from (an input, or the output), so that a
    recorded backward connects to the graph; other arrays become constants."""
    if not isinstance(value, np.ndarray):
        return value
    for tensor in ctx._inputs:
        if isinstance(tensor, Tensor) and tensor._array is value:
            return tensor
    if value is ctx._out_data:
        out = ctx._out_ref() if ctx._out_ref is not None else None
        return out if out is not None else Tensor._make(value, True, ctx)
    return Tensor._make(value, False, None)


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


def once_differentiable(target: Any) -> Any:
    """Mark a Function whose backward can't itself be differentiated (create_graph refuses
    it): decorate the class, or its ``backward`` as PyTorch does (under ``@staticmethod``)."""
    target.once_differentiable = True
    return target
