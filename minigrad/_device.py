"""minigrad computes on the CPU only: the one check every ``device`` argument goes through.

``device=None`` and ``"cpu"`` (also ``"cpu:0"``) are accepted, so code written for
PyTorch that names the CPU runs unchanged; anything else (``"cuda"``, ``"mps"``, ...)
is refused with the same message wherever it was passed.
"""

from __future__ import annotations

from typing import Any

# PyTorch's device types: a string starting with one of these (before any ":index") is a
# device, not a dtype name, in ``x.to("cuda")``
_DEVICE_TYPES = ("cpu", "cuda", "mps", "xpu", "meta", "hip", "xla", "ipu", "hpu", "mtia",
                 "vulkan", "mkldnn", "opengl", "opencl", "ideep", "fpga", "ort", "ve", "lazy")


class device:  # noqa: N801  (PyTorch's name)
    """``torch.device``: a device type and an optional index, ``device("cpu")``,
    ``device("cuda:1")``, ``device("cuda", 1)``.

    Any of PyTorch's device types can be named (so ``device("cuda")`` can be written
    and compared), but only the CPU can hold minigrad tensors: passing another device
    to a factory or to ``.to()`` raises the device error. A device equals another
    device or a string that names the same device.

    >>> device("cpu")
    device(type='cpu')
    >>> device("cuda", 0), str(device("cuda:0")), device("cpu") == "cpu"
    (device(type='cuda', index=0), 'cuda:0', True)
    """

    __slots__ = ("_type", "_index")

    def __init__(self, type: Any, index: int | None = None) -> None:  # noqa: A002
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index  # noqa: A001
        elif isinstance(type, int) and not isinstance(type, bool):
            type, index = "cuda", type  # noqa: A001  (PyTorch: a bare index means a GPU)
        if not isinstance(type, str):
            raise TypeError(f"device: expected a str such as 'cpu', got {type!r}")
        name, sep, idx = type.partition(":")
        if name not in _DEVICE_TYPES:
            raise RuntimeError(f"device: expected one of {', '.join(_DEVICE_TYPES[:4])}, ... "
                               f"device type at start of device string: {type}")
        if sep:
            if index is not None:
                raise RuntimeError(f"device: type (string) {type!r} must not include an index "
                                   "because index was passed explicitly")
            if not idx.isdigit():
                raise RuntimeError(f"device: invalid device string {type!r}")
            index = int(idx)
        if index is not None and (not isinstance(index, int) or isinstance(index, bool)
                                  or index < 0):
            raise RuntimeError(f"device: index must be an int >= 0, got {index!r}")
        self._type, self._index = name, index

    @property
    def type(self) -> str:
        """The device type: "cpu", "cuda", ..."""
        return self._type

    @property
    def index(self) -> int | None:
        """The device index, or None when the device string had none."""
        return self._index

    def __repr__(self) -> str:
        if self._index is None:
            return f"device(type={self._type!r})"
        return f"device(type={self._type!r}, index={self._index})"

    def __str__(self) -> str:
        return self._type if self._index is None else f"{self._type}:{self._index}"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str) and is_device_name(other):
            other = device(other)
        if not isinstance(other, device):
            return NotImplemented
        return (self._type, self._index) == (other._type, other._index)

    def __hash__(self) -> int:
        return hash((self._type, self._index))


CPU = device("cpu")


def is_device_name(value: Any) -> bool:
    """True for a ``device`` and for strings such as "cpu", "cuda" or "cuda:1" (PyTorch's
    device spellings), which ``.to()`` tells apart from dtype names."""
    if isinstance(value, device):
        return True
    return isinstance(value, str) and value.split(":", 1)[0] in _DEVICE_TYPES


def check_device(device: Any, where: str) -> None:
    """Return quietly for ``None``, ``"cpu"`` and ``"cpu:N"``; raise ValueError otherwise.

    ``where`` names the function or layer that received the argument.

    >>> check_device("cpu", "zeros")
    >>> check_device("cuda", "zeros")
    Traceback (most recent call last):
    ...
    ValueError: zeros: minigrad runs on the CPU only; got device 'cuda'...
    """
    if device is None:
        return
    name = device if isinstance(device, str) else getattr(device, "type", device)
    if isinstance(name, str) and name.split(":", 1)[0] == "cpu":
        return
    shown = str(device) if isinstance(device, type(CPU)) else device  # device("cuda") -> "cuda"
    raise ValueError(f"{where}: minigrad runs on the CPU only; got device {shown!r}. "
                     'Leave out the device (or pass "cpu").')
