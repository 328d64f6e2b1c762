"""``load``'s ``map_location``: PyTorch's spellings, on a library whose tensors live on the CPU.

Every tensor minigrad saves was on the CPU, so its saved location is ``"cpu"``.
``map_location`` is checked before the file is read:

- ``None``, ``"cpu"``, ``"cpu:0"``, ``device("cpu")``: nothing to move;
- a dict of locations (``{"cuda:0": "cpu"}``): the entry for ``"cpu"``, if any,
  must name the CPU; entries for other locations are never used;
- a callable ``fn(tensor, "cpu")``, PyTorch's ``fn(storage, location)`` with the
  loaded Tensor in place of the storage: it returns the Tensor to use, or None to
  keep the loaded one (``lambda storage, loc: storage`` keeps it);
- anything naming another device (``"cuda"``, ``device("mps")``) is the device error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .._device import check_device, device, is_device_name
from .._tensor import Tensor

SAVED_LOCATION = "cpu"
Relocate = Callable[[Tensor], Tensor]


def relocation(map_location: Any) -> Relocate | None:
    """The function ``load`` applies to each loaded Tensor, or None when there is nothing
    to do; raises for a device other than the CPU or a value of the wrong type.

    >>> relocation("cpu") is None
    True
    """
    where = "load: map_location"
    if map_location is None or is_device_name(map_location):
        check_device(map_location, where)
        return None
    if isinstance(map_location, Mapping):
        for key, target in map_location.items():
            if not (is_device_name(key) and is_device_name(target)):
                raise TypeError(f"{where} must map device names to device names (such as "
                                f"{{'cuda:0': 'cpu'}}), got {key!r}: {target!r}")
            if device(key).type == SAVED_LOCATION:
                check_device(target, where)
        return None
    if callable(map_location):
        return lambda tensor: _call(map_location, tensor)
    raise TypeError(f"{where} must be None, a device ('cpu'), a dict of devices or a "
                    f"function (storage, location) -> storage, got "
                    f"{type(map_location).__name__}")


def _call(fn: Callable[[Any, str], Any], tensor: Tensor) -> Tensor:
    moved = fn(tensor, SAVED_LOCATION)
    if moved is None:
        return tensor
    if not isinstance(moved, Tensor):
        raise TypeError(f"load: map_location returned a {type(moved).__name__} for a tensor; "
                        "it must return a Tensor (the one it was given, or a copy) or None")
    return moved
