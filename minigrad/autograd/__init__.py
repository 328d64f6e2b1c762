"""Reverse-mode automatic differentiation: the graph, backward, grad mode, gradcheck.

The modules import in one direction, in the order a reader meets them:
``grad_mode`` (is recording on, per thread), ``node`` (a recorded op: the
``ctx``), ``engine`` (the backward walk over nodes), then ``minigrad._tensor``
(the Tensor, whose ``backward`` calls the engine), then ``function`` (the base
of every op: runs ``forward`` and records a node for each output Tensor),
``custom_function`` (the public ``Function``, whose forward and backward see Tensors), and
last ``functional`` (``grad``), ``finite_differences`` (``gradcheck``) and ``variable``
(PyTorch's old ``Variable``), which use Tensors.

The names from ``function``, ``functional`` and ``finite_differences`` are loaded on
first use (``__getattr__`` below): they sit above ``Tensor``, and ``Tensor``
imports this package's engine, so importing them here would be a cycle.
"""

from importlib import import_module as _import_module
from typing import Any as _Any

from . import engine, grad_mode, graph, node
from .grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .node import Node

_ABOVE_TENSOR = {
    "Function": "custom_function",
    "once_differentiable": "function",
    "grad": "functional",
    "gradcheck": "finite_differences",
    "Variable": "variable",
}


def __getattr__(name: str) -> _Any:
    if name in ("functional", "function", "finite_differences", "variable"):
        return _import_module(f".{name}", __name__)  # torch.autograd.functional.jacobian
    if name in _ABOVE_TENSOR:
        value = getattr(_import_module(f".{_ABOVE_TENSOR[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'minigrad.autograd' has no attribute {name!r}")


__all__ = [
    "Function",
    "Node",
    "enable_grad",
    "engine",
    "grad",
    "grad_mode",
    "gradcheck",
    "graph",
    "inference_mode",
    "is_grad_enabled",
    "is_inference_mode_enabled",
    "no_grad",
    "node",
    "once_differentiable",
    "set_grad_enabled",
    "Variable",
]
