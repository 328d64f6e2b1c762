"""``mg.save`` and ``mg.load``: nested objects to and from safetensors files, never pickle."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Mapping
from typing import Any, BinaryIO

import numpy as np

from .._tensor import Tensor
from . import safetensors
from .atomic import atomic_write
from .location import Relocate, relocation
from .state import flatten, rebuild

STRUCTURE_KEY = "minigrad.structure"
RESERVED_PREFIX = "minigrad."
FileLike = str | os.PathLike[str] | BinaryIO


def save(obj: Any, f: FileLike, metadata: Mapping[str, str] | None = None, *,
         pickle_module: Any = None, pickle_protocol: int | None = None,
         _use_new_zipfile_serialization: bool = True) -> None:
    """Save ``obj`` to ``f`` (a path, or a binary file object) in the safetensors format.

    ``obj`` is any nesting of dicts (str or int keys), lists and tuples whose
    leaves are Tensors, NumPy arrays, None/bool/int/float/str or ``minigrad.Size``:
    a state dict, a whole training checkpoint, a bare tensor. Arrays become
    tensor entries named by their key path joined with "."; the nesting and the
    plain values are kept in the file's metadata so that ``load`` returns the
    same structure. Anything else (a Module, a function, a set, an object of your
    own class, a cycle) is refused with a TypeError or ValueError naming where
    it is, before anything is written. ``metadata`` (str -> str) is stored
    alongside. Saving to a path is atomic: the previous file survives any
    failure. ``pickle_protocol`` and ``_use_new_zipfile_serialization`` are accepted
    and ignored (nothing is pickled or zipped).

    >>> import io, minigrad as mg
    >>> buffer = io.BytesIO()
    >>> save({"w": mg.ones(2), "step": 3, "shape": mg.Size([2])}, buffer)
    >>> _ = buffer.seek(0)
    >>> load(buffer)
    {'w': tensor([1., 1.]), 'step': 3, 'shape': minigrad.Size([2])}
    """
    if pickle_module is not None:
        raise TypeError("save: pickle_module is not supported: minigrad never pickles "
                        "(files are safetensors); leave it out")
    target = _target(f, "save")
    header_metadata = _user_metadata_to_save(metadata)
    arrays, structure = flatten(obj)
    text = json.dumps(structure, ensure_ascii=False, separators=(",", ":"))
    header_metadata[STRUCTURE_KEY] = text
    if not isinstance(target, str):
        safetensors.write(target, arrays, header_metadata)
        if callable(getattr(target, "flush", None)):
            target.flush()
        return
    with atomic_write(target) as out:
        safetensors.write(out, arrays, header_metadata)


def load(f: FileLike, map_location: Any = None, pickle_module: Any = None, *,
         weights_only: bool | None = None, mmap: bool | None = None, as_numpy: bool = False,
         return_metadata: bool = False) -> Any:
    """Load what ``save`` wrote to ``f`` (a path, or a seekable binary file object), or
    any safetensors file.

    Returns the saved object: Tensors come back as Tensors (``requires_grad``
    as saved), arrays as arrays; with ``as_numpy=True`` every tensor is an
    ndarray. A file without minigrad's structure metadata (a Hugging Face
    checkpoint, say) loads as a flat ``{name: Tensor}`` dict in file order. A
    file object is read from its position and left just past the object.
    ``map_location`` takes PyTorch's forms (see docs/io.md; only the CPU exists).
    ``weights_only`` (True, False or None) changes nothing: loading never
    unpickles. ``mmap=True`` (paths only) maps the file instead of reading it.
    With ``return_metadata=True`` returns ``(obj, metadata)``. Malformed files
    raise ValueError naming the file and the problem; BF16 is upcast to float32.
    """
    if pickle_module is not None:
        raise TypeError("load: pickle_module is not supported: minigrad never unpickles "
                        "(files are safetensors); leave it out")
    if weights_only not in (None, True, False):
        raise TypeError(f"load: weights_only must be True, False or None, got {weights_only!r}")
    relocate = relocation(map_location)
    source = _target(f, "load")
    if isinstance(source, str):
        with open(source, "rb", buffering=0) as stream:
            header = safetensors.read_header(stream, source)
            structure = _checked_structure(header, source)
            if mmap:
                arrays = safetensors.map_arrays(source, header)
            else:
                arrays = safetensors.read_arrays(stream, header, source)
    else:
        if mmap:
            raise ValueError("load: mmap=True needs a path to the file, not a file object")
        name = _stream_name(source)
        header = safetensors.read_header(source, name, whole_file=False)
        structure = _checked_structure(header, name)
        arrays = safetensors.read_arrays(source, header, name)
    obj = _build(structure, arrays, as_numpy, relocate)
    if return_metadata:
        return obj, _user_metadata(header)
    return obj


def _build(structure: Any, arrays: dict[str, np.ndarray], as_numpy: bool,
           relocate: Relocate | None) -> Any:
    made: dict[tuple[str, bool], Any] = {}  # one Tensor per stored tensor: sharing survives

    def leaf(key: str, kind: str, requires_grad: bool) -> Any:
        if as_numpy or kind == "ndarray":
            return arrays[key]
        if (key, requires_grad) not in made:
            tensor = Tensor(arrays[key], requires_grad=requires_grad)
            made[key, requires_grad] = relocate(tensor) if relocate else tensor
        return made[key, requires_grad]

    if structure is None:
        return {key: leaf(key, "tensor", False) for key in arrays}
    return rebuild(structure, leaf)


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


def _target(f: Any, fn: str) -> str | BinaryIO:
    """A path as a str, or a binary file object checked for what ``fn`` needs."""
    if isinstance(f, (str, bytes, os.PathLike)):
        return os.fsdecode(f)
    method = "write" if fn == "save" else "read"
    if not callable(getattr(f, method, None)):
        raise TypeError(f"{fn}: f must be a path (str or os.PathLike) or a binary file object "
                        f"with a {method}() method, got {type(f).__name__}")
    if isinstance(f, io.TextIOBase):
        mode = "wb" if fn == "save" else "rb"
        raise TypeError(f"{fn}: {_stream_name(f)} is open in text mode; safetensors files are "
                        f"binary: open it with mode {mode!r}")
    if fn == "load" and not (callable(getattr(f, "seekable", None)) and f.seekable()):
        raise ValueError(f"load: {_stream_name(f)} is not seekable; read it into an "
                         "io.BytesIO first")
    return f


def _stream_name(f: Any) -> str:
    name = getattr(f, "name", None)
    return name if isinstance(name, str) else f"<{type(f).__name__}>"


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
    """The structure metadata, checked against the header's tensors; None if absent.

    Every tensor in the file is named; version 1 names each once, version 2 may
    name one twice (the same tensor in two places). ``requires_grad`` only on floats.
    """
    text = header.metadata.get(STRUCTURE_KEY)
    if text is None:
        return None
    seen: set[str] = set()

    def visit(key: str, kind: str, requires_grad: bool) -> None:
        if key not in header.entries:
            raise ValueError(f"it names tensor {key!r}, which the file does not contain")
        if key in seen and version == 1:
            raise ValueError(f"it names tensor {key!r} twice")
        if requires_grad and header.entries[key].dtype not in ("F16", "F32", "F64", "BF16"):
            raise ValueError(f"it marks tensor {key!r} of dtype {header.entries[key].dtype} "
                             "as requiring grad (only floating-point tensors can)")
        seen.add(key)

    try:
        structure = json.loads(text)
        version = structure.get("version") if isinstance(structure, dict) else None
        rebuild(structure, visit)
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"{name}: malformed {STRUCTURE_KEY!r} metadata: {exc}") from None
    for key in header.entries:
        if key not in seen:
            raise ValueError(f"{name}: tensor {key!r} is missing from the {STRUCTURE_KEY!r} "
                             "metadata (file edited by another tool?)")
    return structure
