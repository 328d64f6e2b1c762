"""``mg.save`` and ``mg.load``: state dicts to and from safetensors files, never pickle."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from . import safetensors
from .atomic import atomic_write
from .state import flatten, rebuild

STRUCTURE_KEY = "minigrad.structure"
RESERVED_PREFIX = "minigrad."


def save(obj: Mapping[str, Any], path: str | os.PathLike[str],
         metadata: Mapping[str, str] | None = None) -> None:
    """Save a (possibly nested) state dict to ``path`` in the safetensors format.

    Tensors and arrays become tensor entries named by their key path joined
    with "."; plain values (None, bool, int, float, str and lists, tuples and
    dicts of them) and the nesting are kept in the file's metadata so that
    ``load`` returns the same structure. ``metadata`` (str -> str) is stored
    alongside. The write is atomic: the previous file survives any failure.

    >>> import numpy as np, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "m.safetensors")
    >>> save({"fc": {"weight": np.eye(2, dtype=np.float32)}, "epoch": 3}, path)
    >>> state = load(path, as_numpy=True)
    >>> state["epoch"], state["fc"]["weight"].dtype
    (3, dtype('float32'))
    """
    name = _path(path, "save")
    header_metadata = _user_metadata_to_save(metadata)
    arrays, structure = flatten(obj)
    text = json.dumps(structure, ensure_ascii=False, separators=(",", ":"))
    header_metadata[STRUCTURE_KEY] = text
    with atomic_write(name) as f:
        safetensors.write(f, arrays, header_metadata)


def load(path: str | os.PathLike[str], *, as_numpy: bool = False,
         return_metadata: bool = False) -> Any:
    """Load a safetensors file written by ``save`` or by any other program.

    Returns the saved nested dict with Tensors (``requires_grad=False``) in
    place of arrays, or ndarrays with ``as_numpy=True``. A file without
    minigrad's structure metadata (a Hugging Face checkpoint, say) loads as a
    flat ``{name: Tensor}`` dict in file order. With ``return_metadata=True``
    returns ``(state, metadata)``. Malformed files raise ValueError naming the
    file and the problem; BF16 tensors are upcast to float32.
    """
    name = _path(path, "load")
    wrap = _wrapper(as_numpy)
    with open(name, "rb", buffering=0) as f:
        header = safetensors.read_header(f, name)
        structure = _checked_structure(header, name)
        arrays = safetensors.read_arrays(f, header, name)
    if structure is None:
        state = {key: wrap(array) for key, array in arrays.items()}
    else:
        state = rebuild(structure, lambda key: wrap(arrays[key]))
    if return_metadata:
        return state, _user_metadata(header)
    return state


def load_metadata(path: str | os.PathLike[str]) -> dict[str, str]:
    """The ``metadata`` dict saved with the file (without minigrad's own keys)."""
    name = _path(path, "load_metadata")
    with open(name, "rb", buffering=0) as f:
        return _user_metadata(safetensors.read_header(f, name))


def safetensors_header(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The parsed and validated JSON header of a safetensors file, for tooling.

    Maps each tensor name to ``{"dtype", "shape", "data_offsets"}``, plus
    ``"__metadata__"`` if the file has it. No tensor data is read.
    """
    name = _path(path, "safetensors_header")
    with open(name, "rb", buffering=0) as f:
        return safetensors.read_header(f, name).raw


def _path(path: Any, fn: str) -> str:
    try:
        return os.fsdecode(path)
    except TypeError:
        raise TypeError(f"{fn}: path must be a str or os.PathLike, got "
                        f"{type(path).__name__}") from None


def _wrapper(as_numpy: bool) -> Callable[[np.ndarray], Any]:
    if as_numpy:
        return lambda array: array
    try:
        from .._tensor import Tensor
    except ImportError as exc:
        raise ImportError("load: minigrad.tensor is not available; use "
                          "load(path, as_numpy=True) to get NumPy arrays") from exc
    return Tensor


def _user_metadata_to_save(metadata: Mapping[str, str] | None) -> dict[str, str]:
    if metadata is None:
        return {}
    if not isinstance(metadata, Mapping):
        raise TypeError(f"save: metadata must be a dict of str to str, got "
                        f"{type(metadata).__name__}")
    for key, value in metadata.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(f"save: metadata must map str to str, but {key!r} -> {value!r} "
                            f"is {type(key).__name__} -> {type(value).__name__}")
        if key.startswith(RESERVED_PREFIX):
            raise ValueError(f"save: metadata key {key!r} is reserved (keys starting with "
                             f"{RESERVED_PREFIX!r} belong to minigrad)")
    return dict(metadata)


def _user_metadata(header: safetensors.Header) -> dict[str, str]:
    return {k: v for k, v in header.metadata.items() if not k.startswith(RESERVED_PREFIX)}


def _checked_structure(header: safetensors.Header, name: str) -> Any:
    """The structure metadata, checked against the header's tensors; None if absent."""
    text = header.metadata.get(STRUCTURE_KEY)
    if text is None:
        return None
    seen: set[str] = set()

    def visit(key: str) -> None:
        if key not in header.entries:
            raise ValueError(f"it names tensor {key!r}, which the file does not contain")
        if key in seen:
            raise ValueError(f"it names tensor {key!r} twice")
        seen.add(key)

    try:
        structure = json.loads(text)
        rebuild(structure, visit)
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"{name}: malformed {STRUCTURE_KEY!r} metadata: {exc}") from None
    for key in header.entries:
        if key not in seen:
            raise ValueError(f"{name}: tensor {key!r} is missing from the {STRUCTURE_KEY!r} "
                             "metadata (file edited by another tool?)")
    return structure
