"""The safetensors file format, read and written with NumPy alone.

A file is an 8-byte little-endian unsigned header length ``N``, ``N`` bytes of
UTF-8 JSON, then the raw little-endian C-order bytes of every tensor::

    {"fc.weight": {"dtype": "F32", "shape": [3, 4], "data_offsets": [0, 48]},
     "__metadata__": {"format": "pt"}}

Offsets are relative to the start of the data section. Every header is
validated in full before any tensor memory is allocated: a malformed or
hostile file is a ``ValueError`` naming the file and the problem.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO

import numpy as np

MAX_HEADER_BYTES = 100 * 1024 * 1024
CHUNK_BYTES = 16 * 1024 * 1024
METADATA_KEY = "__metadata__"
ENTRY_KEYS = frozenset({"dtype", "shape", "data_offsets"})
MAX_DIMS = 64  # NumPy's limit on the number of dimensions
MAX_DIM_SIZE = int(np.iinfo(np.intp).max)

# Called after each chunk of tensor data is written. Tests use it to fail or
# stall a save part-way through; it is None in normal use.
_chunk_written_hook: Callable[[], None] | None = None

DTYPES: dict[str, np.dtype] = {
    "BOOL": np.dtype("?"),
    "U8": np.dtype("u1"),
    "I8": np.dtype("i1"),
    "I16": np.dtype("<i2"),
    "U16": np.dtype("<u2"),
    "I32": np.dtype("<i4"),
    "U32": np.dtype("<u4"),
    "I64": np.dtype("<i8"),
    "U64": np.dtype("<u8"),
    "F16": np.dtype("<f2"),
    "F32": np.dtype("<f4"),
    "F64": np.dtype("<f8"),
}
# Read-only: NumPy has no bfloat16, so BF16 tensors are upcast to float32 on load.
READ_ONLY_DTYPES: dict[str, np.dtype] = {"BF16": np.dtype("<u2")}
_NAME_OF = {(dt.kind, dt.itemsize): name for name, dt in DTYPES.items()}


@dataclass(frozen=True)
class Entry:
    """One tensor's place in the file: dtype name, shape and byte range in the data section."""

    dtype: str
    shape: tuple[int, ...]
    begin: int
    end: int


@dataclass(frozen=True)
class Header:
    """A validated header: the tensors in header order, the metadata, and where the data
    section starts and ends (absolute positions in the file)."""

    entries: dict[str, Entry]
    metadata: dict[str, str]
    data_start: int
    raw: dict[str, Any]
    data_end: int


def dtype_name(dtype: np.dtype) -> str | None:
    """The safetensors name of a NumPy dtype ("F32" for float32), or None if it has none."""
    return _NAME_OF.get((dtype.kind, dtype.itemsize))


# ----------------------------------------------------------------------------- reading


def read_header(f: BinaryIO, path: str, *, whole_file: bool = True) -> Header:
    """Read and validate the header of the open, seekable file ``f``; ``path`` names it in
    errors.

    With ``whole_file`` the file holds one safetensors object from its start to its
    end. Without, the object starts at ``f``'s current position and ends where its
    tensors end; whatever follows is not looked at (several objects may follow each
    other in one stream).
    """
    start = 0 if whole_file else f.tell()
    try:
        f.seek(0, 2)
    except (OSError, ValueError) as exc:  # gzip files cannot seek from the end
        raise _bad(path, f"cannot find the end of the file ({exc}); read it into an "
                   "io.BytesIO first") from None
    available = f.tell() - start
    f.seek(start)
    prefix = f.read(8)
    foreign = _foreign_format(prefix)
    if len(prefix) < 8:
        what = "file" if whole_file else "the rest of the file"
        raise _bad(path, foreign or f"{what} is {available} bytes, too short for a "
                   "safetensors file (it needs at least the 8-byte header length)")
    n = struct.unpack("<Q", prefix)[0]
    if n > MAX_HEADER_BYTES:
        raise _bad(path, foreign or f"header length {n} exceeds the limit of "
                   f"{MAX_HEADER_BYTES} bytes (not a safetensors file?)")
    if n > available - 8:
        raise _bad(path, foreign or f"header length {n} exceeds the {available - 8} bytes that "
                   "follow the length prefix (file truncated or not safetensors)")
    raw_bytes = f.read(n)
    if foreign and not raw_bytes.startswith(b"{"):
        raise _bad(path, foreign)
    raw = _parse_json(raw_bytes, path)
    if not raw_bytes.startswith(b"{"):
        raise _bad(path, "header must start with '{' (the format allows padding only at the end)")
    data_size = available - 8 - n
    metadata = _check_metadata(raw.get(METADATA_KEY, {}), path)
    entries = {}
    for name, value in raw.items():
        if name != METADATA_KEY:
            entries[name] = _check_entry(name, value, data_size, path)
    end = _check_layout(entries, data_size if whole_file else None, path)
    data_start = start + 8 + n
    return Header(entries, metadata, data_start, raw, data_start + end)


def read_arrays(f: BinaryIO, header: Header, path: str) -> dict[str, np.ndarray]:
    """Read every tensor of a validated ``header`` from ``f`` into fresh, writable arrays."""
    arrays = {}
    by_offset = sorted(header.entries.items(), key=lambda item: item[1].begin)
    for name, entry in by_offset:
        dtype = DTYPES.get(entry.dtype) or READ_ONLY_DTYPES[entry.dtype]
        out = np.empty(entry.shape, dtype)
        if out.size:
            f.seek(header.data_start + entry.begin)
            _read_into(f, out.reshape(-1).view(np.uint8), name, path)
        arrays[name] = _to_native(out, entry.dtype)
    f.seek(header.data_end)
    return {name: arrays[name] for name in header.entries}


def map_arrays(path: str, header: Header) -> dict[str, np.ndarray]:
    """Every tensor of a validated ``header`` as a copy-on-write view of the file ``path``
    (memory-mapped: pages are read when touched; writes stay in memory, never reach the
    file). BF16, byte-swapped and misaligned tensors are copied."""
    whole = np.memmap(path, dtype=np.uint8, mode="c")
    arrays = {}
    for name, entry in header.entries.items():
        raw = np.asarray(whole[header.data_start + entry.begin:header.data_start + entry.end])
        dtype = DTYPES.get(entry.dtype) or READ_ONLY_DTYPES[entry.dtype]
        array = raw.view(dtype).reshape(entry.shape)
        if not array.flags.aligned:
            array = array.copy()
        arrays[name] = _to_native(array, entry.dtype)
    return arrays


def _read_into(f: BinaryIO, buf: np.ndarray, name: str, path: str) -> None:
    view = memoryview(buf)
    readinto = getattr(f, "readinto", None) or (lambda into: _read_via_read(f, into))
    filled = 0
    while filled < len(view):
        count = readinto(view[filled:])
        if not count:
            raise _bad(path, f"file ended while reading tensor {name!r} (changed while loading?)")
        filled += count


def _read_via_read(f: BinaryIO, into: memoryview) -> int:
    """``readinto`` for a file object that has only ``read``."""
    data = f.read(min(len(into), CHUNK_BYTES))
    into[:len(data)] = data
    return len(data)


def _to_native(array: np.ndarray, name: str) -> np.ndarray:
    if name == "BF16":
        # bfloat16 is the top half of a float32: shift the 16 bits into place.
        return (array.astype(np.uint32) << 16).view(np.float32)
    if not array.dtype.isnative:
        return array.astype(array.dtype.newbyteorder("="))
    return array


def _foreign_format(prefix: bytes) -> str | None:
    """A message if ``prefix`` starts a pickle or a PyTorch zip file, else None."""
    never = ("minigrad never unpickles (unpickling can run arbitrary code); "
             "re-save the weights as safetensors with the program that wrote them")
    if prefix[:1] == b"\x80" and prefix[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return f"looks like a pickle file (e.g. PyTorch's torch.save), not safetensors; {never}"
    if prefix[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return (f"looks like a zip archive as written by PyTorch's torch.save (pickle inside), "
                f"not safetensors; {never}")
    return None


def _parse_json(raw_bytes: bytes, path: str) -> dict[str, Any]:
    try:
        text = raw_bytes.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _bad(path, f"header is not valid UTF-8 ({exc.reason} at byte {exc.start})") from None
    try:
        raw = json.loads(text, object_pairs_hook=_no_duplicates)
    except (ValueError, RecursionError) as exc:
        raise _bad(path, f"header is not valid JSON ({exc})") from None
    if not isinstance(raw, dict):
        raise _bad(path, f"header must be a JSON object, got a JSON {type(raw).__name__}")
    return raw


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _check_metadata(metadata: Any, path: str) -> dict[str, str]:
    if not isinstance(metadata, dict):
        raise _bad(path, f"{METADATA_KEY} must be a JSON object of strings, got "
                   f"{_json_type(metadata)}")
    for key, value in metadata.items():
        if not isinstance(value, str):
            raise _bad(path, f"{METADATA_KEY} value for {key!r} must be a string, got "
                       f"{_json_type(value)}")
    return metadata


def _check_entry(name: str, value: Any, data_size: int, path: str) -> Entry:
    where = f"tensor {name!r}"
    if not isinstance(value, dict):
        raise _bad(path, f"{where}: entry must be an object, got {_json_type(value)}")
    if set(value) != ENTRY_KEYS:
        raise _bad(path, f"{where}: entry has keys {sorted(value)}, expected exactly "
                   "['data_offsets', 'dtype', 'shape']")
    dtype, shape, offsets = value["dtype"], value["shape"], value["data_offsets"]
    if not isinstance(dtype, str) or (dtype not in DTYPES and dtype not in READ_ONLY_DTYPES):
        known = ", ".join([*DTYPES, *READ_ONLY_DTYPES])
        raise _bad(path, f"{where} has unknown or unsupported dtype {dtype!r} (known: {known})")
    if not isinstance(shape, list) or not all(_is_count(d) for d in shape):
        raise _bad(path, f"{where} has shape {shape!r}; a shape must be a list of "
                   "non-negative integers")
    if len(shape) > MAX_DIMS:
        raise _bad(path, f"{where} has {len(shape)} dimensions; at most {MAX_DIMS} are "
                   "supported")
    if any(d > MAX_DIM_SIZE for d in shape):
        raise _bad(path, f"{where} has shape {shape} with a dimension over "
                   f"{MAX_DIM_SIZE} (the largest NumPy can index)")
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(map(_is_count, offsets))):
        raise _bad(path, f"{where} has data_offsets {offsets!r}; expected [begin, end] "
                   "with non-negative integers")
    begin, end = offsets
    if begin > end:
        raise _bad(path, f"{where} has data_offsets {offsets} with begin > end")
    if end > data_size:
        raise _bad(path, f"{where} has data_offsets {offsets} past the end of the "
                   f"{data_size}-byte data section")
    itemsize = (DTYPES.get(dtype) or READ_ONLY_DTYPES[dtype]).itemsize
    need = itemsize
    for d in shape:
        need *= d
    if end - begin != need:
        raise _bad(path, f"{where} has data_offsets {offsets} but shape {shape} of {dtype} "
                   f"needs {need} bytes")
    return Entry(dtype, tuple(shape), begin, end)


def _check_layout(entries: dict[str, Entry], data_size: int | None, path: str) -> int:
    """Tensors must tile the data section exactly: no overlap, no gap, and (when
    ``data_size`` is known) nothing left over. Returns the data section's size."""
    position, previous = 0, None
    for name, entry in sorted(entries.items(), key=lambda item: (item[1].begin, item[1].end)):
        if entry.begin < position:
            raise _bad(path, f"tensors {previous!r} and {name!r} overlap (data_offsets "
                       f"{[entries[previous].begin, entries[previous].end]} and "
                       f"{[entry.begin, entry.end]})")
        if entry.begin > position:
            raise _bad(path, f"gap in the data section: bytes [{position}, {entry.begin}) "
                       f"before tensor {name!r} belong to no tensor")
        position, previous = entry.end, name
    if data_size is not None and position != data_size:
        raise _bad(path, f"the data section is {data_size} bytes but the tensors cover only "
                   f"{position}: {data_size - position} trailing bytes belong to no tensor")
    return position


def _is_count(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and x >= 0


def _json_type(x: Any) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(x), "number")


def _bad(path: str, message: str) -> ValueError:
    return ValueError(f"{path}: {message}")


# ----------------------------------------------------------------------------- writing


def write(f: BinaryIO, arrays: dict[str, np.ndarray], metadata: dict[str, str]) -> None:
    """Write ``arrays`` (name -> ndarray of a supported dtype) and ``metadata`` to ``f``.

    Tensors are laid out by decreasing item size, so with the header padded to
    8 bytes every tensor starts at a multiple of its item size.
    """
    order = sorted(arrays, key=lambda name: -arrays[name].dtype.itemsize)
    header: dict[str, Any] = {METADATA_KEY: metadata} if metadata else {}
    offset = 0
    for name in order:
        array = arrays[name]
        end = offset + array.size * array.dtype.itemsize
        header[name] = {"dtype": dtype_name(array.dtype), "shape": list(array.shape),
                        "data_offsets": [offset, end]}
        offset = end
    raw = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % 8)
    if len(raw) > MAX_HEADER_BYTES:
        raise ValueError(f"save: the header would be {len(raw)} bytes, over the "
                         f"{MAX_HEADER_BYTES}-byte limit readers enforce")
    f.write(struct.pack("<Q", len(raw)))
    f.write(raw)
    for name in order:
        _write_array(f, arrays[name])


def _write_array(f: BinaryIO, array: np.ndarray) -> None:
    """Write ``array``'s little-endian C-order bytes in chunks of at most CHUNK_BYTES."""
    if array.size == 0:
        return
    little = array.dtype.newbyteorder("<")
    if array.flags.c_contiguous and array.dtype == little:
        _write_bytes(f, array.reshape(-1).view(np.uint8))
        return
    if array.ndim == 0:
        array = array.reshape(1)
    row_bytes = array[0].nbytes
    if row_bytes > CHUNK_BYTES:
        for row in array:
            _write_array(f, row)
        return
    step = max(1, CHUNK_BYTES // row_bytes)
    for i in range(0, len(array), step):
        block = np.ascontiguousarray(array[i:i + step], dtype=little)
        _write_bytes(f, block.reshape(-1).view(np.uint8))


def _write_bytes(f: BinaryIO, data: np.ndarray) -> None:
    for i in range(0, len(data), CHUNK_BYTES):
        f.write(data[i:i + CHUNK_BYTES])
        if _chunk_written_hook is not None:
            _chunk_written_hook()
