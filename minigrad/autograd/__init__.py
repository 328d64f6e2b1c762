"""Reverse-mode automatic differentiation: the graph, backward, grad mode, gradcheck.

The modules import in one direction, in the order a reader meets them:
``grad_mode`` (is recording on, per thread), ``node`` (a recorded op: the
``ctx``), ``engine`` (the backward walk over nodes), then ``minigrad._tensor``
(the Tensor, whose ``backward`` calls the engine), then ``function`` (the base
of every op: runs ``forward`` and records a node for each output Tensor), and
last ``functional`` and ``gradcheck``, which use Tensors.
"""

from . import grad_mode, node, engine  # noqa: I001  (the order above: before function)
from . import graph
from .function import Function
from .functional import grad
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import gradcheck
from .node import Node


def once_differentiable(cls: type[Function]) -> type[Function]:
    """Mark a Function whose backward can't itself be differentiated (create_graph refuses it)."""
    cls.once_differentiable = True
    return cls


__all__ = [
    "Function",
    "Node",
    "enable_grad",
    "grad",
    "gradcheck",
    "graph",
    "is_grad_enabled",
    "no_grad",
    "once_differentiable",
    "set_grad_enabled",
]
