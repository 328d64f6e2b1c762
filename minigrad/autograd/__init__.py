"""Reverse-mode automatic differentiation: the graph, backward, grad mode, gradcheck."""

from . import graph
from .function import Function, Node
from .functional import grad
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import gradcheck


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
