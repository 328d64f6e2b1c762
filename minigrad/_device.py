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


def is_device_name(value: Any) -> bool:
    """True for strings such as "cpu", "cuda" or "cuda:1" (PyTorch's device spellings)."""
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
    raise ValueError(f"{where}: minigrad runs on the CPU only; got device {device!r}. "
                     'Leave out the device (or pass "cpu").')
