"""Names for tensors in the pictures: ``label(t, "x")`` and the ``params`` argument.

A label is kept beside the tensor (a weak reference: labelling keeps nothing
alive) rather than on it, so ``Tensor`` carries no drawing state.
"""

from __future__ import annotations

import weakref
from typing import Any

from .._tensor import Tensor

_labels: dict[int, tuple[weakref.ref, str]] = {}


def label(tensor: Tensor, name: str) -> Tensor:
    """Give ``tensor`` a name that :func:`to_dot` and :func:`draw` show; returns ``tensor``.

    Works for leaves and for intermediate results, so it can wrap an expression:

    >>> import minigrad as mg
    >>> w = mg.viz.label(mg.tensor([2.0], requires_grad=True), "w")
    >>> h = mg.viz.label(w * 3.0, "h")
    >>> mg.viz.label_of(h)
    'h'
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"label: expected a Tensor, got {type(tensor).__name__}")
    if not isinstance(name, str) or not name:
        raise ValueError(f"label: name must be a non-empty string, got {name!r}")
    key = id(tensor)
    ref = weakref.ref(tensor, lambda _ref, key=key: _forget(key, _ref))
    _labels[key] = (ref, name)
    return tensor


def label_of(tensor: Tensor) -> str | None:
    """The name given to ``tensor`` with :func:`label`, or None."""
    entry = _labels.get(id(tensor))
    if entry is None or entry[0]() is not tensor:
        return None
    return entry[1]


def labelled() -> list[tuple[Tensor, str]]:
    """Every live labelled tensor with its name."""
    alive = []
    for ref, name in list(_labels.values()):
        tensor = ref()
        if tensor is not None:
            alive.append((tensor, name))
    return alive


def _forget(key: int, ref: weakref.ref) -> None:
    entry = _labels.get(key)
    if entry is not None and entry[0] is ref:
        del _labels[key]


def names_from(params: Any) -> dict[int, tuple[Tensor, str]]:
    """``params`` (None, a dict name -> Tensor, or a Module) as id -> (tensor, name),
    with :func:`label` names on top (an explicit label wins)."""
    named: dict[int, tuple[Tensor, str]] = {}
    if params is None:
        items: Any = ()
    elif isinstance(params, dict):
        items = params.items()
    elif hasattr(params, "named_parameters"):
        items = params.named_parameters()
    else:
        raise TypeError(f"params: expected None, a dict of name -> Tensor or a Module, got "
                        f"{type(params).__name__}")
    for name, tensor in items:
        if not isinstance(tensor, Tensor):
            raise TypeError(f"params: {name!r} is a {type(tensor).__name__}, not a Tensor")
        named[id(tensor)] = (tensor, str(name))
    for tensor, name in labelled():
        named[id(tensor)] = (tensor, name)
    return named
