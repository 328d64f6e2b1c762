"""``mg.autograd.Function``, the class you subclass for an op of your own: its ``forward``
and ``backward`` receive and return Tensors, as PyTorch's ``torch.autograd.Function`` does.

minigrad's built-in ops subclass ``function.Function`` instead, whose ``forward`` and
``backward`` run on NumPy arrays with nothing wrapped per call. This subclass puts a thin
layer around yours: arrays in, Tensors (that share the arrays' memory and need no grad) to
your code; Tensors back, arrays out. NumPy functions take Tensors too (``np.exp(x)``
returns an array), so code written either way works::

    class MyReLU(mg.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return input.clamp(min=0)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            grad_input = grad_output.clone()
            grad_input[input < 0] = 0  # d relu(x)/dx = 0 where x < 0, 1 elsewhere
            return grad_input
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from .._tensor import Tensor
from . import function
from .grad_mode import no_grad
from .node import Node


def _tensor(value: Any) -> Any:
    return Tensor._make(value, False, None) if isinstance(value, np.ndarray) else value


def _array(value: Any) -> Any:
    return value._array if isinstance(value, Tensor) else value


class FunctionCtx(Node):
    """The ``ctx`` of a ``Function`` you wrote: ``saved_tensors`` gives Tensors."""

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        saved = Node.saved_tensors.fget(self)  # the checks: released graph, in-place writes
        return saved if self.create_graph else tuple(_tensor(v) for v in saved)

    def mark_non_differentiable(self, *outputs: Any) -> None:
        """Accepted for PyTorch's sake; a minigrad Function has one float output, which
        is differentiable."""

    def set_materialize_grads(self, value: bool) -> None:
        """Accepted for PyTorch's sake: backward always gets a gradient array."""


def _tensor_forward(forward: Callable[..., Any], name: str) -> Callable[..., Any]:
    @functools.wraps(forward)
    def run(ctx: Node, *args: Any, **kwargs: Any) -> Any:
        with no_grad():  # as in PyTorch: forward's own ops are not recorded
            out = forward(ctx, *(_tensor(a) for a in args), **kwargs)
        if isinstance(out, tuple | list):
            raise TypeError(f"{name}.forward returned {len(out)} values; a minigrad Function "
                            "returns one tensor (split the op in two, or stack the results)")
        if ctx._saved:  # keep arrays: the graph checks versions and rebuilds Tensors from them
            ctx._saved = tuple(_array(v) for v in ctx._saved)
        return _array(out)

    run._tensor_facing = True
    return run


def _tensor_backward(backward: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(backward)
    def run(ctx: Node, grad: Any) -> Any:
        if ctx.create_graph:  # already Tensors, recorded: keep them so the graph connects
            return backward(ctx, grad)
        grads = backward(ctx, _tensor(grad))
        if isinstance(grads, tuple | list):
            return tuple(_array(g) for g in grads)
        return _array(grads)

    run._tensor_facing = True
    return run


class Function(function.Function):
    """Base class of an op you write (PyTorch's ``torch.autograd.Function``).

    Write ``forward(ctx, *args)`` returning one Tensor and ``backward(ctx, grad_output)``
    returning one gradient per positional argument of ``forward`` (None where there is
    none), both as static methods; call the op with ``MyOp.apply(*args)``. Tensor
    arguments arrive as Tensors that need no grad (the recording happens around your
    code); ``ctx.save_for_backward(*tensors)`` keeps what backward needs and
    ``ctx.saved_tensors`` gives it back; ``ctx.needs_input_grad`` says which inputs want a
    gradient. Mark a backward that cannot itself be differentiated with
    ``@once_differentiable`` (on the class or on ``backward``).

    >>> import minigrad as mg
    >>> class Square(mg.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x * x
    ...     @staticmethod
    ...     def backward(ctx, grad):
    ...         (x,) = ctx.saved_tensors
    ...         return 2 * x * grad  # d x^2/dx = 2x
    >>> x = mg.tensor([1.0, 3.0], requires_grad=True)
    >>> Square.apply(x).sum().backward()
    >>> x.grad
    tensor([2., 6.])
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._node_type = type(f"{cls.__name__}Backward", (FunctionCtx,), {"fn": cls})
        own = cls.__dict__
        if "forward" in own and not getattr(cls.forward, "_tensor_facing", False):
            cls.forward = staticmethod(_tensor_forward(cls.forward, cls.__name__))
        if "backward" in own and not getattr(cls.backward, "_tensor_facing", False):
            if getattr(cls.backward, "once_differentiable", False):
                cls.once_differentiable = True
            cls.backward = staticmethod(_tensor_backward(cls.backward))
