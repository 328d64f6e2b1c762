"""Guards: what must be the same for a recorded program to be replayed.

A signature is a hashable summary of one call: for each tensor argument its shape,
dtype and ``requires_grad``; Python numbers and strings by value (arguments, and the
ones the function reads from its closure or the globals it names: a learning rate in a
global variable); modules and other objects by identity; the settings (training mode,
and any other attribute holding a Python number or string, like dropout's ``p``) of
every module the function can reach (through its arguments, its closure, the globals it
names, or one attribute deep into an object it holds, like a trainer's ``model``); and
whether grad mode is on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import is_grad_enabled
from ..nn.modules.module import Module
from ..optim.optimizer import Optimizer

_SCALARS = (int, float, bool, str, bytes, type(None), complex)


def spec(value: Any) -> Any:
    """The part of the signature one argument contributes."""
    if isinstance(value, Tensor):
        return ("T", value.shape, value.dtype.str, value.requires_grad)
    if isinstance(value, _SCALARS):
        return (type(value).__name__, value)
    if isinstance(value, (tuple, list)):
        return (type(value).__name__, tuple(spec(v) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple((k, spec(v)) for k, v in value.items()))
    if isinstance(value, np.ndarray):
        raise Unguardable("a NumPy array argument (its values would be recorded as a "
                          "constant: pass mg.from_numpy(array))")
    return ("id", id(value))


class Unguardable(Exception):
    """An argument a recorded program could not be keyed on: the call runs eagerly."""


def tensors_in(value: Any, out: list[Tensor]) -> list[Tensor]:
    """The tensors in an argument structure (tuples, lists, dicts), in a fixed order."""
    if isinstance(value, Tensor):
        out.append(value)
    elif isinstance(value, (tuple, list)):
        for v in value:
            tensors_in(v, out)
    elif isinstance(value, dict):
        for v in value.values():
            tensors_in(v, out)
    return out


def reachable_modules(fn: Callable[..., Any], args: Any) -> list[Module]:
    """Every module (submodules included, each once) the function can reach."""
    roots: list[Any] = list(_candidates(fn))
    _containers(args, roots)
    found: dict[int, Module] = {}
    for obj in roots:
        for candidate in _with_attributes(obj):
            if isinstance(candidate, Module):
                for m in candidate.modules():
                    found.setdefault(id(m), m)
    return list(found.values())


def closure_scalars(fn: Callable[..., Any]) -> tuple[Any, ...]:
    """The Python numbers and strings ``fn`` reads from its closure and the globals it
    names, by value: a trace bakes them into the program, so a new value traces again."""
    return tuple(spec(v) for v in _candidates(fn) if isinstance(v, _SCALARS))


ModuleSettings = list[tuple[dict[str, Any], tuple[str, ...]]]


def module_settings(modules: list[Module]) -> ModuleSettings:
    """Where each module keeps its settings: the names of its attributes that hold Python
    numbers, strings or None (``training``, dropout's ``p``, an ``eps``), found once."""
    return [(vars(m), tuple(k for k, v in vars(m).items() if isinstance(v, _SCALARS)))
            for m in modules]


def settings_values(settings: ModuleSettings) -> tuple[Any, ...]:
    """The current values of those settings: a trace bakes them into the program."""
    return tuple(attrs.get(name) for attrs, names in settings for name in names)


def signature(args: tuple[Any, ...], kwargs: dict[str, Any],
              modules: list[Module]) -> tuple[Any, ...]:
    return (is_grad_enabled(), spec(args), spec(kwargs),
            settings_values(module_settings(modules)))


def _candidates(fn: Callable[..., Any]) -> Iterator[Any]:
    """Objects a function holds: bound ``self``, closure cells, globals it names."""
    owner = getattr(fn, "__self__", None)
    if owner is not None:
        yield owner
    fn = getattr(fn, "__func__", fn)
    for cell in getattr(fn, "__closure__", None) or ():
        try:
            yield cell.cell_contents
        except ValueError:  # an empty cell
            continue
    code = getattr(fn, "__code__", None)
    names = getattr(fn, "__globals__", {})
    for name in code.co_names if code is not None else ():
        if name in names:
            yield names[name]


def _containers(value: Any, out: list[Any]) -> None:
    if isinstance(value, (tuple, list)):
        for v in value:
            _containers(v, out)
    elif isinstance(value, dict):
        for v in value.values():
            _containers(v, out)
    elif not isinstance(value, (Tensor, *_SCALARS)):
        out.append(value)


def _with_attributes(obj: Any) -> Iterator[Any]:
    """The object, and (for a plain object that is not a module or optimizer) its attributes."""
    yield obj
    if isinstance(obj, (Module, Optimizer, type)) or not hasattr(obj, "__dict__"):
        return
    for value in list(vars(obj).values()):
        if isinstance(value, Module):
            yield value
