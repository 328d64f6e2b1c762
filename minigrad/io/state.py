"""Flatten a nested state dict into named arrays plus a JSON structure, and back.

Arrays (and Tensors, through their arrays) become tensor entries named by
their key path joined with "." (``{"model": {"fc.weight": w}}`` stores
``"model.fc.weight"``), so the file reads naturally in any safetensors tool.
Everything else, the nesting and the plain values, is described by a JSON
tree that ``rebuild`` follows to restore the exact object:

- a plain value (None, bool, int, float, str) is itself;
- ``{"tensor": name}``, ``{"dict": [[key, node], ...]}``, ``{"list": [node, ...]}``,
  ``{"tuple": [node, ...]}`` for the rest.

Dict keys are str or int (an optimizer's state is keyed by parameter index); JSON keeps
the two apart (``"0"`` and ``0``), so each key comes back with its type.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .._tensor import Tensor
from .safetensors import METADATA_KEY, dtype_name

VERSION = 1
PLAIN = (type(None), bool, int, float, str)
Path = tuple[str | int, ...]


def flatten(state: Mapping[str, Any]) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Split ``state`` into ``({name: array}, structure)``.

    >>> arrays, structure = flatten({"w": np.zeros(2), "step": 3})
    >>> list(arrays), structure["root"]
    (['w'], {'dict': [['w', {'tensor': 'w'}], ['step', 3]]})
    """
    if not isinstance(state, Mapping):
        raise TypeError(f"save: expected a state dict (a dict), got {type(state).__name__}")
    arrays: dict[str, np.ndarray] = {}
    owners: dict[str, Path] = {}
    root = _encode(state, (), arrays, owners, set())
    return arrays, {"version": VERSION, "root": root}


def _encode(value: Any, path: Path, arrays: dict, owners: dict, active: set[int]) -> Any:
    array = _as_array(value)
    if array is not None:
        return {"tensor": _add_array(array, path, arrays, owners)}
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return value.item()
    if isinstance(value, PLAIN):
        return value
    if not isinstance(value, (Mapping, list, tuple)):
        raise TypeError(f"save: {show(path)} is a {type(value).__name__}; a state dict holds "
                        "Tensors, arrays, None/bool/int/float/str and dicts/lists/tuples of them")
    if id(value) in active:
        raise ValueError(f"save: {show(path)} contains itself")
    active.add(id(value))
    if isinstance(value, Mapping):
        keys = [_key(key, path) for key in value]
        node = {"dict": [[k, _encode(v, (*path, k), arrays, owners, active)]
                         for k, v in zip(keys, value.values())]}
    else:
        items = [_encode(v, (*path, i), arrays, owners, active) for i, v in enumerate(value)]
        node = {"tuple" if isinstance(value, tuple) else "list": items}
    active.discard(id(value))
    return node


def _key(key: Any, path: Path) -> str | int:
    """A dict key as stored: str, or int (NumPy integers become int)."""
    if isinstance(key, str):
        return key
    if isinstance(key, (int, np.integer)) and not isinstance(key, (bool, np.bool_)):
        return int(key)
    raise TypeError(f"save: key {key!r} in {show(path)} is a {type(key).__name__}; "
                    "state dict keys must be str or int")


def _as_array(value: Any) -> np.ndarray | None:
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, Tensor):
        return value.numpy(force=True)
    return None


def _add_array(array: np.ndarray, path: Path, arrays: dict, owners: dict) -> str:
    if dtype_name(array.dtype) is None:
        raise TypeError(f"save: {show(path)} has dtype {array.dtype}, which safetensors cannot "
                        "store (supported: bool, int8-64, uint8-64, float16/32/64)")
    name = ".".join(str(part) for part in path)
    if name == METADATA_KEY:
        raise ValueError(f"save: {show(path)}: the name {METADATA_KEY!r} is reserved by the format")
    if name in owners:
        raise ValueError(f"save: {show(owners[name])} and {show(path)} would both be stored as "
                         f"the tensor {name!r}; rename one of the keys")
    owners[name] = path
    arrays[name] = array
    return name


def show(path: Path) -> str:
    """``("model", "fc.weight")`` -> ``state['model']['fc.weight']``."""
    return "state" + "".join(f"[{part!r}]" for part in path)


def rebuild(structure: Any, leaf: Callable[[str], Any]) -> dict[str, Any]:
    """Rebuild the object described by ``structure``, calling ``leaf(name)`` for each tensor.

    Raises ValueError (without a file name; the caller adds it) if the
    structure is malformed.
    """
    if not isinstance(structure, dict) or structure.get("version") != VERSION:
        raise ValueError(f"expected an object with version {VERSION} and a root")
    root = structure.get("root")
    if not (isinstance(root, dict) and list(root) == ["dict"]):
        raise ValueError("the root must be a dict node")
    try:
        return _decode(root, leaf)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def _decode(node: Any, leaf: Callable[[str], Any]) -> Any:
    if isinstance(node, PLAIN):
        return node
    if not (isinstance(node, dict) and len(node) == 1):
        raise ValueError(f"bad node {_short(node)}")
    kind, body = next(iter(node.items()))
    if kind == "tensor" and isinstance(body, str):
        return leaf(body)
    if kind in ("list", "tuple") and isinstance(body, list):
        items = [_decode(item, leaf) for item in body]
        return tuple(items) if kind == "tuple" else items
    if kind == "dict" and isinstance(body, list):
        out = {}
        for pair in body:
            if not (isinstance(pair, list) and len(pair) == 2 and _is_key(pair[0])):
                raise ValueError(f"bad dict item {_short(pair)}")
            if pair[0] in out:
                raise ValueError(f"duplicate key {pair[0]!r}")
            out[pair[0]] = _decode(pair[1], leaf)
        return out
    raise ValueError(f"bad node {_short(node)}")


def _is_key(key: Any) -> bool:
    return isinstance(key, str) or (isinstance(key, int) and not isinstance(key, bool))


def _short(x: Any) -> str:
    text = repr(x)
    return text if len(text) <= 60 else text[:57] + "..."
