"""``ParameterList`` and ``ParameterDict``: parameters held in a list or a dict and still
registered (a plain list's are not), named "0", "1", ... or by their keys."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..._tensor import Tensor
from ..parameter import Parameter
from .container import _index
from .module import Module


def _as_parameter(value: Any, where: str) -> Parameter:
    """A Parameter as it is; any other Tensor wrapped as one (as PyTorch does)."""
    if isinstance(value, Parameter):
        return value
    if isinstance(value, Tensor):
        return Parameter(value)
    raise TypeError(f"{where}: expected a Parameter or a Tensor, got {type(value).__name__}")


class ParameterList(Module):
    """A list of parameters, registered as "0", "1", ... (plain tensors become Parameters).

    >>> import minigrad as mg, minigrad.nn as nn
    >>> scales = nn.ParameterList([nn.Parameter(mg.ones(2)) for _ in range(3)])
    >>> scales.append(mg.zeros(2))
    ParameterList(length=4)
    >>> [name for name, _ in scales.named_parameters()]
    ['0', '1', '2', '3']
    """

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        if values is not None:
            self.extend(values)

    def __getitem__(self, idx: int | slice) -> Any:
        values = list(self._parameters.values())
        if isinstance(idx, slice):
            return type(self)(values[idx])
        return values[_index(idx, len(values), "ParameterList")]

    def __setitem__(self, idx: int, value: Any) -> None:
        i = _index(idx, len(self), "ParameterList")
        self.register_parameter(str(i), _as_parameter(value, "ParameterList"))

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Parameter]:
        return iter(self._parameters.values())

    def __iadd__(self, values: Iterable[Any]) -> ParameterList:
        return self.extend(values)

    def append(self, value: Any) -> ParameterList:
        self.register_parameter(str(len(self)), _as_parameter(value, "ParameterList"))
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        if isinstance(values, Tensor) or not isinstance(values, Iterable):
            raise TypeError(f"ParameterList.extend should be called with an iterable of "
                            f"parameters, got {type(values).__name__}")
        for value in values:
            self.append(value)
        return self

    def extra_repr(self) -> str:
        return f"length={len(self)}"


class ParameterDict(Module):
    """A dict of parameters, registered under their keys, in insertion order.

    >>> import minigrad as mg, minigrad.nn as nn
    >>> p = nn.ParameterDict({"scale": nn.Parameter(mg.ones(2)), "shift": mg.zeros(2)})
    >>> list(p.keys()), type(p["shift"]).__name__
    (['scale', 'shift'], 'Parameter')
    """

    def __init__(self, parameters: Mapping[str, Any] | Iterable[Any] | None = None) -> None:
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key: str) -> Parameter:
        if key not in self._parameters:
            raise KeyError(f"ParameterDict has no key {key!r}")
        return self._parameters[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.register_parameter(key, _as_parameter(value, "ParameterDict"))

    def __delitem__(self, key: str) -> None:
        del self._parameters[key]

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[str]:
        return iter(self._parameters)

    def __contains__(self, key: object) -> bool:
        return key in self._parameters

    def keys(self) -> Any:
        return self._parameters.keys()

    def items(self) -> Any:
        return self._parameters.items()

    def values(self) -> Any:
        return self._parameters.values()

    def get(self, key: str, default: Any = None) -> Any:
        return self._parameters.get(key, default)

    def pop(self, key: str) -> Parameter:
        value = self[key]
        del self._parameters[key]
        return value

    def clear(self) -> None:
        self._parameters.clear()

    def update(self, parameters: Mapping[str, Any] | Iterable[Any]) -> None:
        """Add parameters from a mapping or from ``(key, parameter)`` pairs."""
        pairs = parameters.items() if isinstance(parameters, Mapping) else parameters
        for key, value in pairs:
            self[key] = value

    def extra_repr(self) -> str:
        return ", ".join(f"{key}: {tuple(p.shape)}" for key, p in self.items())
