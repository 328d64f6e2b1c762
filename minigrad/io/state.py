"""Flatten any storable object into named arrays plus a JSON structure, and back.

Arrays (and Tensors, through their arrays) become tensor entries named by
their key path joined with "." (``{"model": {"fc.weight": w}}`` stores
``"model.fc.weight"``; a tensor at the root is ``"obj"``), so the file reads
naturally in any safetensors tool. Everything else, the nesting and the plain
values, is described by a JSON tree that ``rebuild`` follows to restore the
object:

- a plain value (None, bool, int, float, str) is itself;
- ``{"tensor": name}`` a Tensor (``"requires_grad": true`` beside it if it
  required grad), ``{"ndarray": name}`` a NumPy array;
- ``{"dict": [[key, node], ...]}``, ``{"list": [node, ...]}``,
  ``{"tuple": [node, ...]}``, ``{"size": [int, ...]}`` (a ``minigrad.Size``).

Dict keys are str or int (an optimizer's state is keyed by parameter index); JSON keeps
the two apart (``"0"`` and ``0``), so each key comes back with its type. A Tensor or
array met twice (the same object) is stored once and both places name it.

Version 1 files (minigrad's first format) have a dict at the root, only the
``tensor``, ``dict``, ``list`` and ``tuple`` nodes, each tensor named once, and
every tensor loads as a Tensor.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .._tensor import Size, Tensor
from .safetensors import METADATA_KEY, dtype_name

VERSION = 2
READABLE_VERSIONS = (1, 2)
PLAIN = (type(None), bool, int, float, str)
ROOT_NAME = "obj"
Path = tuple[str | int, ...]
ACCEPTED = ("save stores Tensors, NumPy arrays, None/bool/int/float/str, minigrad.Size and "
            "dicts (str or int keys), lists and tuples of them")


def flatten(obj: Any) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Split ``obj`` into ``({name: array}, structure)``; refuse what cannot be stored.

    Raises TypeError or ValueError naming the offending place (``obj['model']``)
    before anything is written.

    >>> arrays, structure = flatten({"w": np.zeros(2), "step": 3})
    >>> list(arrays), structure["root"]
    (['w'], {'dict': [['w', {'ndarray': 'w'}], ['step', 3]]})
    """
    encoder = _Encoder()
    root = encoder.encode(obj, ())
    return encoder.arrays, {"version": VERSION, "root": root}


class _Encoder:
    """One pass over the object: collects the arrays, refuses cycles and strangers."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self.owners: dict[str, Path] = {}         # tensor name -> where it was first met
        self.stored: dict[int, str] = {}          # id of a Tensor or ndarray -> its name
        self.keep: list[Any] = []                 # keeps those ids valid during the pass
        self.active: set[int] = set()             # containers on the current path

    def encode(self, value: Any, path: Path) -> Any:
        if isinstance(value, Tensor):
            node = {"tensor": self.add(value, value.numpy(force=True), path)}
            if value.requires_grad:
                node["requires_grad"] = True
            return node
        if isinstance(value, np.ndarray):
            return {"ndarray": self.add(value, value, path)}
        if isinstance(value, np.generic) and value.dtype.kind in "biuf":
            return value.item()
        if isinstance(value, PLAIN):
            return value
        if isinstance(value, Size):
            return {"size": list(value)}
        if not _is_container(value):
            raise TypeError(refusal(value, path))
        if id(value) in self.active:
            raise ValueError(f"save: {show(path)} contains itself (a cycle); {ACCEPTED}, "
                             "without cycles")
        self.active.add(id(value))
        if isinstance(value, Mapping):
            keys = [_key(key, path) for key in value]
            node = {"dict": [[k, self.encode(v, (*path, k))] for k, v in zip(keys, value.values())]}
        else:
            items = [self.encode(v, (*path, i)) for i, v in enumerate(value)]
            node = {"tuple" if isinstance(value, tuple) else "list": items}
        self.active.discard(id(value))
        return node

    def add(self, owner: Any, array: np.ndarray, path: Path) -> str:
        if id(owner) in self.stored:
            return self.stored[id(owner)]
        if dtype_name(array.dtype) is None:
            raise TypeError(f"save: {show(path)} has dtype {array.dtype}, which safetensors "
                            "cannot store (supported: bool, int8-64, uint8-64, float16/32/64)")
        name = ".".join(str(part) for part in path) if path else ROOT_NAME
        if name == METADATA_KEY:
            raise ValueError(f"save: {show(path)}: the name {METADATA_KEY!r} is reserved by the "
                             "format")
        if name in self.owners:
            raise ValueError(f"save: {show(self.owners[name])} and {show(path)} would both be "
                             f"stored as the tensor {name!r}; rename one of the keys")
        self.owners[name] = path
        self.stored[id(owner)] = name
        self.keep.append(owner)
        self.arrays[name] = array
        return name


def _is_container(value: Any) -> bool:
    if isinstance(value, tuple):
        return type(value) is tuple  # a namedtuple is a class of its own
    return isinstance(value, (Mapping, list))


def _key(key: Any, path: Path) -> str | int:
    """A dict key as stored: str, or int (NumPy integers become int)."""
    if isinstance(key, str):
        return key
    if isinstance(key, (int, np.integer)) and not isinstance(key, (bool, np.bool_)):
        return int(key)
    raise TypeError(f"save: key {key!r} in {show(path)} is a {type(key).__name__}; "
                    "dict keys must be str or int")


def refusal(value: Any, path: Path) -> str:
    """The message for a value ``save`` cannot store: what it is, where, and what to do."""
    kind = type(value).__name__
    where = f"save: {show(path)} is a {kind}"
    if callable(getattr(value, "state_dict", None)):
        if callable(getattr(value, "named_modules", None)):
            return f"{where} (a Module); save its state_dict() instead"
        if hasattr(value, "param_groups"):
            return f"{where} (an optimizer); save its state_dict() instead"
        return f"{where}; save its state_dict() instead"
    if inspect.isroutine(value) or isinstance(value, type) or isinstance(value, functools.partial):
        return (f"{where}; functions and classes are code, and storing code needs pickle, "
                "which minigrad never uses; save the values it works on instead")
    if isinstance(value, (set, frozenset)):
        return f"{where}, which has no order; save a list (sorted({show(path)})) instead"
    if isinstance(value, tuple):
        return (f"{where} (a namedtuple); save tuple({show(path)}) or "
                f"{show(path)}._asdict() instead")
    if isinstance(value, (bytes, bytearray)):
        return (f"{where}; save np.frombuffer({show(path)}, np.uint8) (an array) or a str "
                "instead")
    if isinstance(value, (complex, np.generic)):
        return f"{where} (dtype {np.asarray(value).dtype}), which safetensors cannot store"
    return (f"{where}; {ACCEPTED}, never arbitrary objects (rebuilding them needs pickle, "
            "which minigrad never uses)")



def show(path: Path) -> str:
    """``("model", "fc.weight")`` -> ``obj['model']['fc.weight']``."""
    return "obj" + "".join(f"[{part!r}]" for part in path)


# ----------------------------------------------------------------------------- loading


def rebuild(structure: Any, leaf: Callable[[str, str, bool], Any]) -> Any:
    """Rebuild the object described by ``structure``.

    ``leaf(name, kind, requires_grad)`` returns the object for each tensor node
    (``kind`` is "tensor" or "ndarray"). Raises ValueError (without a file
    name; the caller adds it) if the structure is malformed.
    """
    version = structure.get("version") if isinstance(structure, dict) else None
    if version not in READABLE_VERSIONS or "root" not in structure:
        raise ValueError(f"expected an object with a version in {READABLE_VERSIONS} and a root")
    root = structure["root"]
    if version == 1 and not (isinstance(root, dict) and list(root) == ["dict"]):
        raise ValueError("the root must be a dict node")
    try:
        return _decode(root, leaf, version)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def _decode(node: Any, leaf: Callable[[str, str, bool], Any], version: int) -> Any:
    if isinstance(node, PLAIN):
        return node
    if isinstance(node, dict) and "tensor" in node and isinstance(node["tensor"], str):
        if set(node) == {"tensor"}:
            return leaf(node["tensor"], "tensor", False)
        if version > 1 and set(node) == {"tensor", "requires_grad"} \
                and node["requires_grad"] is True:
            return leaf(node["tensor"], "tensor", True)
    if not (isinstance(node, dict) and len(node) == 1):
        raise ValueError(f"bad node {_short(node)}")
    kind, body = next(iter(node.items()))
    if version > 1 and kind == "ndarray" and isinstance(body, str):
        return leaf(body, "ndarray", False)
    if version > 1 and kind == "size" and isinstance(body, list) and all(map(_is_key, body)):
        return Size(body)
    if kind in ("list", "tuple") and isinstance(body, list):
        items = [_decode(item, leaf, version) for item in body]
        return tuple(items) if kind == "tuple" else items
    if kind == "dict" and isinstance(body, list):
        out = {}
        for pair in body:
            if not (isinstance(pair, list) and len(pair) == 2 and _is_key(pair[0])):
                raise ValueError(f"bad dict item {_short(pair)}")
            if pair[0] in out:
                raise ValueError(f"duplicate key {pair[0]!r}")
            out[pair[0]] = _decode(pair[1], leaf, version)
        return out
    raise ValueError(f"bad node {_short(node)}")


def _is_key(key: Any) -> bool:
    return isinstance(key, str) or (isinstance(key, int) and not isinstance(key, bool))


def _short(x: Any) -> str:
    text = repr(x)
    return text if len(text) <= 60 else text[:57] + "..."
